"""seed_demo: the public figures, idempotency, filed suits' defendants and the DEBUG guard.

A full seed takes a while, so the module seeds once (``seeded``) inside a transaction that is
rolled back after the last test; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import User
from cases.demo import figures
from cases.demo.people import DEMO_PASSWORD
from cases.models import (
    Assessment,
    AssistanceRequest,
    AuditEvent,
    ConsentRecord,
    ContentItem,
    Evidence,
    Lawsuit,
    LawsuitParty,
    MonitoredAccount,
    Proceeding,
)
from cases.normalize import CASE_NUMBER_RE
from tests.factories import ensure_platforms

PUBLIC_FIGURES = {
    "items_assessed": 16_465,
    "accounts_monitored": 231,
    "suits_filed": 92,
    "suits_supporting_owners": 35,
    "assistance_requests": 6_032,
    "requests_with_evidence": 480,
    "evidence_guidance": 338,
    "lawyer_letter": 301,
    "litigation_support": 245,
    "owners_suable": 23,
}
DEMO_ANALYSTS = ["analyst", "analyst_li", "analyst_zhou"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """Seed once for the whole module (DEBUG is off under pytest, so this also exercises --force)."""
    media = tmp_path_factory.mktemp("seed-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        ensure_platforms()
        out = io.StringIO()
        call_command("seed_demo", "--force", stdout=out)
        yield SimpleNamespace(output=out.getvalue(), media=media)
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    models = (
        ContentItem,
        MonitoredAccount,
        Lawsuit,
        AssistanceRequest,
        Assessment,
        ConsentRecord,
        LawsuitParty,
        Proceeding,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_it_reproduces_the_public_figures_exactly(seeded):
    assert {key: figures()[key] for key in PUBLIC_FIGURES} == PUBLIC_FIGURES
    assert "16,465" in seeded.output and "6,032" in seeded.output


@pytest.mark.django_db
def test_the_figures_sit_in_a_larger_realistic_data_set(seeded):
    assert ContentItem.objects.count() > ContentItem.objects.assessed().count()
    assert ContentItem.objects.filter(assessed_at__isnull=True).exclude(conclusion="").count() == 0
    assert 0 < ContentItem.objects.infringing().count() < ContentItem.objects.assessed().count()
    assert MonitoredAccount.objects.exclude(watch_status__in=MonitoredAccount.MONITORED_STATUSES).count() > 0
    assert Lawsuit.objects.filter(stage=Lawsuit.Stage.PREPARING).count() > 0
    assert AssistanceRequest.objects.filter(help_types=[]).count() > AssistanceRequest.objects.count() / 2
    assert ConsentRecord.objects.count() == AssistanceRequest.objects.count()


@pytest.mark.django_db
def test_every_assessed_item_has_an_assessment_by_a_demo_analyst(seeded):
    by_analyst = Assessment.objects.filter(assessor__username__in=DEMO_ANALYSTS, content_item__isnull=False)
    assessed = ContentItem.objects.assessed()
    assert not assessed.exclude(pk__in=by_analyst.values("content_item_id")).exists()
    assert assessed.filter(conclusion__in=Assessment.INFRINGING).exclude(assessments__rationale="").exists()


@pytest.mark.django_db
def test_every_filed_suit_has_a_defendant(seeded):
    filed = Lawsuit.objects.filed()
    assert not filed.exclude(parties__role=LawsuitParty.Role.DEFENDANT).exists()
    assert not filed.filter(filed_on__isnull=True).exists()
    # Run the deferred database check (normally at commit) now: it raises if any suit lacks a defendant.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_case_numbers_are_official_and_unique(seeded):
    numbers = list(Proceeding.objects.exclude(case_number="").values_list("case_number", flat=True))
    assert numbers and len(numbers) == len(set(numbers))
    assert all(CASE_NUMBER_RE.match(number) for number in numbers)


@pytest.mark.django_db
def test_owner_suits_support_suable_requests(seeded):
    supported = Lawsuit.objects.supporting_owners()
    assert not supported.filter(assistance_request__isnull=True).exists()
    assert not supported.exclude(assistance_request__eligibility=AssistanceRequest.Eligibility.SUABLE).exists()


@pytest.mark.django_db
def test_demo_users_exist_per_role_with_the_demo_password(seeded):
    users = {
        user.username: user for user in User.objects.filter(username__in=["analyst", "lawyer", "executive", "admin"])
    }
    assert {name: user.role for name, user in users.items()} == {
        "analyst": "analyst",
        "lawyer": "lawyer",
        "executive": "executive",
        "admin": "admin",
    }
    assert users["admin"].is_superuser and users["admin"].is_staff and users["lawyer"].is_staff
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())


@pytest.mark.django_db
def test_evidence_files_are_stored_with_their_real_hash_size_and_type(seeded):
    evidence = list(Evidence.objects.all())
    storage = FileSystemStorage(location=seeded.media)
    assert evidence and {e.mime_type for e in evidence} == {"image/png", "text/html"}
    for item in evidence:
        with storage.open(item.file.name, "rb") as stored:
            data = stored.read()
        assert hashlib.sha256(data).hexdigest() == item.sha256 and len(data) == item.size


@pytest.mark.django_db
def test_running_it_again_changes_nothing(seeded, settings):
    settings.MEDIA_ROOT = seeded.media
    before, audit_before = _row_counts(), AuditEvent.objects.count()

    call_command("seed_demo", "--force", stdout=io.StringIO())

    assert {key: figures()[key] for key in PUBLIC_FIGURES} == PUBLIC_FIGURES
    assert _row_counts() == before
    # Not one row was written: the audit triggers would have recorded it.
    assert AuditEvent.objects.count() == audit_before


def test_it_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
