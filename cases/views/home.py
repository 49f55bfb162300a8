"""The staff home page (工作台): the user's open work as counts that link to the lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.permissions import RoleRequiredMixin
from cases.selectors.work import open_work_for


@dataclass(frozen=True)
class CardSpec:
    label: Promise
    url_name: str
    query: str = ""
    # Fallback list when ``url_name`` does not exist (yet), e.g. no campaign list.
    fallback: str = ""
    fallback_query: str = ""
    # "danger" or "warn": the card is highlighted while its count is above zero.
    alert: str = ""


CARDS: dict[str, CardSpec] = {
    "items_awaiting": CardSpec(_("Items awaiting assessment"), "cases:triage"),
    "items_assessing": CardSpec(_("Items being assessed"), "cases:content-item-list", "?triage_state=assessing"),
    "campaigns_detected": CardSpec(
        _("Campaigns detected, to confirm"), "cases:campaign-list", "?status=detected", alert="warn"
    ),
    "evidence_attention": CardSpec(
        _("Evidence failing its integrity check"),
        "cases:evidence-list",
        "?integrity=mismatch&integrity=missing",
        alert="danger",
    ),
    "escalations_unreviewed": CardSpec(
        _("Escalations awaiting a lawyer's review"),
        "cases:content-item-list",
        "?triage_state=suspected",
        alert="warn",
    ),
    "my_lawsuits_open": CardSpec(_("My open lawsuits"), "cases:lawsuit-list", "?lawyer=me&open=true"),
    "my_deadlines_due_soon": CardSpec(
        _("My deadlines in the next 7 days"),
        "cases:deadline-list",
        "?responsible=me&due=7",
        fallback="cases:lawsuit-list",
        fallback_query="?lawyer=me&open=true",
        alert="warn",
    ),
    "my_deadlines_overdue": CardSpec(
        _("My overdue deadlines"),
        "cases:deadline-list",
        "?responsible=me&due=overdue",
        fallback="cases:lawsuit-list",
        fallback_query="?lawyer=me&open=true",
        alert="danger",
    ),
    "my_requests_open": CardSpec(
        _("Assistance requests assigned to me"), "cases:assistance-request-list", "?assigned=me&open=true"
    ),
    "deadlines_due_soon": CardSpec(
        _("Deadlines in the next 7 days"),
        "cases:deadline-list",
        "?due=7",
        fallback="cases:lawsuit-list",
        fallback_query="?open=true",
        alert="warn",
    ),
    "deadlines_overdue": CardSpec(
        _("Overdue deadlines"),
        "cases:deadline-list",
        "?due=overdue",
        fallback="cases:lawsuit-list",
        fallback_query="?open=true",
        alert="danger",
    ),
    "requests_open": CardSpec(_("Open assistance requests"), "cases:assistance-request-list", "?open=true"),
    "accounts_monitored": CardSpec(
        _("Accounts monitored"), "cases:monitored-account-list", "?watch_status=watching&watch_status=key"
    ),
    "lawsuits_open": CardSpec(_("Open lawsuits"), "cases:lawsuit-list", "?open=true"),
    "suits_filed": CardSpec(_("Suits filed"), "cases:lawsuit-list", "?filed=true"),
    "suits_supporting_owners": CardSpec(
        _("Owner suits supported"), "cases:lawsuit-list", "?filed=true&our_role=supporting_owner"
    ),
}

# Sections of the page, in order; a card appears in the first section naming it.
SECTIONS: tuple[tuple[Promise, tuple[str, ...]], ...] = (
    (
        _("Assessment"),
        ("items_awaiting", "items_assessing", "campaigns_detected", "evidence_attention", "escalations_unreviewed"),
    ),
    (
        _("Cases and deadlines"),
        (
            "my_lawsuits_open",
            "my_deadlines_due_soon",
            "my_deadlines_overdue",
            "my_requests_open",
            "deadlines_due_soon",
            "deadlines_overdue",
            "requests_open",
        ),
    ),
    (_("Headline figures"), ("accounts_monitored", "lawsuits_open", "suits_filed", "suits_supporting_owners")),
)


def _url(name: str, query: str) -> str | None:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return None


def card_url(spec: CardSpec) -> str | None:
    """Return the filtered list behind a card, or None when no such list exists."""
    url = _url(spec.url_name, spec.query)
    if url is None and spec.fallback:
        url = _url(spec.fallback, spec.fallback_query)
    return url


def build_sections(counts: dict[str, int]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for title, names in SECTIONS:
        cards = []
        for name in names:
            if name not in counts:
                continue
            spec = CARDS[name]
            value = counts[name]
            cards.append(
                {
                    "name": name,
                    "label": spec.label,
                    "value": value,
                    "url": card_url(spec),
                    "alert": spec.alert if value else "",
                }
            )
        if cards:
            sections.append({"title": title, "cards": cards})
    return sections


class HomeView(RoleRequiredMixin, TemplateView):
    """Any staff role; others get 403 (anonymous users are sent to the login page)."""

    template_name = "cases/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = open_work_for(self.request.user)
        context["sections"] = build_sections(counts)
        context["has_headlines"] = "accounts_monitored" in counts or "suits_filed" in counts
        return context
