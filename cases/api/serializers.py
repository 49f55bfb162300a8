"""Read serializers of the API resources (DESIGN.md §5).

Every serializer is read-only: writes go through the workflow actions and the bulk import
(``cases/api/inputs.py``), which call the services. Related objects appear as ids (with the
platform as its stable code), so a page costs the queries its viewset prefetches and no more.
Personal data never appears unmasked in a list; see AssistanceRequestDetailSerializer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import permissions
from cases.fields import mask_name
from cases.models import (
    Agency,
    Assessment,
    AssistanceRequest,
    Campaign,
    ContentItem,
    Evidence,
    Hearing,
    Lawsuit,
    LawsuitClaim,
    LawsuitParty,
    LawyerLetter,
    MonitoredAccount,
    Platform,
    PlatformComplaint,
    Proceeding,
)
from cases.selectors.assistance import assistance_request_contact
from cases.services.triage import needs_sign_off


class UserRefSerializer(serializers.Serializer):
    """A member of staff, by id and display name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class PlatformCodeField(serializers.SlugRelatedField):
    """A platform by its stable lowercase code (``weibo``); read-only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(slug_field="code", **kwargs)


# A SerializerMethodField that answers an id or null.
NULLABLE_ID = serializers.IntegerField(allow_null=True)


@extend_schema_field(
    {"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}], "description": "A URL, or \"\" when not known."}
)
class BlankableURLField(serializers.CharField):
    """A URL column that may be blank: the schema documents "" as well as URLs."""


class ReadModelSerializer(serializers.ModelSerializer):
    """A read-only model serializer whose schema admits what the model stores: a choice column
    that may be blank documents "" among its values, a nullable one ``null`` (DRF drops
    ``allow_blank``/``allow_null`` from read-only fields, so the schema would otherwise deny them)."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is serializers.URLField and model_field.blank:
            field_class = BlankableURLField
        return field_class, kwargs

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        model: Any = self.Meta.model  # a Django model class
        for name, field in fields.items():
            if not isinstance(field, serializers.ChoiceField) or isinstance(field, serializers.MultipleChoiceField):
                continue
            source = field.source if field.source and field.source != "*" else name
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:  # a property or a method: nothing to learn from the model
                continue
            field.allow_blank = field.allow_blank or bool(getattr(model_field, "blank", False))
            field.allow_null = field.allow_null or bool(getattr(model_field, "null", False))
        return fields


def _ids(**kwargs: Any) -> serializers.ManyRelatedField:
    # What PrimaryKeyRelatedField(many=True, ...) builds; called directly, the stubs know its type.
    return serializers.PrimaryKeyRelatedField.many_init(read_only=True, **kwargs)


def _user(**kwargs: Any) -> UserRefSerializer:
    return UserRefSerializer(read_only=True, **kwargs)


class PlatformSerializer(ReadModelSerializer):
    class Meta:
        model = Platform
        fields = ["code", "name_zh", "name_en", "domains", "complaint_url", "is_active"]
        read_only_fields = fields


class AgencySerializer(ReadModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "credit_code", "created_at", "updated_at"]
        read_only_fields = fields


