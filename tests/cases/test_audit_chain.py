"""The audit log's hash chain (cases/audit_chain_sql.py, cases/services/audit_chain.py): every row is
chained by the database when the transaction that inserted it commits, and the verifier names the first
row that was changed, removed, left unchained, or the end of the log when the newest rows are gone.

A test's transaction never commits: ``chain_now()`` runs the deferred chaining where a test needs it."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from cases.audit import AuditContext, audit_context, record
from cases.audit_chain_sql import CHAIN_LOCK_KEY, FUNCTIONS_SQL
from cases.models import Agency, AuditEvent
from cases.models.audit import AuditChainHead
from cases.services.audit_chain import canonical_payload, link_hash, verify_audit_chain
from tests import factories as f

pytestmark = pytest.mark.django_db


def superuser_sql(sql: str, params: list | None = None) -> None:
    """What someone with the table owner's or a superuser's rights could do: bypass the append-only rule."""
    with connection.cursor() as cursor:
        # Deferred checks (foreign keys, the chain head) must run before the table can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER cases_auditevent_append_only")
        cursor.execute(sql, params or [])
        cursor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER cases_auditevent_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def chain_now() -> None:
    """Run what commit would run (the deferred chaining), then defer again as a transaction starts."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def head() -> AuditChainHead:
    """The head as it will be at commit."""
    chain_now()
    return AuditChainHead.objects.get(pk=1)


def chain() -> list[AuditEvent]:
    chain_now()
    return list(AuditEvent.objects.order_by("seq"))


def some_events(n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        Agency.objects.create(name=f"链测试机构 {i}")
    return chain()[-n:]


def test_the_chain_lock_key_is_the_documented_constant():
    assert FUNCTIONS_SQL.count(f"pg_advisory_xact_lock({CHAIN_LOCK_KEY})") == 2


def test_each_row_chains_to_the_previous_one_and_the_head_follows():
    before = head()
    events = some_events(3)
    assert [e.seq for e in events] == [before.seq + 1, before.seq + 2, before.seq + 3]
    assert events[0].prev_hash == before.hash
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    after = head()
    assert (after.seq, after.hash) == (events[-1].seq, events[-1].hash)


def test_rows_are_unchained_until_commit_and_then_chained(lawyer):
    with audit_context(actor=lawyer, ip="10.0.0.7"):
        record(action="view", obj=lawyer)
    created = f.AuditEventFactory()
    pending = AuditEvent.objects.filter(seq__isnull=True).order_by("id")
    assert pending.filter(pk=created.pk).exists() and pending.filter(action="view").exists()
    assert set(pending.values_list("seq", "prev_hash", "hash")) == {(None, None, None)}
    chain_now()
    assert not pending.exists()
    event = AuditEvent.objects.get(action="view", ip_address="10.0.0.7")
    assert len(event.hash) == 64 and event.seq > 0
    created.refresh_from_db()
    assert created.seq == event.seq + 1 and created.prev_hash == event.hash


def test_values_supplied_by_the_writer_are_overwritten():
    last = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").first() if chain() else None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_auditevent (at, actor_type, action, object_type, object_id, diff, request_id, "
            "seq, prev_hash, hash) VALUES (now(), 'system', 'view', 'cases.agency', '1', '{}', '', 999999, 'x', 'y') "
            "RETURNING id, seq, prev_hash, hash"
        )
        row_id, seq, prev_hash, row_hash = cursor.fetchone()
        assert (seq, prev_hash, row_hash) == (None, None, None)  # chained at commit
        chain_now()
        cursor.execute("SELECT seq, prev_hash, hash FROM cases_auditevent WHERE id = %s", [row_id])
        seq, prev_hash, row_hash = cursor.fetchone()
    assert seq == (last.seq + 1 if last else 1)
    assert prev_hash == (last.hash if last else "") and row_hash not in ("y", "")


