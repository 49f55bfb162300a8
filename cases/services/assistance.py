"""Owner assistance: the public submission, the private tracking link, staff moves and the purge.

The tracking token is shown to the owner once and sent by email/SMS; the request is found by the
token's SHA-256, and the token itself is kept only encrypted (for status notices, purged with the
rest). No function here ever logs it (nor any other personal data).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases.fields import digest, mask_phone
from cases.models import AssistanceRequest, ConsentRecord, Evidence
from cases.normalize import normalize_phone, normalize_url
from cases.services import assistance_links, notifications
from cases.services import evidence as evidence_service
from cases.services.workflow import move

logger = logging.getLogger(__name__)

S = AssistanceRequest.Status

# --- Uploads -----------------------------------------------------------------------------------
# One check for owners and staff: cases.services.evidence (content sniffing, allow-list, size,
# disguised names, image bombs, SHA-256 while the file streams to storage, a custody chain).

MAX_FILES = 10


def check_upload(upload: UploadedFile) -> str:
    """Return the sniffed type of an acceptable owner upload; raise ValidationError otherwise."""
    return evidence_service.check_owner_upload(upload)[1]


def _store_evidence(assistance_request: AssistanceRequest, uploads: Iterable[UploadedFile]) -> int:
    stored = 0
    for upload in uploads:
        mime = check_upload(upload)
        recording = mime.startswith(("video/", "audio/"))
        evidence_service.evidence_upload_by_owner(
            uploaded=upload,
            assistance_request=assistance_request,
            metadata={
                "title": _("Owner's file for %(reference)s") % {"reference": assistance_request.reference},
                "capture_method": (
                    Evidence.CaptureMethod.SCREEN_RECORDING if recording else Evidence.CaptureMethod.SCREENSHOT
                ),
                "status": Evidence.Status.COLLECTING,
                "contains_third_party_pi": True,  # screenshots of posts nearly always show other people
            },
        )
        stored += 1
    if stored and not assistance_request.has_evidence:
        assistance_request.has_evidence = True
        assistance_request.save(update_fields=["has_evidence", "updated_at"])
    return stored


# --- Rate limits -------------------------------------------------------------------------------

IP_LIMIT, IP_WINDOW = 5, 3600  # accepted submissions per address per hour
PHONE_LIMIT, PHONE_WINDOW = 3, 24 * 3600  # per phone per day
ATTEMPT_LIMIT, ATTEMPT_WINDOW = 30, 3600  # any POST, valid or not, per address per hour (floods)
TRACK_MISS_LIMIT, TRACK_MISS_WINDOW = 20, 3600  # wrong tracking links per address per hour
DUPLICATE_DAYS = 30


def _rate_key(kind: str, value: str) -> str:
    # Addresses and phones are hashed: cache keys are personal data too.
    return f"assist-rate:{kind}:{digest(value)}"


def rate_limited(kind: str, value: str, limit: int) -> bool:
    """Tell whether ``value`` has used up its allowance of ``kind`` events."""
    return (cache.get(_rate_key(kind, value)) or 0) >= limit


def rate_count(kind: str, value: str, window: int) -> None:
    key = _rate_key(kind, value)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window)


# --- Submission --------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def phone_digest(phone: str) -> str:
    return digest(normalize_phone(phone))


def _links_key(links: Iterable[str]) -> list[str]:
    return sorted({normalize_url(link) for link in links})


def find_duplicate(*, phone: str, links: list[str]) -> AssistanceRequest | None:
    """A request from the same phone with the same set of links within 30 days, if any."""
    since = timezone.now() - timedelta(days=DUPLICATE_DAYS)
    wanted = _links_key(links)
    candidates = AssistanceRequest.objects.filter(
        phone_digest=phone_digest(phone), submitted_at__gte=since, purged_at__isnull=True
    ).exclude(status=S.WITHDRAWN)
    for candidate in candidates.only("pk", "content_links", "reference"):
        if _links_key(candidate.content_links) == wanted:
            return candidate
    return None


def _next_reference(year: int) -> str:
    # One writer at a time per database for the yearly sequence (released at commit).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('cases.assistance.reference'))")
    prefix = f"YZ-{year}-"
    last = (
        AssistanceRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{number:06d}"


@dataclass(frozen=True)
class Submission:
    assistance_request: AssistanceRequest
    token: str  # empty for a duplicate: the owner already has a link
    duplicate: bool = False


@transaction.atomic
def assistance_request_submit(
    *,
    name: str,
    phone: str,
    email: str = "",
    city: str = "",
    vehicle_model: str = "",
    vin_last6: str = "",
    description: str,
    links: list[str],
    help_types: list[str],
    files: list[UploadedFile],
    sensitive_data: bool = False,
    share_with_counsel: bool = False,
) -> Submission:
    """Create an owner's request with its consent and evidence, or return the existing duplicate."""
    duplicate = find_duplicate(phone=phone, links=links)
    if duplicate is not None:
        return Submission(assistance_request=duplicate, token="", duplicate=True)
    token = secrets.token_urlsafe(32)
    now = timezone.localtime()
    req = AssistanceRequest.objects.create(
        reference=_next_reference(now.year),
        token_digest=token_digest(token),
        tracking_token=token,
        owner_name=name,
        owner_phone=normalize_phone(phone),
        owner_email=email,
        phone_digest=phone_digest(phone),
        city=city,
        vehicle_model=vehicle_model,
        vin_last6=vin_last6.upper(),
        description=description,
        content_links=links,
        help_types=help_types,
        submitted_at=now,
        # A backstop: closing the request resets it to the retention period after closure.
        retention_until=now.date() + timedelta(days=settings.ASSISTANCE_RETENTION_DAYS),
    )
    P = ConsentRecord.Purpose
    ConsentRecord.objects.create(
        assistance_request=req,
        notice_version=settings.PRIVACY_NOTICE_VERSION,
        purposes=[P.ASSISTANCE, P.CONTACT, P.EVIDENCE],
        sensitive_data=sensitive_data,
        share_with_counsel=share_with_counsel,
        granted_at=now,
    )
    _store_evidence(req, files)
    assistance_links.assistance_request_link_monitoring(assistance_request=req)
    return Submission(assistance_request=req, token=token)


