"""SQL of the audit log's hash chain and its retention purge (migration 0014_audit_chain_retention).

The chain is kept by the database so that every insert into ``cases_auditevent`` is chained,
whoever makes it (the statement-level audit triggers of cases/audit.py, ``audit.record()``,
raw SQL):

- ``legalcases_audit_chain()`` (BEFORE INSERT, per row) takes the chain's transaction-level
  advisory lock, reads the head (``cases_auditchainhead``, or the value this transaction already
  chained to, kept in the transaction-local setting ``legalcases.audit_head``), and sets the row's
  ``seq`` (head + 1), ``prev_hash`` (the head's hash) and ``hash`` = SHA-256 of
  ``prev_hash || legalcases_audit_payload(row)``. Whatever the insert supplied is overwritten.
- The head row is written once per transaction, at commit: the first chained row "touches" it
  (an UPDATE that changes nothing), which queues the deferred constraint trigger
  ``cases_auditchainhead_at_commit``; ``legalcases_audit_chain_head()`` then writes the last
  chained row's position and hash. (Writing it per statement made a transaction of many small
  audited statements quadratic: each update of one row walks that row's versions.) Concurrent
  writers queue on the advisory lock until the holder commits or rolls back, so there is one chain
  and no fork (the unique index on ``seq`` would refuse one anyway).
- ``legalcases_audit_refuse_change()`` replaces the generic append-only trigger on the table: UPDATE
  is always refused; DELETE only of rows at or below the chain position that
  ``legalcases_audit_purge()`` announces in ``legalcases.audit_purge_upto`` *and* older than the
  retention in force, which has a floor (CHECK on ``cases_auditretention``). Setting that value by
  hand therefore still deletes nothing the retention would keep.
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

CREATE OR REPLACE FUNCTION legalcases_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head text := current_setting('legalcases.audit_head', true);
    prev_seq bigint;
    prev text;
BEGIN
    IF head IS NULL OR head = '' THEN
        -- First chained row of this transaction: queue behind any other writer until it ends.
        PERFORM pg_advisory_xact_lock(27432147050784878);
        SELECT h.seq, h.hash INTO prev_seq, prev FROM cases_auditchainhead h WHERE h.id = 1;
        IF NOT FOUND THEN
            -- No head row (a fresh or flushed table): chain to the last row, or start the chain.
            SELECT e.seq, e.hash INTO prev_seq, prev FROM cases_auditevent e ORDER BY e.seq DESC LIMIT 1;
            IF NOT FOUND THEN
                prev_seq := 0;
                prev := '';
            END IF;
        END IF;
    ELSE
        prev_seq := split_part(head, ' ', 1)::bigint;
        prev := split_part(head, ' ', 2);
    END IF;
    IF coalesce(current_setting('legalcases.audit_head_pending', true), '') = '' THEN
        -- Touch the head row: its deferred trigger writes the final head once, at commit.
        UPDATE cases_auditchainhead SET seq = seq WHERE id = 1;
        IF NOT FOUND THEN
            INSERT INTO cases_auditchainhead (id, seq, hash, anchor_seq, anchor_hash) VALUES (1, prev_seq, prev, 0, '');
            UPDATE cases_auditchainhead SET seq = seq WHERE id = 1;
        END IF;
        PERFORM set_config('legalcases.audit_head_pending', 'on', true);
    END IF;
    NEW.seq := prev_seq + 1;
    NEW.prev_hash := prev;
    -- legalcases_audit_payload() written out: a SQL function called from PL/pgSQL is not inlined.
    NEW.hash := encode(sha256(convert_to(prev || jsonb_build_array(
        NEW.seq, NEW.id, to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        NEW.actor_id, NEW.actor_type, NEW.action, NEW.object_type, NEW.object_id, NEW.diff,
        host(NEW.ip_address), NEW.request_id)::text, 'UTF8')), 'hex');
    -- Transaction-local: undone with the rows by a rollback (or a rolled-back savepoint).
    PERFORM set_config('legalcases.audit_head', NEW.seq || ' ' || NEW.hash, true);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_chain_head() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head text := current_setting('legalcases.audit_head', true);
BEGIN
    IF head IS NOT NULL AND head <> '' THEN
        UPDATE cases_auditchainhead SET seq = split_part(head, ' ', 1)::bigint, hash = split_part(head, ' ', 2)
        WHERE id = 1 AND seq IS DISTINCT FROM split_part(head, ' ', 1)::bigint;
    END IF;
    -- Rows chained after this (SET CONSTRAINTS ... IMMEDIATE, later deferred triggers) touch the head again.
    PERFORM set_config('legalcases.audit_head_pending', '', true);
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
DROP FUNCTION IF EXISTS legalcases_audit_chain_head() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_refuse_change() CASCADE;
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
CREATE TRIGGER cases_auditevent_chain BEFORE INSERT ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_audit_chain();
-- Fires at commit after a touch (seq unchanged), not after its own write (seq moved on).
CREATE CONSTRAINT TRIGGER cases_auditchainhead_at_commit AFTER UPDATE ON cases_auditchainhead
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.seq = NEW.seq AND OLD.hash = NEW.hash)
    EXECUTE FUNCTION legalcases_audit_chain_head();
DROP TRIGGER IF EXISTS cases_auditevent_append_only ON cases_auditevent;
CREATE TRIGGER cases_auditevent_append_only BEFORE UPDATE OR DELETE ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_audit_refuse_change();
"""

DROP_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS cases_auditevent_chain ON cases_auditevent;
DROP TRIGGER IF EXISTS cases_auditchainhead_at_commit ON cases_auditchainhead;
DROP TRIGGER IF EXISTS cases_auditevent_append_only ON cases_auditevent;
CREATE TRIGGER cases_auditevent_append_only BEFORE UPDATE OR DELETE ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION legalcases_refuse_change();
"""