def test_the_python_payload_is_the_one_the_database_hashed(lawyer):
    """Awkward content: quotes, backslashes, control characters, Chinese, emoji, IPv6, nested JSON."""
    context = AuditContext(actor_id=lawyer.pk, actor_type="user", ip="2001:db8::1", request_id="req-链-0001")
    diff = {"名称": ['旧 "值"\\', "新\n值\t\x01😀"], "n": [1, 2.5], "z": None, "嵌套": {"b": [True, False]}}
    record(action="export", obj=lawyer, diff=diff, context=context)
    chain_now()
    event = AuditEvent.objects.latest("seq")
    with connection.cursor() as cursor:
        cursor.execute("SELECT diff::text, host(ip_address) FROM cases_auditevent WHERE id = %s", [event.pk])
        diff_text, ip = cursor.fetchone()
    payload = canonical_payload(
        seq=event.seq,
        row_id=event.pk,
        at=event.at,
        actor_id=lawyer.pk,
        actor_type="user",
        action="export",
        object_type="accounts.user",
        object_id=str(lawyer.pk),
        diff_text=diff_text,
        ip=ip,
        request_id="req-链-0001",
    )
    assert link_hash(event.prev_hash, payload) == event.hash
    assert verify_audit_chain().ok


def test_the_migration_backfill_hashes_like_the_trigger(lawyer):
    """Migration 0014 chained the existing rows with legalcases_audit_payload(); new rows use the trigger."""
    with audit_context(actor=lawyer, ip="192.0.2.9"):
        record(action="view", obj=lawyer, diff={"字段": ["旧", "新"]})
    some_events(2)
    chain_now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE hash = encode(sha256(convert_to(prev_hash || "
            "legalcases_audit_payload(seq, id, at, actor_id, actor_type, action, object_type, object_id, diff, "
            "ip_address, request_id), 'UTF8')), 'hex')) FROM cases_auditevent"
        )
        total, same = cursor.fetchone()
    assert total > 3 and same == total


def test_an_untouched_chain_verifies_and_the_command_prints_the_head(capsys):
    events = some_events(4)
    report = verify_audit_chain()
    assert report.ok and report.broken is None
    assert report.checked == AuditEvent.objects.count()
    call_command("verify_audit_chain")
    printed = json.loads(capsys.readouterr().out)
    assert printed["audit_chain_ok"] is True
    assert (printed["audit_head_seq"], printed["audit_head_hash"]) == (events[-1].seq, events[-1].hash)


def test_a_row_changed_behind_the_triggers_back_is_named():
    events = some_events(5)
    target = events[2]
    superuser_sql(
        "UPDATE cases_auditevent SET diff = jsonb_set(diff, '{name}', '\"别的机构\"') WHERE id = %s", [target.pk]
    )
    report = verify_audit_chain()
    assert report.broken is not None
    assert (report.broken.row_id, report.broken.seq) == (target.pk, target.seq)
    assert "content does not match" in report.broken.reason
    with pytest.raises(CommandError, match=rf"row id {target.pk} \(position {target.seq}\)"):
        call_command("verify_audit_chain")


def test_a_rehashed_row_is_named_by_the_next_row():
    """Someone who also recomputes the changed row's own hash breaks the link from the next row."""
    events = some_events(4)
    target, following = events[1], events[2]
    superuser_sql("UPDATE cases_auditevent SET hash = %s WHERE id = %s", ["0" * 64, target.pk])
    broken = verify_audit_chain().broken
    assert broken is not None and broken.row_id == target.pk  # its own hash no longer matches
    superuser_sql("UPDATE cases_auditevent SET hash = %s WHERE id = %s", [target.hash, target.pk])
    superuser_sql("UPDATE cases_auditevent SET prev_hash = %s WHERE id = %s", ["f" * 64, following.pk])
    assert verify_audit_chain().broken.row_id == following.pk


def test_a_deleted_middle_row_is_named():
    events = some_events(5)
    superuser_sql("DELETE FROM cases_auditevent WHERE id = %s", [events[2].pk])
    broken = verify_audit_chain().broken
    assert broken is not None
    assert (broken.row_id, broken.seq) == (events[3].pk, events[2].seq)
    assert f"position {events[2].seq} is missing" in broken.reason


def test_deleted_newest_rows_are_caught_by_the_head():
    events = some_events(4)
    superuser_sql("DELETE FROM cases_auditevent WHERE seq >= %s", [events[2].seq])
    broken = verify_audit_chain().broken
    assert broken is not None and broken.row_id is None and broken.seq == events[2].seq
    # A new row chains to the recorded head, not to the last row left: the gap stays visible.
    Agency.objects.create(name="截断之后")
    assert verify_audit_chain().broken is not None


def test_a_rolled_back_savepoint_leaves_one_chain():
    with transaction.atomic():
        Agency.objects.create(name="保存点前")
        try:
            with transaction.atomic():
                Agency.objects.create(name="回滚的")
                raise RuntimeError
        except RuntimeError:
            pass
        Agency.objects.create(name="保存点后")
    assert verify_audit_chain().ok
    seqs = [e.seq for e in chain()]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_row_inserted_by_a_later_deferred_trigger_of_the_same_commit_is_chained_too():
    """The chaining of the first pending row runs before another deferred trigger inserts an audit row."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE late_writer (id int)")
        cursor.execute(
            "CREATE FUNCTION pg_temp.late_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO cases_auditevent (at, actor_type, action, object_type, object_id, diff, request_id) "
            "VALUES (now(), 'system', 'view', 'late', NEW.id::text, '{}', ''); RETURN NULL; END $$"
        )
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER late_writer_at_commit AFTER INSERT ON late_writer "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.late_audit()"
        )
        chain_now()
        record(action="view", obj=Agency.objects.create(name="先"))  # queued first
        cursor.execute("INSERT INTO late_writer VALUES (7)")  # its audit row is inserted during "commit"
        chain_now()
    late = AuditEvent.objects.get(object_type="late")
    assert late.seq is not None and late.seq == AuditEvent.objects.exclude(object_type="late").latest("seq").seq + 1
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert verify_audit_chain().ok


def test_a_chaining_undone_by_a_rolled_back_savepoint_runs_again():
    """PostgreSQL re-queues deferred events fired inside a rolled-back savepoint: nothing stays unchained."""
    some_events(1)
    Agency.objects.create(name="链接被撤销")
    row = AuditEvent.objects.filter(seq__isnull=True).latest("id")
    try:
        with transaction.atomic():
            chain_now()
            assert AuditEvent.objects.get(pk=row.pk).seq is not None
            raise RuntimeError
    except RuntimeError:
        pass
    assert AuditEvent.objects.get(pk=row.pk).seq is None
    chain_now()
    assert AuditEvent.objects.get(pk=row.pk).seq is not None
    assert verify_audit_chain().ok


def test_one_statement_of_many_rows_is_chained_row_by_row():
    names = [f"批量 {i}" for i in range(50)]
    Agency.objects.bulk_create([Agency(name=name) for name in names])
    Agency.objects.filter(name__in=names).update(address="上海")
    assert AuditEvent.objects.filter(object_type="cases.agency", action="update").count() == 50
    assert verify_audit_chain().ok




def test_the_append_only_rule_lets_only_the_chaining_through():
    """UPDATE is refused except seq/prev_hash/hash of this transaction's pending rows, by the chainer."""
    (done,) = some_events(1)  # chained (some_events reads the chain)
    Agency.objects.create(name="待链接")
    pending = AuditEvent.objects.filter(seq__isnull=True).latest("id")
    attempts = [
        ("", "UPDATE cases_auditevent SET seq = 999999, prev_hash = '', hash = 'x' WHERE id = %s", pending.pk),
        ("on", "UPDATE cases_auditevent SET seq = 999999 WHERE id = %s", pending.pk),  # hashes left NULL
        ("on", "UPDATE cases_auditevent SET seq = 999999, prev_hash = '', hash = 'x', object_id = '0' WHERE id = %s",
         pending.pk),
        ("on", "UPDATE cases_auditevent SET seq = 999999, prev_hash = '', hash = 'x' WHERE id = %s", done.pk),
        ("on", "DELETE FROM cases_auditevent WHERE id = %s", pending.pk),
    ]  # fmt: skip
    for setting, sql, row_id in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('legalcases.audit_chaining', %s, true)", [setting])
            cursor.execute(sql, [row_id])
    assert verify_audit_chain().ok


# --- concurrency: the chain lock is held only while a transaction commits --------------------


def run_threads(*targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target) -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_an_open_audited_transaction_does_not_block_another_writers_commit():
    a_wrote, release = threading.Event(), threading.Event()
    elapsed: list[float] = []

    def a() -> None:
        with transaction.atomic():
            Agency.objects.create(name="甲 未提交")
            a_wrote.set()
            release.wait(10)

    def b() -> None:
        assert a_wrote.wait(10)
        start = time.monotonic()
        try:
            with transaction.atomic():
                Agency.objects.create(name="乙")
            elapsed.append(time.monotonic() - start)
        finally:
            release.set()

    assert run_threads(a, b) == []
    assert elapsed and elapsed[0] < 2, elapsed  # queued behind A's whole transaction before
    report = verify_audit_chain()
    assert report.ok, report.broken
    # The chain follows commit order: B committed first.
    a_row, b_row = (
        AuditEvent.objects.get(object_type="cases.agency", object_id=str(Agency.objects.get(name=name).pk))
        for name in ("甲 未提交", "乙")
    )
    assert b_row.seq < a_row.seq


@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_a_row_lock_no_longer_deadlocks_with_an_audited_transaction():
    """T1 writes an audited row; T2 updates X; T1 then updates X. Before, T2's audit insert waited for the
    chain lock T1 held while T1 waited for X: a deadlock. Now T2 finishes and T1 simply waits for it."""
    x, y = Agency.objects.create(name="X 机构"), Agency.objects.create(name="Y 机构")
    t1_wrote, t2_wrote = threading.Event(), threading.Event()

    def t1() -> None:
        with transaction.atomic():
            Agency.objects.filter(pk=y.pk).update(address="T1 先写 Y")
            t1_wrote.set()
            t2_wrote.wait(3)  # before: never set, T2 is stuck in its UPDATE
            Agency.objects.filter(pk=x.pk).update(address="T1 后写 X")

    def t2() -> None:
        assert t1_wrote.wait(10)
        with transaction.atomic():
            Agency.objects.filter(pk=x.pk).update(address="T2 写 X")
            t2_wrote.set()

    assert run_threads(t1, t2) == []
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.address, y.address) == ("T1 后写 X", "T1 先写 Y")
    assert verify_audit_chain().ok


@pytest.mark.django_db(transaction=True)
def test_an_unchained_row_committed_behind_the_triggers_back_is_reported_not_chained():
    Agency.objects.create(name="之前")
    with transaction.atomic(), connection.cursor() as cursor:  # as the table owner or a superuser could
        cursor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO cases_auditevent (at, actor_type, action, object_type, object_id, diff, request_id) "
            "VALUES (now(), 'system', 'view', 'cases.agency', '1', '{}', '') RETURNING id"
        )
        (sneaked,) = cursor.fetchone()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key check, before the ALTER
        cursor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER USER")
    Agency.objects.create(name="之后")  # its commit chains its own rows only
    assert AuditEvent.objects.get(pk=sneaked).seq is None
    assert not AuditEvent.objects.filter(seq__isnull=True).exclude(pk=sneaked).exists()
    broken = verify_audit_chain().broken
    assert broken is not None and broken.row_id == sneaked and "never chained" in broken.reason


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_a_single_chain():
    def writer(k: int) -> None:
        for i in range(15):
            with transaction.atomic():
                Agency.objects.create(name=f"并发 {k}-{i}")
                Agency.objects.filter(name=f"并发 {k}-{i}").update(address="北京")

    assert run_threads(*(lambda k=k: writer(k) for k in range(4))) == []
    report = verify_audit_chain()
    assert report.ok, report.broken
    assert report.checked == AuditEvent.objects.count() >= 4 * 15 * 2
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free


def test_the_chaining_exception_of_the_append_only_rule_names_every_column():
    """legalcases_audit_refuse_change() lets the chaining UPDATE through only if every other column is
    unchanged, column by column: a new column must be added to that comparison (cases/audit_chain_sql.py)."""
    from cases.audit_chain_sql import FUNCTIONS_SQL
    from cases.models import AuditEvent

    refuse = FUNCTIONS_SQL[FUNCTIONS_SQL.index("FUNCTION legalcases_audit_refuse_change") :]
    refuse = refuse[: refuse.index("$$;")]
    for field in AuditEvent._meta.concrete_fields:
        if field.column not in ("seq", "prev_hash", "hash"):
            assert f"NEW.{field.column} " in refuse and f"OLD.{field.column}" in refuse, field.column