# --- Sending the link --------------------------------------------------------------------------


class SmsSender(Protocol):
    def send(self, *, phone: str, message: str) -> None: ...


class ConsoleSmsSender:
    """The default "SMS gateway" for development.

    The message carries the private link, so it must never reach a log. With DEBUG on it is
    printed to standard output (so a developer can follow the link); otherwise nothing is sent
    and only the fact is logged, with the phone masked. Production sets ASSISTANCE_SMS_SENDER
    to a real gateway class with the same ``send(*, phone, message)`` method.
    """

    def send(self, *, phone: str, message: str) -> None:
        if settings.DEBUG:
            print(f"[SMS to {phone}] {message}", file=sys.stdout, flush=True)
        else:
            logger.info("SMS to %s not sent: no SMS gateway configured", mask_phone(phone))


def sms_sender() -> SmsSender:
    path = getattr(settings, "ASSISTANCE_SMS_SENDER", "cases.services.assistance.ConsoleSmsSender")
    return import_string(path)()


def assistance_request_send_link(*, assistance_request: AssistanceRequest, tracking_url: str) -> None:
    """Send the private tracking link by email (if given) and SMS. Failures are logged without the link."""
    reference = assistance_request.reference
    text = _(
        "Your assistance request %(reference)s has been received. Follow its progress (keep this link private): %(url)s"
    ) % {"reference": reference, "url": tracking_url}
    if assistance_request.owner_email:
        try:
            send_mail(
                _("Your assistance request %(reference)s") % {"reference": reference},
                text,
                settings.DEFAULT_FROM_EMAIL,
                [assistance_request.owner_email],
            )
        except Exception:  # the owner has the link on screen; a mail failure must not lose the request
            logger.warning("Could not email the tracking link of %s", reference)
    try:
        sms_sender().send(phone=assistance_request.owner_phone, message=text)
    except Exception:
        logger.warning("Could not send the tracking link of %s by SMS", reference)


# --- Moves ---------------------------------------------------------------------------------------


def _move(req: AssistanceRequest, **kwargs: Any) -> AssistanceRequest:
    """Every move of a request goes through here: the owner is told after it commits."""
    move(req, **kwargs)
    notifications.owner_notify_on_commit(req)
    return req


# --- Tracking ----------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def assistance_request_by_token(token: str) -> AssistanceRequest | None:
    """Find a request by its private token: one indexed lookup of the digest, whatever the input."""
    candidate = token if TOKEN_RE.match(token or "") else ""
    return AssistanceRequest.objects.filter(token_digest=token_digest(candidate)).first()


