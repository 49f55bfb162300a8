"""Notifications of the owner assistance program.

Owners are told of every status change of their request, in plain Chinese, by email (where
given) and SMS (through the pluggable sender of cases.services.assistance), with their private
tracking link. The message says only which stage the request reached: never a staff member's
name, a reason or an internal note (what the team needs from the owner is read on the tracking
page, behind the link). Messages are sent by a Celery task after the move commits, once per
state change (``OwnerNotification``). Log lines name the request's reference and the channels,
never a name, phone, email or link.

Lawyers are told by email when a request is assigned to them.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import AssistanceRequest, OwnerNotification, StateChange

logger = logging.getLogger(__name__)

S = AssistanceRequest.Status

# Plain-language lines for the owner, one per status reached (tracking page and notifications).
OWNER_STATUS_TEXT: dict[str, Any] = {
    S.SUBMITTED: gettext_lazy("We received your request."),
    S.SCREENING: gettext_lazy("We are checking your request and your evidence."),
    S.NEED_INFO: gettext_lazy("We need more information from you (see below)."),
    S.DECLINED: gettext_lazy("We cannot take up your request. We will tell you why by phone or email."),
    S.LEGAL_REVIEW: gettext_lazy("A lawyer is assessing your case."),
    S.GUIDED: gettext_lazy("We have sent you guidance on fixing and using your evidence."),
    S.LETTER: gettext_lazy("A lawyer letter is being sent on your behalf."),
    S.LITIGATION: gettext_lazy("We are supporting your lawsuit."),
    S.POLICE: gettext_lazy("We are helping you report the matter to the police."),
    S.CLOSED: gettext_lazy("Your request is closed."),
    S.WITHDRAWN: gettext_lazy("You withdrew your consent. Your personal information will be deleted."),
}

# The same news in a message, which has no "below": what to do next, if anything.
OWNER_NEXT_STEP_TEXT: dict[str, Any] = {
    S.NEED_INFO: gettext_lazy("Please open the link to see what we need, and upload it there."),
}


def tracking_url(assistance_request: AssistanceRequest) -> str:
    """The owner's private link, or "" when it is not kept (requests from before links were kept, purged ones)."""
    token = str(assistance_request.tracking_token or "")
    if not token:
        return ""
    base = settings.LITIGATION_SITE_URL.rstrip("/")
    return base + reverse("cases:public-request-track", args=[token])


