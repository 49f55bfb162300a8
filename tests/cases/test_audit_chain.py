"""The audit log's hash chain (cases/audit_chain_sql.py, cases/services/audit_chain.py): every row is
chained by the database as it is inserted, and the verifier names the first row that was changed,
removed, or the end of the log when the newest rows are gone."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

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


def head() -> AuditChainHead:
    """The head as it will be at commit (the deferred trigger writes it then; a test never commits)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS cases_auditchainhead_at_commit IMMEDIATE")
        cursor.execute("SET CONSTRAINTS cases_auditchainhead_at_commit DEFERRED")
    return AuditChainHead.objects.get(pk=1)


def chain() -> list[AuditEvent]:
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


def test_django_sees_the_chain_values_the_database_set(lawyer):
    with audit_context(actor=lawyer, ip="10.0.0.7"):
        record(action="view", obj=lawyer)
    event = AuditEvent.objects.latest("seq")
    assert len(event.hash) == 64 and event.seq > 0
    created = f.AuditEventFactory()
    assert created.seq == event.seq + 1 and created.prev_hash == event.hash


def test_values_supplied_by_the_writer_are_overwritten():
    last = AuditEvent.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_auditevent (at, actor_type, action, object_type, object_id, diff, request_id, "
            "seq, prev_hash, hash) VALUES (now(), 'system', 'view', 'cases.agency', '1', '{}', '', 999999, 'x', 'y') "
            "RETURNING seq, prev_hash, hash"
        )
        seq, prev_hash, row_hash = cursor.fetchone()
    assert seq == (last.seq + 1 if last else 1)
    assert prev_hash == (last.hash if last else "") and row_hash != "y"


def test_the_python_payload_is_the_one_the_database_hashed(lawyer):
    """Awkward content: quotes, backslashes, control characters, Chinese, emoji, IPv6, nested JSON."""
    context = AuditContext(actor_id=lawyer.pk, actor_type="user", ip="2001:db8::1", request_id="req-链-0001")
    diff = {"名称": ['旧 "值"\\', "新\n值\t\x01😀"], "n": [1, 2.5], "z": None, "嵌套": {"b": [True, False]}}
    record(action="export", obj=lawyer, diff=diff, context=context)
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


def test_one_statement_of_many_rows_is_chained_row_by_row():
    names = [f"批量 {i}" for i in range(50)]
    Agency.objects.bulk_create([Agency(name=name) for name in names])
    Agency.objects.filter(name__in=names).update(address="上海")
    assert AuditEvent.objects.filter(object_type="cases.agency", action="update").count() == 50
    assert verify_audit_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_a_single_chain():
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    Agency.objects.create(name=f"并发 {k}-{i}")
                    Agency.objects.filter(name=f"并发 {k}-{i}").update(address="北京")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_audit_chain()
    assert report.ok, report.broken
    assert report.checked == AuditEvent.objects.count() >= 4 * 15 * 2
