"""SQL of the audit log's hash chain and its retention purge (migration 0014_audit_chain_retention).

The chain is kept by the database so that every insert into ``cases_auditevent`` is chained when
its transaction commits, whoever makes it (the statement-level audit triggers of cases/audit.py,
``audit.record()``, raw SQL):

- ``legalcases_audit_unchained()`` (BEFORE INSERT, per row) only sets ``seq``, ``prev_hash`` and
  ``hash`` to NULL, whatever the insert supplied: no lock, no head read, so an open transaction
  never makes another writer wait.
- ``legalcases_audit_mark_pending()`` (AFTER INSERT, per statement) leaves one marker row per
  transaction in ``cases_auditpending`` (guarded by the transaction-local ``legalcases.audit_pending``).
- ``legalcases_audit_chain()`` (constraint trigger ``cases_auditevent_chain_at_commit`` on the
  marker table, DEFERRABLE INITIALLY DEFERRED) runs at commit, once per transaction: it takes the
  chain's transaction-level advisory lock (held only for the rest of the commit), reads the head
  (``cases_auditchainhead`` FOR UPDATE, or the last chained row if there is no head), walks this
  transaction's unchained rows in id order (partial index ``cases_audit_unchained_idx``,
  ``WHERE seq IS NULL``), computes ``seq`` (head + 1…), ``prev_hash`` and ``hash`` = SHA-256 of
  ``prev_hash || legalcases_audit_payload(row)``, writes them with one UPDATE, writes the head,
  then deletes the marker and clears the flag: rows inserted later in the commit (by other deferred
  triggers) leave a new marker, chained in turn. The chain's order is therefore commit order. A
  rolled-back savepoint takes its rows, the marker and the flag with it. "This transaction's" rows:
  ``legalcases_audit_xact_own`` (the row's ``xmin`` is the transaction or one of its
  subtransactions); an unchained row committed by someone who disabled the triggers is left alone
  and reported by the verifier. The function's plans are cached per session, so it runs with
  ``enable_seqscan``/``enable_bitmapscan`` off: plans made while the table was small (a new
  database) would otherwise scan the table once per row.
- ``legalcases_audit_refuse_change()`` replaces the generic append-only trigger on the table: UPDATE
  is refused except the chaining itself (a row whose ``seq`` is NULL, i.e. not yet committed or never
  chained, while the transaction-local ``legalcases.audit_chaining`` is on, getting non-NULL
  ``seq``/``prev_hash``/``hash`` and nothing else: wrong values would fail the verifier); DELETE only
  of rows at or below the chain position that
  ``legalcases_audit_purge()`` announces in ``legalcases.audit_purge_upto`` *and* older than the
  retention in force, which has a floor (CHECK on ``cases_auditretention``). Setting either value by
  hand therefore still changes nothing committed that the retention would keep.
- ``legalcases_audit_purge()`` deletes the oldest events (a prefix of the chain, so what is left is
  still one chain) older than the retention, stopping before the first event about evidence or an
  owner's request under litigation hold, moves the head's anchor to the last deleted row and records
  a ``purge`` event naming the anchor, all in one transaction.

The payload is a JSON array built by PostgreSQL (so ``diff`` is in its jsonb text form); the
verifier (cases/services/audit_chain.py) rebuilds it in Python from the columns, reading only
``diff::text`` and ``host(ip_address)`` from the database, and hashes it itself.
"""

from __future__ import annotations

