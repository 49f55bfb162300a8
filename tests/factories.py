"""factory_boy factories for every model, with Chinese data (Faker zh_CN)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from cases import models as m
from cases.fields import digest

factory.Faker._DEFAULT_LOCALE = "zh_CN"

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _now() -> datetime.datetime:
    return timezone.now()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    role = User.Role.ANALYST
    password = factory.django.Password("correct-horse-battery-staple-42")


class PlatformFactory(DjangoModelFactory):
    """Returns the platform created by migration 0003 when the code exists."""

    class Meta:
        model = m.Platform
        django_get_or_create = ("code",)

    code = "weibo"
    name_zh = "微博"
    name_en = "Weibo"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = m.Agency

    name = factory.Sequence(lambda n: f"星耀传媒{n}号文化传播有限公司")
    kind = m.Agency.Kind.MCN


class MonitoredAccountFactory(DjangoModelFactory):
    class Meta:
        model = m.MonitoredAccount

    platform = factory.SubFactory(PlatformFactory)
    platform_uid = factory.Sequence(lambda n: f"uid{100000 + n}")
    name = factory.Sequence(lambda n: f"汽车真相{n}号")
    followers = factory.Faker("pyint", min_value=100, max_value=2_000_000)
    ip_location = factory.Faker("province")
    watch_status = m.MonitoredAccount.WatchStatus.WATCHING


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = m.Campaign

    name = factory.Sequence(lambda n: f"“刹车失灵”谣言集中传播 {n}")
    category = m.Campaign.Category.MALICIOUS_DEFAMATION


class ContentItemFactory(DjangoModelFactory):
    class Meta:
        model = m.ContentItem

    platform = factory.SubFactory(PlatformFactory)
    url = factory.Sequence(lambda n: f"https://weibo.com/1234567890/Post{n}")
    account = factory.SubFactory(MonitoredAccountFactory, platform=factory.SelfAttribute("..platform"))
    title = factory.Faker("sentence", nb_words=6)
    text = factory.Faker("paragraph", nb_sentences=3)
    published_at = factory.LazyFunction(lambda: _now() - datetime.timedelta(days=2))
    views = factory.Faker("pyint", min_value=0, max_value=500_000)
    shares = factory.Faker("pyint", min_value=0, max_value=5_000)


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = m.Assessment

    content_item = factory.SubFactory(ContentItemFactory)
    conclusion = m.Assessment.Conclusion.SUSPECTED
    severity = 3
    rationale = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"
    assessor = factory.SubFactory(UserFactory)


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = m.Evidence

    title = factory.Sequence(lambda n: f"微博截图 {n}")
    file = factory.LazyFunction(lambda: ContentFile(PNG_1PX, name="shot.png"))
    original_name = "shot.png"
    sha256 = hashlib.sha256(PNG_1PX).hexdigest()
    size = len(PNG_1PX)
    mime_type = "image/png"
    capture_method = m.Evidence.CaptureMethod.SCREENSHOT
    capture_url = "https://weibo.com/1234567890/Post1"


class CustodyEventFactory(DjangoModelFactory):
    class Meta:
        model = m.CustodyEvent

    evidence = factory.SubFactory(EvidenceFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    action = m.CustodyEvent.Action.UPLOADED
    hash = factory.LazyFunction(lambda: secrets.token_hex(32))


class PlatformComplaintFactory(DjangoModelFactory):
    class Meta:
        model = m.PlatformComplaint

    platform = factory.SubFactory(PlatformFactory)
    status = m.PlatformComplaint.Status.SUBMITTED
    submitted_at = factory.LazyFunction(lambda: _now() - datetime.timedelta(days=3))
    ticket_number = factory.Sequence(lambda n: f"TS{2025000 + n}")


class RebuttalFactory(DjangoModelFactory):
    class Meta:
        model = m.Rebuttal

    title = "关于网传“刹车失灵”视频的严正声明"
    platform = factory.SubFactory(PlatformFactory)
    published_at = factory.LazyFunction(_now)


class LawyerLetterFactory(DjangoModelFactory):
    class Meta:
        model = m.LawyerLetter

    recipient_account = factory.SubFactory(MonitoredAccountFactory)
    issuer = "法务部"
    demands = [m.LawyerLetter.Demand.DELETE, m.LawyerLetter.Demand.APOLOGY]
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class LawsuitFactory(DjangoModelFactory):
    """A suit in preparation (no defendant needed yet); see ``FiledLawsuitFactory``."""

    class Meta:
        model = m.Lawsuit

    title = factory.Sequence(lambda n: f"诉“汽车真相{n}号”名誉权纠纷")
    cause = m.Lawsuit.Cause.REPUTATION
    lawyer = factory.SubFactory(UserFactory, role=User.Role.LAWYER)


class LawsuitPartyFactory(DjangoModelFactory):
    class Meta:
        model = m.LawsuitParty

    lawsuit = factory.SubFactory(LawsuitFactory)
    role = m.LawsuitParty.Role.DEFENDANT
    kind = m.LawsuitParty.Kind.ACCOUNT
    monitored_account = factory.SubFactory(MonitoredAccountFactory)


class FiledLawsuitFactory(LawsuitFactory):
    """A suit past preparation, with the defendant the database requires."""

    class Meta:
        skip_postgeneration_save = True

    stage = m.Lawsuit.Stage.ACCEPTED
    filed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    court_name = "北京互联网法院"
    defendant = factory.RelatedFactory(LawsuitPartyFactory, factory_related_name="lawsuit")


class LawsuitClaimFactory(DjangoModelFactory):
    class Meta:
        model = m.LawsuitClaim

    lawsuit = factory.SubFactory(LawsuitFactory)
    kind = m.LawsuitClaim.Kind.DAMAGES
    amount = Decimal("500000.00")


class ProceedingFactory(DjangoModelFactory):
    class Meta:
        model = m.Proceeding

    lawsuit = factory.SubFactory(LawsuitFactory)
    instance = m.Proceeding.Instance.FIRST
    court_name = "北京互联网法院"
    court_type = m.Proceeding.CourtType.INTERNET
    case_number = factory.Sequence(lambda n: f"(2025)京0491民初{10000 + n}号")


class HearingFactory(DjangoModelFactory):
    class Meta:
        model = m.Hearing

    proceeding = factory.SubFactory(ProceedingFactory)
    scheduled_at = factory.LazyFunction(lambda: _now() + datetime.timedelta(days=14))


class DeadlineFactory(DjangoModelFactory):
    class Meta:
        model = m.Deadline

    rule = m.Deadline.Rule.APPEAL_JUDGMENT
    title = "一审判决上诉期届满"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=5))
    lawsuit = factory.SubFactory(LawsuitFactory)


class AuthorityReportFactory(DjangoModelFactory):
    """A draft report to the police (add items or accounts through the M2M fields)."""

    class Meta:
        model = m.AuthorityReport

    authority_type = m.AuthorityReport.AuthorityType.POLICE
    authority_name = "北京市海淀区公安分局网安大队"


class IdentityDisclosureFactory(DjangoModelFactory):
    class Meta:
        model = m.IdentityDisclosure

    account = factory.SubFactory(MonitoredAccountFactory)
    route = m.IdentityDisclosure.Route.COURT_ORDER


class AssistanceRequestFactory(DjangoModelFactory):
    class Meta:
        model = m.AssistanceRequest

    reference = factory.Sequence(lambda n: f"YZ-2025-{n:06d}")
    token_digest = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest())
    owner_name = factory.Faker("name")
    owner_phone = factory.Faker("phone_number")
    owner_email = factory.Faker("email")
    phone_digest = factory.LazyAttribute(lambda o: digest(o.owner_phone))
    city = factory.Faker("city")
    vehicle_model = "SU7"
    vin_last6 = "A12345"
    description = "有人在短视频平台冒用我的车辆照片，造谣我“收钱发帖”，并公开我的车牌号。"
    content_links = ["https://www.douyin.com/video/7412345678901234567"]
    help_types = [m.AssistanceRequest.HelpType.EVIDENCE_GUIDANCE]


class OwnerNotificationFactory(DjangoModelFactory):
    class Meta:
        model = m.OwnerNotification

    assistance_request = factory.SubFactory(AssistanceRequestFactory)
    status = m.AssistanceRequest.Status.SCREENING
    state_change_id = factory.Sequence(lambda n: n + 1)
    channels = ["email", "sms"]


class ConsentRecordFactory(DjangoModelFactory):
    class Meta:
        model = m.ConsentRecord

    assistance_request = factory.SubFactory(AssistanceRequestFactory)
    notice_version = "2025-10"
    purposes = [m.ConsentRecord.Purpose.ASSISTANCE, m.ConsentRecord.Purpose.CONTACT]


class AuditEventFactory(DjangoModelFactory):
    class Meta:
        model = m.AuditEvent

    action = m.AuditEvent.Action.VIEW
    object_type = "cases.assistancerequest"
    object_id = "1"


class ImportJobFactory(DjangoModelFactory):
    class Meta:
        model = m.ImportJob

    source = m.ImportJob.Source.FILE
    original_name = "舆情导出.csv"


class StateChangeFactory(DjangoModelFactory):
    class Meta:
        model = m.StateChange

    object_type = "cases.contentitem"
    object_id = 1
    field = "triage_state"
    from_state = "new"
    to_state = "pending"


def ensure_platforms() -> None:
    """Re-create the platforms of the data migration if a transactional test's flush removed them."""
    import importlib

    from django.apps import apps

    from cases.models import Platform

    if not Platform.objects.exists():
        importlib.import_module("cases.migrations.0003_platforms_initial").add_platforms(apps, None)


class WebhookSubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = m.WebhookSubscription

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/legalcases")
    secret = "a-secret-of-at-least-16-characters"
    events = factory.LazyFunction(lambda: [m.WebhookSubscription.Event.ITEM_ASSESSED])


class WebhookDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = m.WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = m.WebhookSubscription.Event.ITEM_ASSESSED
    payload = factory.LazyFunction(lambda: {"event": "item.assessed", "data": {"object": {"id": 1}}})