class MonitoredAccountSerializer(ReadModelSerializer):
    platform = PlatformCodeField()

    class Meta:
        model = MonitoredAccount
        fields = [
            "id", "platform", "platform_uid", "name", "former_names", "profile_url", "followers",
            "verification", "ip_location", "agency", "watch_status", "risk_level", "risk_score",
            "identity_status", "first_seen_at", "last_seen_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AccountRefSerializer(ReadModelSerializer):
    class Meta:
        model = MonitoredAccount
        fields = ["id", "platform_uid", "name"]
        read_only_fields = fields


def _iso(value: datetime.datetime | None, zone: datetime.tzinfo) -> str | None:
    """What DRF's DateTimeField (ISO 8601, USE_TZ) writes: local time, ``Z`` for UTC."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ContentItemSerializer(ReadModelSerializer):
    """Content items, the API's largest list. ``to_representation`` writes the same JSON as the
    declared fields would, field by field, without DRF's per-field machinery: that machinery was
    about half of a list request's time (``make bench``, docs/benchmarks.md); tests compare both."""

    platform = PlatformCodeField()
    account = AccountRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ContentItem
        fields = [
            "id", "platform", "url", "platform_content_id", "account", "content_type", "title", "text",
            "published_at", "discovered_at", "views", "likes", "shares", "comments", "reach", "source",
            "triage_state", "severity", "conclusion", "assessed_at", "campaign", "live_status",
            "ai_label_present", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: ContentItem) -> dict[str, Any]:
        zone = timezone.get_current_timezone()
        account = instance.account
        return {
            "id": instance.pk,
            "platform": instance.platform.code,
            "url": instance.url,
            "platform_content_id": instance.platform_content_id,
            "account": None if account is None else {
                "id": account.pk, "platform_uid": account.platform_uid, "name": account.name,
            },
            "content_type": instance.content_type,
            "title": instance.title,
            "text": instance.text,
            "published_at": _iso(instance.published_at, zone),
            "discovered_at": _iso(instance.discovered_at, zone),
            "views": instance.views,
            "likes": instance.likes,
            "shares": instance.shares,
            "comments": instance.comments,
            "reach": instance.reach,
            "source": instance.source,
            "triage_state": instance.triage_state,
            "severity": instance.severity,
            "conclusion": instance.conclusion,
            "assessed_at": _iso(instance.assessed_at, zone),
            "campaign": instance.campaign_id,
            "live_status": instance.live_status,
            "ai_label_present": instance.ai_label_present,
            "created_at": _iso(instance.created_at, zone),
            "updated_at": _iso(instance.updated_at, zone),
        }  # fmt: skip

    def generic_representation(self, instance: ContentItem) -> dict[str, Any]:
        """DRF's own field-by-field output (the reference ``to_representation`` must equal)."""
        return super().to_representation(instance)


# The columns the content-item list reads with ``.values()`` (ContentItemViewSet.list): no model
# instances, no platform or account rows, only what the representation shows. content_item_row()
# builds the same dict as ContentItemSerializer.to_representation (tests/api/test_list_speed.py).
CONTENT_ITEM_VALUES = (
    "id", "platform__code", "url", "platform_content_id", "account_id", "account__platform_uid", "account__name",
    "content_type", "title", "text", "published_at", "discovered_at", "views", "likes", "shares", "comments",
    "reach", "source", "triage_state", "severity", "conclusion", "assessed_at", "campaign_id", "live_status",
    "ai_label_present", "created_at", "updated_at",
)  # fmt: skip


def content_item_row(row: dict[str, Any], zone: datetime.tzinfo) -> dict[str, Any]:
    """Return an item's API representation from its CONTENT_ITEM_VALUES row (same keys, same order)."""
    account_id = row["account_id"]
    return {
        "id": row["id"],
        "platform": row["platform__code"],
        "url": row["url"],
        "platform_content_id": row["platform_content_id"],
        "account": None if account_id is None else {
            "id": account_id, "platform_uid": row["account__platform_uid"], "name": row["account__name"],
        },
        "content_type": row["content_type"],
        "title": row["title"],
        "text": row["text"],
        "published_at": _iso(row["published_at"], zone),
        "discovered_at": _iso(row["discovered_at"], zone),
        "views": row["views"],
        "likes": row["likes"],
        "shares": row["shares"],
        "comments": row["comments"],
        "reach": row["reach"],
        "source": row["source"],
        "triage_state": row["triage_state"],
        "severity": row["severity"],
        "conclusion": row["conclusion"],
        "assessed_at": _iso(row["assessed_at"], zone),
        "campaign": row["campaign_id"],
        "live_status": row["live_status"],
        "ai_label_present": row["ai_label_present"],
        "created_at": _iso(row["created_at"], zone),
        "updated_at": _iso(row["updated_at"], zone),
    }  # fmt: skip


class AssessmentSerializer(ReadModelSerializer):
    assessor = _user()
    reviewer = _user(allow_null=True)
    needs_sign_off = serializers.SerializerMethodField(
        help_text="True while a serious escalation waits for a lawyer's sign-off."
    )

    class Meta:
        model = Assessment
        fields = [
            "id", "content_item", "campaign", "conclusion", "category", "infringement_types", "statement_type",
            "severity", "reach", "estimated_loss", "target_identifiable", "insulting_language",
            "falsity_provable", "rationale", "recommended_actions", "assessor", "reviewer", "reviewed_at",
            "needs_sign_off", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_needs_sign_off(self, obj: Assessment) -> bool:
        return needs_sign_off(obj)


class CampaignSerializer(ReadModelSerializer):
    accounts = _ids()
    agencies = _ids()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "category", "status", "method", "description", "first_item_at", "last_item_at",
            "item_count", "account_count", "accounts", "agencies", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EvidenceSerializer(ReadModelSerializer):
    """An evidence file's metadata: its hash, capture and custody facts. Never the file's bytes."""

    platform = PlatformCodeField(allow_null=True)
    fixed_by = _user(allow_null=True)
    content_items = _ids()
    lawsuits = _ids()

    class Meta:
        model = Evidence
        fields = [
            "id", "title", "original_name", "sha256", "size", "mime_type", "capture_method", "status",
            "capture_url", "platform", "account", "published_at_display", "capture_started_at",
            "capture_finished_at", "tool", "device", "network", "clean_environment_checked",
            "engagement_at_capture", "certificate_number", "deposit_platform", "deposit_number", "tx_hash",
            "notary_office", "notary_certificate_number", "ai_label_present", "content_live_status",
            "contains_third_party_pi", "fixed_by", "previous_version", "content_items", "lawsuits", "integrity",
            "last_verified_at", "litigation_hold", "is_deleted", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PlatformComplaintSerializer(ReadModelSerializer):
    platform = PlatformCodeField()
    content_items = _ids()
    created_by = _user(allow_null=True)

    class Meta:
        model = PlatformComplaint
        fields = [
            "id", "platform", "content_items", "channel", "credential", "status", "ticket_number",
            "submitted_at", "first_response_at", "resolved_at", "measure", "counter_notice_at",
            "reply_deadline", "notes", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


def _may_view_requests(serializer: serializers.Serializer) -> bool:
    request = serializer.context.get("request")
    return request is not None and permissions.can_view(request.user, AssistanceRequest)


class LawyerLetterSerializer(ReadModelSerializer):
    lawyer = _user(allow_null=True)
    content_items = _ids()
    has_pdf = serializers.SerializerMethodField(help_text="Whether the issued PDF is on file (not served here).")
    assistance_request = serializers.SerializerMethodField(
        help_text="Id of the owner's request the letter answers; null for roles that may not open requests."
    )

    class Meta:
        model = LawyerLetter
        fields = [
            "id", "recipient_account", "recipient_agency", "recipient_name", "issuer", "lawyer", "demands",
            "apology_pin_days", "compensation_amount", "deadline", "status", "issued_at", "has_pdf",
            "delivery_channel", "delivery_proof", "delivered_at", "response", "responded_at", "outcome",
            "content_items", "assistance_request", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_pdf(self, obj: LawyerLetter) -> bool:
        return bool(obj.pdf)

    @extend_schema_field(NULLABLE_ID)
    def get_assistance_request(self, obj: LawyerLetter) -> int | None:
        return obj.assistance_request_id if _may_view_requests(self) else None


class LawsuitPartySerializer(ReadModelSerializer):
    platform = PlatformCodeField(allow_null=True)
    name = serializers.SerializerMethodField(help_text="Masked for owners and disclosed persons unless you may see personal data.")

    class Meta:
        model = LawsuitParty
        fields = ["id", "role", "kind", "monitored_account", "platform", "agency", "name"]
        read_only_fields = fields

    def get_name(self, obj: LawsuitParty) -> str:
        request = self.context.get("request")
        private = obj.kind in (LawsuitParty.Kind.OWNER, LawsuitParty.Kind.PERSON)
        if private and not (request is not None and permissions.can_see_personal_data(request.user)):
            return mask_name(obj.name)
        return obj.name


class LawsuitClaimSerializer(ReadModelSerializer):
    class Meta:
        model = LawsuitClaim
        fields = ["id", "kind", "description", "amount", "apology_days", "granted", "amount_awarded"]
        read_only_fields = fields


class HearingSerializer(ReadModelSerializer):
    class Meta:
        model = Hearing
        fields = ["id", "kind", "scheduled_at", "location", "judge", "held"]
        read_only_fields = fields


class ProceedingSerializer(ReadModelSerializer):
    hearings = HearingSerializer(many=True, read_only=True)

    class Meta:
        model = Proceeding
        fields = [
            "id", "instance", "court_name", "court_type", "case_number", "judge", "filed_on", "accepted_on",
            "decided_on", "decision_served_on", "result", "hearings",
        ]  # fmt: skip
        read_only_fields = fields


class LawsuitSerializer(ReadModelSerializer):
    lawyer = _user(allow_null=True)
    content_items = _ids()
    parties = LawsuitPartySerializer(many=True, read_only=True)
    claims = LawsuitClaimSerializer(many=True, read_only=True)
    proceedings = ProceedingSerializer(many=True, read_only=True)
    assistance_request = serializers.SerializerMethodField(
        help_text="Id of the supported owner's request; null for roles that may not open requests."
    )

    class Meta:
        model = Lawsuit
        fields = [
            "id", "title", "our_role", "cause", "stage", "court_name", "lawyer", "outside_counsel", "filed_on",
            "accepted_on", "judgment_on", "judgment_served_on", "effective_on", "performance_due_on",
            "closed_on", "harm_known_on", "infringer_known_on", "outcome", "damages_claimed", "damages_awarded",
            "damages_collected", "court_fee", "notary_fee", "lawyer_fee", "content_deleted",
            "apology_published", "apology_pin_days", "assistance_request", "campaign", "content_items",
            "parties", "claims", "proceedings", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(NULLABLE_ID)
    def get_assistance_request(self, obj: Lawsuit) -> int | None:
        return obj.assistance_request_id if _may_view_requests(self) else None


class AssistanceRequestSerializer(ReadModelSerializer):
    """A request in a list: the owner's name is always masked and no other contact detail is read."""

    assigned_lawyer = _user(allow_null=True)
    owner_name_masked = serializers.CharField(source="masked_name", read_only=True)

    class Meta:
        model = AssistanceRequest
        fields = [
            "id", "reference", "owner_name_masked", "vehicle_model", "help_types", "has_evidence", "status",
            "eligibility", "assigned_lawyer", "submitted_at", "closed_at", "retention_until", "litigation_hold",
            "purged_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    masked = serializers.BooleanField(help_text="False only for lawyers and administrators; each such read is audited.")


class AssistanceRequestDetailSerializer(AssistanceRequestSerializer):
    """One request: the owner's contact is plain for roles that may see personal data (and the
    read is written to the audit trail), masked for everyone else."""

    contact = serializers.SerializerMethodField()
    content_items = _ids()

    class Meta(AssistanceRequestSerializer.Meta):
        fields = [
            *AssistanceRequestSerializer.Meta.fields,
            "contact",
            "city",
            "vin_last6",
            "description",
            "content_links",
            "content_items",
            "eligibility_reasons",
            "info_requested",
        ]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer)
    def get_contact(self, obj: AssistanceRequest) -> dict[str, Any]:
        contact = assistance_request_contact(user=self.context["request"].user, assistance_request=obj)
        return {"name": contact.name, "phone": contact.phone, "email": contact.email, "masked": contact.masked}
