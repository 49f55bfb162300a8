"""Identity disclosure (披露用户身份信息): asking a platform, a court or the police who holds an
anonymous account, recording the answer, and reading the disclosed identity.

The holder's name, contact and address are personal data: encrypted at rest, shown unmasked only
to the "identity" area (lawyers and admins, accounts.permissions), and every unmasked read is
written to the audit trail. Everybody else gets masked values and no read is recorded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases import audit
from cases.fields import mask_name, mask_phone
from cases.models import IdentityDisclosure, Lawsuit, LawsuitParty, MonitoredAccount

St = IdentityDisclosure.Status
IdStatus = MonitoredAccount.IdentityStatus
IDENTITY_FIELDS = ("disclosed_name", "disclosed_contact", "disclosed_address")
ANSWERS = (St.DISCLOSED, St.REFUSED, St.NO_RECORD)


@dataclass(frozen=True)
class Identity:
    name: str
    contact: str
    address: str
    masked: bool


def mask_address(address: str) -> str:
    """Keep the first six characters (province and city), hide the rest."""
    address = address.strip()
    return address[:6] + "*" * min(max(len(address) - 6, 0), 8) if address else ""


@transaction.atomic
def disclosure_request(
    *,
    actor: Any,
    account: MonitoredAccount,
    route: str,
    lawsuit: Lawsuit | None = None,
    notes: str = "",
    requested_at: datetime.datetime | None = None,
) -> IdentityDisclosure:
    """Record a request to reveal an account's holder; the account becomes "disclosure requested"."""
    permissions.ensure_can_edit(actor, IdentityDisclosure)
    requested_at = requested_at or timezone.now()
    if route not in IdentityDisclosure.Route.values:
        raise ValidationError({"route": _("Choose the route of the request.")})
    if requested_at > timezone.now():
        raise ValidationError({"requested_at": _("The date of an event cannot be in the future.")})
    if account.disclosures.filter(status=St.REQUESTED, route=route).exists():
        raise ValidationError(_("A request by this route is already waiting for an answer."), code="duplicate")
    disclosure = IdentityDisclosure(
        account=account,
        route=route,
        lawsuit=lawsuit,
        notes=notes.strip(),
        requested_at=requested_at,
        requested_by=actor,
    )
    disclosure.full_clean()
    disclosure.save()
    if account.identity_status == IdStatus.ANONYMOUS:
        MonitoredAccount.objects.filter(pk=account.pk).update(
            identity_status=IdStatus.DISCLOSURE_REQUESTED, updated_at=timezone.now()
        )
    return disclosure


@transaction.atomic
def disclosure_record_response(
    *,
    disclosure: IdentityDisclosure,
    actor: Any,
    status: str,
    answered_at: datetime.datetime | None = None,
    name: str = "",
    contact: str = "",
    address: str = "",
    notes: str = "",
) -> IdentityDisclosure:
    """Record the answer: disclosed (with at least the holder's name), refused, or no record held."""
    permissions.ensure_can_edit(actor, IdentityDisclosure)
    disclosure = IdentityDisclosure.objects.select_for_update().get(pk=disclosure.pk)
    answered_at = answered_at or timezone.now()
    errors: dict[str, str] = {}
    if disclosure.status != St.REQUESTED:
        raise ValidationError(_("This request has already been answered."), code="answered")
    if status not in ANSWERS:
        errors["status"] = _("Choose the answer: disclosed, refused or no record held.")
    if status == St.DISCLOSED and not name.strip():
        errors["name"] = _("A disclosure names the holder.")
    if status != St.DISCLOSED and (name.strip() or contact.strip() or address.strip()):
        errors["name"] = _("Only a disclosure carries the holder's identity.")
    if answered_at > timezone.now():
        errors["answered_at"] = _("The date of an event cannot be in the future.")
    elif answered_at < disclosure.requested_at:
        errors["answered_at"] = _("An answer cannot come before the request.")
    if errors:
        raise ValidationError(errors)
    disclosure.status, disclosure.answered_at = status, answered_at
    disclosure.disclosed_name, disclosure.disclosed_contact = name.strip(), contact.strip()
    disclosure.disclosed_address = address.strip()
    if notes.strip():
        disclosure.notes = "\n".join(filter(None, [disclosure.notes, notes.strip()]))
    disclosure.full_clean()
    disclosure.save()
    account_status = IdStatus.DISCLOSED if status == St.DISCLOSED else None
    if account_status is None and not disclosure.account.disclosures.filter(status=St.REQUESTED).exists():
        account_status = (
            IdStatus.DISCLOSED
            if disclosure.account.disclosures.filter(status=St.DISCLOSED).exists()
            else IdStatus.ANONYMOUS
        )
    if account_status:
        MonitoredAccount.objects.filter(pk=disclosure.account_id).update(
            identity_status=account_status, updated_at=timezone.now()
        )
    return disclosure


def disclosure_identity(*, disclosure: IdentityDisclosure, actor: Any) -> Identity:
    """Return the disclosed identity: in clear for the identity area (and the read is audited),
    masked for everybody else."""
    name, contact, address = (str(getattr(disclosure, f) or "") for f in IDENTITY_FIELDS)
    if not permissions.can_view(actor, IdentityDisclosure):
        return Identity(mask_name(name), mask_phone(contact) if contact else "", mask_address(address), True)
    if name or contact or address:
        audit.record(action="view", obj=disclosure, diff={"fields": list(IDENTITY_FIELDS)})
    return Identity(name, contact, address, False)


@transaction.atomic
def disclosure_add_defendant(*, disclosure: IdentityDisclosure, lawsuit: Lawsuit, actor: Any) -> LawsuitParty:
    """Add the disclosed person as a defendant of the suit (追加被告); the suit names only the person.

    The party row is visible to every role that sees the suit, so it carries the masked name; the
    full identity stays in the disclosure, for the lawyers.
    """
    permissions.ensure_can_edit(actor, lawsuit)
    permissions.ensure_can_edit(actor, IdentityDisclosure)
    if disclosure.status != St.DISCLOSED:
        raise ValidationError(_("Only a disclosed holder can be added as a defendant."), code="not_disclosed")
    if not lawsuit.is_open:
        raise ValidationError(_("This suit has ended: no defendant can be added."), code="closed")
    label = _("%(name)s (holder of %(account)s, disclosure no. %(id)s)") % {
        "name": mask_name(str(disclosure.disclosed_name)),
        "account": disclosure.account.name,
        "id": disclosure.pk,
    }
    party, _created = LawsuitParty.objects.get_or_create(
        lawsuit=lawsuit,
        role=LawsuitParty.Role.DEFENDANT,
        kind=LawsuitParty.Kind.PERSON,
        monitored_account=disclosure.account,
        defaults={"name": label[:200]},
    )
    if disclosure.lawsuit_id is None:
        IdentityDisclosure.objects.filter(pk=disclosure.pk).update(lawsuit=lawsuit, updated_at=timezone.now())
    return party