@transaction.atomic
def assistance_request_add_evidence(*, assistance_request: AssistanceRequest, files: list[UploadedFile]) -> int:
    """The owner sends more evidence through the link; a request waiting for it goes back to screening."""
    req = AssistanceRequest.objects.select_for_update().get(pk=assistance_request.pk)
    if req.status != S.NEED_INFO:
        raise ValidationError(_("This request is not waiting for more evidence."), code="not_need_info")
    stored = _store_evidence(req, files)
    _move(req, to=S.SCREENING, actor=None, reason=_("The owner sent more evidence."), check_permission=False)
    return stored


@transaction.atomic
def assistance_request_withdraw(*, assistance_request: AssistanceRequest) -> AssistanceRequest:
    """The owner withdraws consent: the request ends and its personal data is due for purging."""
    req = AssistanceRequest.objects.select_for_update().get(pk=assistance_request.pk)
    _move(req, to=S.WITHDRAWN, actor=None, reason=_("The owner withdrew consent."), check_permission=False)
    now = timezone.now()
    req.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
    req.closed_at = now
    req.retention_until = timezone.localdate()
    req.save(update_fields=["closed_at", "retention_until", "updated_at"])
    return req


# --- Staff moves -------------------------------------------------------------------------------


def _locked(assistance_request: AssistanceRequest) -> AssistanceRequest:
    return AssistanceRequest.objects.select_for_update().get(pk=assistance_request.pk)


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def _finish(req: AssistanceRequest) -> None:
    req.closed_at = timezone.now()
    req.retention_until = timezone.localdate() + timedelta(days=settings.ASSISTANCE_RETENTION_DAYS)
    req.save(update_fields=["closed_at", "retention_until", "updated_at"])


@transaction.atomic
def assistance_request_screen(
    *, assistance_request: AssistanceRequest, actor: Any, reason: str = ""
) -> AssistanceRequest:
    req = _locked(assistance_request)
    _move(req, to=S.SCREENING, actor=actor, reason=reason)
    # Monitoring may have found the owner's posts since the request came in.
    assistance_links.assistance_request_link_monitoring(assistance_request=req)
    return req


@transaction.atomic
def assistance_request_need_info(
    *, assistance_request: AssistanceRequest, actor: Any, message: str
) -> AssistanceRequest:
    """Ask the owner for more; the message is shown on the tracking page."""
    message = _required(message, _("Say what the owner should send."))
    req = _locked(assistance_request)
    _move(req, to=S.NEED_INFO, actor=actor, reason=message)
    req.info_requested = message
    req.save(update_fields=["info_requested", "updated_at"])
    return req


@transaction.atomic
def assistance_request_decline(*, assistance_request: AssistanceRequest, actor: Any, reason: str) -> AssistanceRequest:
    reason = _required(reason, _("Give the reason for declining."))
    req = _locked(assistance_request)
    _move(req, to=S.DECLINED, actor=actor, reason=reason)
    _finish(req)
    return req


@transaction.atomic
def assistance_request_legal_review(
    *, assistance_request: AssistanceRequest, actor: Any, reason: str = ""
) -> AssistanceRequest:
    req = _locked(assistance_request)
    return _move(req, to=S.LEGAL_REVIEW, actor=actor, reason=reason)


CRITERIA = AssistanceRequest.Criterion


