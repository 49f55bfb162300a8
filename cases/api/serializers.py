"""Read serializers of the API resources (DESIGN.md §5).

Every serializer is read-only: writes go through the workflow actions and the bulk import
(``cases/api/inputs.py``), which call the services. Related objects appear as ids (with the
platform as its stable code), so a page costs the queries its viewset prefetches and no more.
Personal data never appears unmasked in a list; see AssistanceRequestDetailSerializer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
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


def _ids(**kwargs: Any) -> serializers.ManyRelatedField:
    return serializers.PrimaryKeyRelatedField(many=True, read_only=True, **kwargs)


def _user(**kwargs: Any) -> UserRefSerializer:
    return UserRefSerializer(read_only=True, **kwargs)


class PlatformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Platform
        fields = ["code", "name_zh", "name_en", "domains", "complaint_url", "is_active"]
        read_only_fields = fields


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "credit_code", "created_at", "updated_at"]
        read_only_fields = fields


class MonitoredAccountSerializer(serializers.ModelSerializer):
    platform = PlatformCodeField()

    class Meta:
        model = MonitoredAccount
        fields = [
            "id", "platform", "platform_uid", "name", "former_names", "profile_url", "followers",
            "verification", "ip_location", "agency", "watch_status", "risk_level", "risk_score",
            "identity_status", "first_seen_at", "last_seen_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AccountRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonitoredAccount
        fields = ["id", "platform_uid", "name"]
        read_only_fields = fields


class ContentItemSerializer(serializers.ModelSerializer):
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


class AssessmentSerializer(serializers.ModelSerializer):
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


class CampaignSerializer(serializers.ModelSerializer):
    accounts = _ids()
    agencies = _ids()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "category", "status", "method", "description", "first_item_at", "last_item_at",
            "item_count", "account_count", "accounts", "agencies", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
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


class PlatformComplaintSerializer(serializers.ModelSerializer):
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


class LawyerLetterSerializer(serializers.ModelSerializer):
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

    @extend_schema_field(OpenApiTypes.INT)
    def get_assistance_request(self, obj: LawyerLetter) -> int | None:
        return obj.assistance_request_id if _may_view_requests(self) else None


class LawsuitPartySerializer(serializers.ModelSerializer):
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


class LawsuitClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = LawsuitClaim
        fields = ["id", "kind", "description", "amount", "apology_days", "granted", "amount_awarded"]
        read_only_fields = fields


class HearingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["id", "kind", "scheduled_at", "location", "judge", "held"]
        read_only_fields = fields


class ProceedingSerializer(serializers.ModelSerializer):
    hearings = HearingSerializer(many=True, read_only=True)

    class Meta:
        model = Proceeding
        fields = [
            "id", "instance", "court_name", "court_type", "case_number", "judge", "filed_on", "accepted_on",
            "decided_on", "decision_served_on", "result", "hearings",
        ]  # fmt: skip
        read_only_fields = fields


class LawsuitSerializer(serializers.ModelSerializer):
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

    @extend_schema_field(OpenApiTypes.INT)
    def get_assistance_request(self, obj: Lawsuit) -> int | None:
        return obj.assistance_request_id if _may_view_requests(self) else None


class AssistanceRequestSerializer(serializers.ModelSerializer):
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