# pg_advisory_xact_lock key of the chain: "audtchn" in ASCII, distinct from the project's other keys
# (written out in FUNCTIONS_SQL; tests/cases/test_audit_chain.py checks they agree).
CHAIN_LOCK_KEY = 0x61_75_64_74_63_68_6E

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION legalcases_audit_payload(
    bigint, bigint, timestamptz, bigint, text, text, text, text, jsonb, inet, text
) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(
        $1, $2, to_char($3 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        $4, $5, $6, $7, $8, $9, host($10), $11
    )::text
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_xact_own(xid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- Inserted by this transaction (or one of its savepoints)? The 32-bit xmin made full with
    -- age(), which counts from this transaction's own id; frozen or ancient ids are never ours.
    SELECT age($1) < 1000000000
       AND pg_xact_status((pg_current_xact_id()::text::bigint - age($1))::text::xid8) = 'in progress'
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_unchained() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- No lock, no head: the row is chained at commit (legalcases_audit_chain()).
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_mark_pending() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- After the transaction's first statement that inserts audit rows: a marker whose deferred
    -- trigger chains all its pending rows at commit, so one deferred event per transaction instead
    -- of one per row (a rolled-back savepoint takes the marker and this setting with it). After the
    -- statement, not before each row: chained early (SET CONSTRAINTS ... IMMEDIATE), the rows exist.
    IF coalesce(current_setting('legalcases.audit_pending', true), '') = '' THEN
        -- Set first: in IMMEDIATE mode the marker's trigger chains (and clears this) at once.
        PERFORM set_config('legalcases.audit_pending', 'on', true);
        INSERT INTO cases_auditpending DEFAULT VALUES ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

-- Its plans are cached for the session: made while the table is small (a new database, a test run)
-- they would scan the whole table once per row forever; the indexes are always the right plan.
CREATE OR REPLACE FUNCTION legalcases_audit_chain() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off AS $$
DECLARE
    prev_seq bigint;
    prev text;
    h text;
    r record;
    ids bigint[] := '{}';
    seqs bigint[] := '{}';
    prevs text[] := '{}';
    hashes text[] := '{}';
BEGIN
    -- Fired at commit by the transaction's marker in cases_auditpending (see legalcases_audit_unchained()).
    -- Held from here to the end of the commit only.
    PERFORM pg_advisory_xact_lock(27432147050784878);
    SELECT h.seq, h.hash INTO prev_seq, prev FROM cases_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        -- No head row (a fresh or flushed table): chain to the last chained row, or start the chain.
        SELECT e.seq, e.hash INTO prev_seq, prev FROM cases_auditevent e
        WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
        IF NOT FOUND THEN
            prev_seq := 0;
            prev := '';
        END IF;
        INSERT INTO cases_auditchainhead (id, seq, hash, anchor_seq, anchor_hash) VALUES (1, prev_seq, prev, 0, '');
    END IF;
    PERFORM set_config('legalcases.audit_chaining', 'on', true);
    -- This transaction's pending rows, in id order (partial index cases_audit_unchained_idx).
    -- Unchained rows committed by others (inserted with the triggers disabled) are left for the
    -- verifier to report.
    FOR r IN
        SELECT e.id, e.at, e.actor_id, e.actor_type, e.action, e.object_type, e.object_id, e.diff,
               e.ip_address, e.request_id
        FROM cases_auditevent e WHERE e.seq IS NULL AND legalcases_audit_xact_own(e.xmin) ORDER BY e.id
    LOOP
        prev_seq := prev_seq + 1;
        -- legalcases_audit_payload() written out: a SQL function called from PL/pgSQL is not inlined.
        h := encode(sha256(convert_to(prev || jsonb_build_array(
            prev_seq, r.id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            r.actor_id, r.actor_type, r.action, r.object_type, r.object_id, r.diff,
            host(r.ip_address), r.request_id)::text, 'UTF8')), 'hex');
        ids := ids || r.id;
        seqs := seqs || prev_seq;
        prevs := prevs || prev;
        hashes := hashes || h;
        prev := h;
    END LOOP;
    -- One statement for all of them: an UPDATE per row cost more than the hashing.
    UPDATE cases_auditevent e SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
    FROM unnest(ids, seqs, prevs, hashes) AS u(id, seq, prev_hash, hash)
    WHERE e.id = u.id;
    PERFORM set_config('legalcases.audit_chaining', '', true);
    -- Rows a later deferred trigger of this commit inserts leave a new marker, chained in turn.
    DELETE FROM cases_auditpending WHERE xid = pg_current_xact_id();
    PERFORM set_config('legalcases.audit_pending', '', true);
    UPDATE cases_auditchainhead SET seq = prev_seq, hash = prev WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    upto bigint := nullif(current_setting('legalcases.audit_purge_upto', true), '')::bigint;
    keep_days integer;
BEGIN
    IF TG_OP = 'DELETE' AND upto IS NOT NULL AND OLD.seq <= upto THEN
        SELECT r.days INTO keep_days FROM cases_auditretention r ORDER BY r.id DESC LIMIT 1;
        IF keep_days IS NOT NULL AND OLD.at < now() - make_interval(days => keep_days) THEN
            RETURN OLD;
        END IF;
    END IF;
    -- The chaining at commit: a pending row of this transaction gets its seq, prev_hash and hash,
    -- and nothing else changes.
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL
       AND current_setting('legalcases.audit_chaining', true) = 'on'
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND NEW.id = OLD.id AND NEW.at = OLD.at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor_type = OLD.actor_type
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id
       AND NEW.diff IS NOT DISTINCT FROM OLD.diff AND NEW.ip_address IS NOT DISTINCT FROM OLD.ip_address
       AND NEW.request_id = OLD.request_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_purge()
RETURNS TABLE (purged bigint, anchor_seq bigint, anchor_hash text, until timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    keep_days integer;
    cutoff timestamptz;
    head_anchor bigint;
    head_seq bigint;
    upto bigint;
    held bigint;
    n bigint;
    new_anchor text;
    last_at timestamptz;
BEGIN
    SELECT r.days INTO keep_days FROM cases_auditretention r ORDER BY r.id DESC LIMIT 1;
    IF keep_days IS NULL THEN
        RETURN;  -- No retention set: the audit log is kept forever.
    END IF;
    cutoff := now() - make_interval(days => keep_days);
    PERFORM pg_advisory_xact_lock(27432147050784878);
    SELECT h.anchor_seq, h.seq INTO head_anchor, head_seq FROM cases_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- The oldest events, as a prefix of the chain: stop before the first one young enough to keep.
    SELECT e.seq - 1 INTO upto FROM cases_auditevent e
    WHERE e.seq > head_anchor AND e.at >= cutoff ORDER BY e.seq LIMIT 1;
    upto := coalesce(upto, head_seq);
    -- Litigation hold: stop before the first event about held evidence or a held owner's request.
    SELECT min(e.seq) - 1 INTO held FROM cases_evidence v
    JOIN cases_auditevent e ON e.object_type = 'cases.evidence' AND e.object_id = v.id::text
    WHERE v.litigation_hold AND e.seq > head_anchor AND e.seq <= upto;
    upto := least(upto, coalesce(held, upto));
    SELECT min(e.seq) - 1 INTO held FROM cases_assistancerequest a
    JOIN cases_auditevent e ON e.object_type = 'cases.assistancerequest' AND e.object_id = a.id::text
    WHERE a.litigation_hold AND e.seq > head_anchor AND e.seq <= upto;
    upto := least(upto, coalesce(held, upto));
    IF upto <= head_anchor THEN
        RETURN;
    END IF;
    SELECT e.hash, e.at INTO new_anchor, last_at FROM cases_auditevent e WHERE e.seq = upto;
    PERFORM set_config('legalcases.audit_purge_upto', upto::text, true);
    DELETE FROM cases_auditevent e WHERE e.seq > head_anchor AND e.seq <= upto;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('legalcases.audit_purge_upto', '', true);
    UPDATE cases_auditchainhead h SET anchor_seq = upto, anchor_hash = new_anchor WHERE h.id = 1;
    INSERT INTO cases_auditevent (at, actor_id, actor_type, action, object_type, object_id, diff, ip_address, request_id)
    VALUES (
        now(),
        nullif(current_setting('legalcases.actor_id', true), '')::bigint,
        coalesce(nullif(current_setting('legalcases.actor_type', true), ''), 'system'),
        'purge', 'cases.auditevent', upto::text,
        jsonb_build_object(
            'rows', n, 'older_than', cutoff, 'last_purged_at', last_at, 'retention_days', keep_days,
            'anchor_seq', upto, 'anchor_hash', new_anchor
        ),
        nullif(current_setting('legalcases.ip', true), '')::inet,
        coalesce(current_setting('legalcases.request_id', true), '')
    );
    RETURN QUERY SELECT n, upto, new_anchor, last_at;
END
$$;
"""

DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS legalcases_audit_purge();
DROP FUNCTION IF EXISTS legalcases_audit_chain() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_mark_pending() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_unchained() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_refuse_change() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_xact_own(xid);
DROP FUNCTION IF EXISTS legalcases_audit_payload(bigint, bigint, timestamptz, bigint, text, text, text, text, jsonb, inet, text);
"""

# Chain the rows already there, oldest id first, and record the head (no anchor: nothing purged yet).
BACKFILL_SQL = """
ALTER TABLE cases_auditevent DISABLE TRIGGER cases_auditevent_append_only;
DO $$
DECLARE
    r record;
    n bigint := 0;
    prev text := '';
    h text;
BEGIN
    FOR r IN SELECT * FROM cases_auditevent ORDER BY id LOOP
        n := n + 1;
        h := encode(sha256(convert_to(prev || legalcases_audit_payload(
            n, r.id, r.at, r.actor_id, r.actor_type, r.action, r.object_type,
            r.object_id, r.diff, r.ip_address, r.request_id), 'UTF8')), 'hex');
        UPDATE cases_auditevent SET seq = n, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
    INSERT INTO cases_auditchainhead (id, seq, hash, anchor_seq, anchor_hash) VALUES (1, n, prev, 0, '');
END
$$;
ALTER TABLE cases_auditevent ENABLE TRIGGER cases_auditevent_append_only;
"""

TRIGGERS_SQL = """
-- One row per transaction with unchained audit rows, while it runs: its deferred trigger chains them.
CREATE TABLE cases_auditpending (xid xid8 PRIMARY KEY DEFAULT pg_current_xact_id());
CREATE TRIGGER cases_auditevent_chain BEFORE INSERT ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_audit_unchained();
CREATE TRIGGER cases_auditevent_pending AFTER INSERT ON cases_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION legalcases_audit_mark_pending();
CREATE CONSTRAINT TRIGGER cases_auditevent_chain_at_commit AFTER INSERT ON cases_auditpending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION legalcases_audit_chain();
DROP TRIGGER IF EXISTS cases_auditevent_append_only ON cases_auditevent;
CREATE TRIGGER cases_auditevent_append_only BEFORE UPDATE OR DELETE ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_audit_refuse_change();
"""

DROP_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS cases_auditevent_chain ON cases_auditevent;
DROP TRIGGER IF EXISTS cases_auditevent_pending ON cases_auditevent;
DROP TABLE IF EXISTS cases_auditpending;
DROP TRIGGER IF EXISTS cases_auditevent_append_only ON cases_auditevent;
CREATE TRIGGER cases_auditevent_append_only BEFORE UPDATE OR DELETE ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_refuse_change();
"""