@transaction.atomic
def assistance_request_decide(
    *,
    assistance_request: AssistanceRequest,
    actor: Any,
    suable: bool,
    reasons: str,
    criteria_met: Iterable[str] | None = None,
) -> AssistanceRequest:
    """Record the lawyer's judgement with its checklist and reasons; only during legal review.

    ``criteria_met`` are the checklist items (AssistanceRequest.Criterion) the lawyer found met.
    "Suable" needs every one of them; "not suable" records which were missing. ``None`` (a
    caller without the checklist) records the judgement and reasons only.
    """
    from accounts import permissions

    permissions.ensure_can_edit(actor, assistance_request)
    reasons = _required(reasons, _("Give the reasons for the judgement."))
    met: list[str] | None = None
    if criteria_met is not None:
        given = set(criteria_met)
        if given - set(CRITERIA.values):
            raise ValidationError(_("Unknown eligibility criterion."), code="criterion")
        met = [value for value in CRITERIA.values if value in given]  # checklist order
        missing = [CRITERIA(value).label for value in CRITERIA.values if value not in given]
        if suable and missing:
            raise ValidationError(
                _("A request is suable only when every criterion is met. Not met: %(missing)s.")
                % {"missing": "、".join(str(label) for label in missing)},
                code="criteria_not_met",
            )
    req = _locked(assistance_request)
    if req.status != S.LEGAL_REVIEW:
        raise ValidationError(_("Only a request under legal review can be judged."), code="not_in_review")
    E = AssistanceRequest.Eligibility
    req.eligibility = E.SUABLE if suable else E.NOT_SUABLE
    req.eligibility_reasons = reasons
    fields = ["eligibility", "eligibility_reasons", "updated_at"]
    if met is not None:
        req.eligibility_checklist = met
        fields.append("eligibility_checklist")
    req.save(update_fields=fields)
    return req


OUTCOMES = (S.GUIDED, S.LETTER, S.LITIGATION, S.POLICE)


@transaction.atomic
def assistance_request_outcome(
    *, assistance_request: AssistanceRequest, actor: Any, outcome: str, reason: str = ""
) -> AssistanceRequest:
    """Record the help given. A lawyer letter or litigation support needs a request judged suable."""
    if outcome not in OUTCOMES:
        raise ValidationError(_("Choose one of the outcomes."), code="outcome")
    req = _locked(assistance_request)
    if outcome in (S.LETTER, S.LITIGATION) and req.eligibility != AssistanceRequest.Eligibility.SUABLE:
        raise ValidationError(
            _("A lawyer letter or litigation support needs the request judged suable first."), code="not_suable"
        )
    return _move(req, to=outcome, actor=actor, reason=reason)


@transaction.atomic
def assistance_request_close(
    *, assistance_request: AssistanceRequest, actor: Any, reason: str = ""
) -> AssistanceRequest:
    req = _locked(assistance_request)
    _move(req, to=S.CLOSED, actor=actor, reason=reason)
    _finish(req)
    return req


@transaction.atomic
def assistance_request_assign(*, assistance_request: AssistanceRequest, actor: Any, lawyer: Any) -> AssistanceRequest:
    """Assign (or reassign) the request to a lawyer. Only lawyers and administrators may assign.

    The database trigger records the change of ``assigned_lawyer_id`` with the actor in the
    audit trail; the lawyer is emailed after the commit. Owners never see who it is.
    """
    from accounts import permissions

    if not permissions.can_sign_off(actor):
        raise PermissionDenied
    role = permissions.role_of(lawyer)
    if lawyer is None or not lawyer.is_active or role not in (lawyer.Role.LAWYER, lawyer.Role.ADMIN):
        raise ValidationError(_("Choose an active lawyer."), code="not_a_lawyer")
    req = _locked(assistance_request)
    if req.status in AssistanceRequest.FINISHED_STATUSES:
        raise ValidationError(_("A finished request cannot be assigned."), code="finished")
    if req.assigned_lawyer_id == lawyer.pk:
        return req
    req.assigned_lawyer = lawyer
    req.save(update_fields=["assigned_lawyer", "updated_at"])
    if lawyer.pk != getattr(actor, "pk", None):
        notifications.lawyer_notify_on_commit(req, lawyer)
    return req


# --- Purge -------------------------------------------------------------------------------------

PURGED_FIELDS = {
    "owner_name": "",
    "owner_phone": "",
    "owner_email": "",
    "tracking_token": "",
    "phone_digest": "",
    "description": "",
    "city": "",
    "vin_last6": "",
    "content_links": [],
}


def purge_due(today: date | None = None):
    """Requests whose personal data must go: withdrawn or past retention, not held, not yet purged."""
    today = today or timezone.localdate()
    return AssistanceRequest.objects.filter(
        Q(status=S.WITHDRAWN) | Q(retention_until__lt=today), purged_at__isnull=True, litigation_hold=False
    )


@transaction.atomic
def assistance_requests_purge(*, today: date | None = None) -> int:
    """Blank the owners' personal data of every request due; counts, statuses and help types remain.

    One UPDATE, so the audit trigger records the purge as one statement with every row it touched.
    """
    return purge_due(today).update(**PURGED_FIELDS, purged_at=timezone.now(), updated_at=timezone.now())