def owner_status_message(assistance_request: AssistanceRequest, status: str) -> tuple[str, str, str]:
    """Return (email subject, email body, SMS text) in the site's language, without any staff detail."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reference": assistance_request.reference,
            "status_text": str(OWNER_STATUS_TEXT.get(status, "")),
            "next_step": str(OWNER_NEXT_STEP_TEXT.get(status, "")),
            "url": tracking_url(assistance_request),
        }
        subject = render_to_string("emails/owner-status-subject.txt", context).strip()
        body = render_to_string("emails/owner-status-body.txt", context).strip() + "\n"
        if context["url"]:
            sms = _("Assistance request %(reference)s: %(status)s Details (keep this link private): %(url)s") % {
                "reference": context["reference"],
                "status": context["status_text"],
                "url": context["url"],
            }
        else:
            sms = _("Assistance request %(reference)s: %(status)s Details: the private link we sent you.") % {
                "reference": context["reference"],
                "status": context["status_text"],
            }
    return subject, body, sms


def owner_notify_on_commit(assistance_request: AssistanceRequest) -> None:
    """Schedule the owner's notice of the request's latest state change, sent once the move commits."""
    change_id = (
        StateChange.objects.filter(object_type="cases.assistancerequest", object_id=assistance_request.pk)
        .order_by("-at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if change_id is None:
        return
    request_id, reference = assistance_request.pk, assistance_request.reference

    def send() -> None:
        from kombu.exceptions import OperationalError as BrokerUnavailable

        from cases.tasks.assistance import notify_owner_of_status

        try:
            notify_owner_of_status.delay(request_id, change_id)
        except BrokerUnavailable:  # the move is saved; owner_notifications_resend sends the notice later
            logger.warning("Owner notice of %s not queued: the broker is unavailable", reference)

    transaction.on_commit(send)


def owner_notifications_resend(
    *,
    older_than: datetime.timedelta = datetime.timedelta(minutes=10),
    within: datetime.timedelta = datetime.timedelta(days=1),
) -> int:
    """Queue again the owners' notices that never left (the broker was down when the move committed).

    Moves of the last ``within`` that are older than ``older_than`` (time enough for a queued notice to
    be sent) and have no ``OwnerNotification``; purged requests are never told. Sending twice is harmless:
    the task writes one notification per state change.
    """
    from cases.tasks.assistance import notify_owner_of_status

    now = timezone.now()
    missed = (
        StateChange.objects.filter(
            object_type="cases.assistancerequest",
            at__lt=now - older_than,
            at__gte=now - within,
            object_id__in=AssistanceRequest.objects.filter(purged_at__isnull=True).values("pk"),
        )
        .filter(~Exists(OwnerNotification.objects.filter(state_change_id=OuterRef("pk"))))
        .order_by("at", "pk")
        .values_list("object_id", "pk")
    )
    count = 0
    for request_id, change_id in missed:
        notify_owner_of_status.delay(int(request_id), change_id)
        count += 1
    return count


def notify_owner_of_status(*, assistance_request_id: int, state_change_id: int) -> bool:
    """Tell the owner of one state change by email and SMS; False when there was nothing (more) to send.

    Idempotent: the request row is locked and an ``OwnerNotification`` is written in the same
    transaction, so a retried or duplicated task finds it and sends nothing.
    """
    from cases.services.assistance import sms_sender

    with transaction.atomic():
        req = AssistanceRequest.objects.select_for_update().filter(pk=assistance_request_id).first()
        change = StateChange.objects.filter(
            pk=state_change_id, object_type="cases.assistancerequest", object_id=assistance_request_id
        ).first()
        if req is None or change is None or req.purged_at is not None:
            return False
        status = change.to_state
        if OwnerNotification.objects.filter(
            assistance_request=req, status=status, state_change_id=state_change_id
        ).exists():
            return False
        subject, body, sms = owner_status_message(req, status)
        channels = []
        if req.owner_email:
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [str(req.owner_email)])
                channels.append("email")
            except Exception:
                logger.warning("Could not email the owner of %s about a status change", req.reference)
        if req.owner_phone:
            try:
                sms_sender().send(phone=str(req.owner_phone), message=sms)
                channels.append("sms")
            except Exception:
                logger.warning("Could not send an SMS to the owner of %s about a status change", req.reference)
        OwnerNotification.objects.create(
            assistance_request=req, status=status, state_change_id=state_change_id, channels=channels
        )
    logger.info("Owner of %s told of status %s by %s", req.reference, status, ",".join(channels) or "no channel")
    return True


# --- Lawyers ------------------------------------------------------------------------------------


def lawyer_notify_on_commit(assistance_request: AssistanceRequest, lawyer: Any) -> None:
    request_id, lawyer_id = assistance_request.pk, lawyer.pk

    def send() -> None:
        from cases.tasks.assistance import notify_lawyer_of_assignment

        notify_lawyer_of_assignment.delay(request_id, lawyer_id)

    transaction.on_commit(send)


def notify_lawyer_of_assignment(*, assistance_request_id: int, lawyer_id: int) -> bool:
    """Email a lawyer that a request is now theirs (the reference and the staff link; no owner data)."""
    req = AssistanceRequest.objects.filter(pk=assistance_request_id).only("pk", "reference", "assigned_lawyer").first()
    lawyer = get_user_model().objects.filter(pk=lawyer_id, is_active=True).first()
    if req is None or lawyer is None or req.assigned_lawyer_id != lawyer.pk or not lawyer.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Assistance request %(reference)s is assigned to you") % {"reference": req.reference}
        body = _("The assistance request %(reference)s is now assigned to you:\n%(url)s\n") % {
            "reference": req.reference,
            "url": settings.LITIGATION_SITE_URL.rstrip("/") + req.get_absolute_url(),
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [lawyer.email])
    return True
