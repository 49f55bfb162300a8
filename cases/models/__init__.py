"""The department's domain model, split by concept (see STYLE.md)."""

from cases.models.actions import IdentityDisclosure, LawyerLetter, PlatformComplaint, Rebuttal
from cases.models.assistance import AssistanceRequest, ConsentRecord, OwnerNotification
from cases.models.audit import AuditEvent, AuditRetention, StateChange
from cases.models.evidence import CustodyEvent, Evidence
from cases.models.intake import ImportJob
from cases.models.litigation import Deadline, Hearing, Lawsuit, LawsuitClaim, LawsuitParty, Proceeding
from cases.models.monitoring import Agency, Assessment, Campaign, ContentItem, MonitoredAccount, Platform
from cases.models.reports import AuthorityReport
from cases.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "Agency",
    "Assessment",
    "AssistanceRequest",
    "AuditEvent",
    "AuditRetention",
    "AuthorityReport",
    "Campaign",
    "ConsentRecord",
    "ContentItem",
    "CustodyEvent",
    "Deadline",
    "Evidence",
    "Hearing",
    "IdentityDisclosure",
    "ImportJob",
    "Lawsuit",
    "LawsuitClaim",
    "LawsuitParty",
    "LawyerLetter",
    "MonitoredAccount",
    "OwnerNotification",
    "Platform",
    "PlatformComplaint",
    "Proceeding",
    "Rebuttal",
    "StateChange",
    "WebhookDelivery",
    "WebhookSubscription",
]
