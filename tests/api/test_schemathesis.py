"""Property-based check of the API against its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ (every GET, and the writes: bulk import, workflow actions) is called
with a bounded number of generated requests, as an administrator's token with every scope, on the
test database with one row of each resource seeded. Each answer must not be a server error, and its
status code, content type and body must be the ones the schema documents. Generation is
derandomized (no example database), so a failure reproduces on the next run and in CI.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.settings import api_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_create
from cases import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: enough to reach the validation and the success paths of each, small
# enough that the ~40 operations run in well under a minute on the CI machine.
MAX_EXAMPLES = 6
# Requests that break the schema (wrong types, missing fields, bad filters): fewer, they only
# have to be refused with a documented JSON error, never a 500.
MAX_NEGATIVE_EXAMPLES = 3


def _seed() -> dict[str, object]:
    """One row of each resource, linked the way real cases are, so details and lists have bodies."""
    platform = f.PlatformFactory(code="weibo")
    account = f.MonitoredAccountFactory(platform=platform, agency=f.AgencyFactory())
    campaign = f.CampaignFactory()
    item = f.ContentItemFactory(account=account, platform=platform, campaign=campaign, triage_state="suspected")
    assessment = f.AssessmentFactory(content_item=item)
    evidence = f.EvidenceFactory()
    evidence.content_items.add(item)
    complaint = f.PlatformComplaintFactory(platform=platform)
    complaint.content_items.add(item)
    letter = f.LawyerLetterFactory()
    suit = f.FiledLawsuitFactory(accepted_on=timezone.localdate() - datetime.timedelta(days=5))
    f.LawsuitClaimFactory(lawsuit=suit)
    f.ProceedingFactory(lawsuit=suit)
    request = f.AssistanceRequestFactory()
    job = f.ImportJobFactory()
    return {
        "platforms": platform.code,
        "agencies": account.agency_id,
        "monitored-accounts": account.pk,
        "content-items": item.pk,
        "assessments": assessment.pk,
        "campaigns": campaign.pk,
        "evidence": evidence.pk,
        "platform-complaints": complaint.pk,
        "lawyer-letters": letter.pk,
        "lawsuits": suit.pk,
        "assistance-requests": request.pk,
        "import-jobs": job.pk,
    }


@pytest.fixture
def api(settings, admin_user) -> Iterator[tuple[schemathesis.schemas.BaseSchema, dict[str, str], dict]]:
    # Generated requests come fast: no throttling here (tests/api/test_bulk.py tests it).
    settings.REST_FRAMEWORK = {
        **api_settings.user_settings,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/minute", "api_bulk": "100000/minute"},
    }
    settings.LANGUAGE_CODE = "en"
    seeded = _seed()
    job = m.ImportJob.objects.get(pk=seeded["import-jobs"])
    token, key = api_token_create(name="schemathesis", user=admin_user, scopes=["read", "write", "import"])
    job.created_by = admin_user
    job.save(update_fields=["created_by"])
    headers = {"Authorization": f"Token {key}"}
    # The WSGI handler closes the database connection after each request, which would end the
    # test's transaction; Django's own test client disconnects these handlers the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), headers=headers)
        yield schema, headers, seeded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def _fuzz(operation, mode: GenerationMode, examples: int, headers: dict[str, str], real_id: object) -> None:
    """Call one operation with ``examples`` generated requests; raise on the first failed check."""

    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as is
        # The database fixture is function-scoped on purpose: one seeded transaction for the whole run.
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_real_object=st.booleans())
    def check(case, use_real_object: bool) -> None:
        # Half the examples address the seeded row, so details and actions reach their success paths.
        if use_real_object and real_id is not None and case.path_parameters:
            for name in case.path_parameters:
                case.path_parameters[name] = real_id
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_every_operation_conforms_to_the_schema(api):
    schema, headers, seeded = api
    failures: list[str] = []
    labels: set[str] = set()
    modes = [(GenerationMode.POSITIVE, MAX_EXAMPLES), (GenerationMode.NEGATIVE, MAX_NEGATIVE_EXAMPLES)]
    for (mode, examples), result in itertools.product(modes, list(schema.get_all_operations())):
        operation = result.ok()
        labels.add(operation.label)
        try:
            _fuzz(operation, mode, examples, headers, seeded.get(_resource(operation.path)))
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failure together
            failures.append(f"{operation.label} ({mode.value}): {error}")
    assert len(labels) >= 30, labels  # the schema was loaded whole
    assert {"GET /api/v1/lawsuits/", "POST /api/v1/lawsuits/{id}/move/", "POST /api/v1/content-items/bulk/"} <= labels
    assert not failures, "\n\n".join(failures)
