"""Admin helpers whose types mypy now checks: the help-type filter and the choice labels."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from cases import models as m
from cases.admin.base import choice_labels
from tests import factories as f

pytestmark = pytest.mark.django_db

HelpType = m.AssistanceRequest.HelpType


def test_the_help_type_filter_lists_only_requests_asking_for_that_help(admin_client_):
    letter = f.AssistanceRequestFactory(help_types=[HelpType.LAWYER_LETTER, HelpType.POLICE_HELP])
    f.AssistanceRequestFactory(help_types=[HelpType.EVIDENCE_GUIDANCE])
    changelist = reverse("admin:cases_assistancerequest_changelist")

    response = admin_client_.get(changelist, {"help_type": HelpType.LAWYER_LETTER})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [letter.pk]
    assert len(admin_client_.get(changelist).context["cl"].result_list) == 2


def test_choice_labels_names_the_codes_and_refuses_a_field_that_is_no_array():
    with translation.override("en"):
        labels = choice_labels(m.AssistanceRequest, "help_types", [HelpType.POLICE_HELP, "unknown"])
    assert labels == "Help reporting to the police, unknown"
    with pytest.raises(TypeError, match="cases.AssistanceRequest.city is not an array of choices"):
        choice_labels(m.AssistanceRequest, "city", [])
