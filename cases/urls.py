from django.urls import path

from cases.views import assistance, audit, content_items, home, lawsuits, monitored_accounts, public
from cases.views import authority_reports as report_views
from cases.views import campaigns as campaign_views
from cases.views import complaints as complaint_views
from cases.views import evidence as evidence_views
from cases.views import intake as intake_views
from cases.views import letters as letter_views
from cases.views import proceedings as proceeding_views

app_name = "cases"
urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("triage/", content_items.TriageView.as_view(), name="triage"),
    path("content/", content_items.ContentItemListView.as_view(), name="content-item-list"),
    path("content/<int:pk>/", content_items.ContentItemDetailView.as_view(), name="content-item-detail"),
    # Intake: manual entry of one URL, file imports and their jobs (cases/views/intake.py).
    path("content/new/", intake_views.ContentItemCreateView.as_view(), name="content-item-create"),
    path("imports/", intake_views.ImportJobListView.as_view(), name="import-job-list"),
    path("imports/new/", intake_views.ImportJobCreateView.as_view(), name="import-job-create"),
    path("imports/<int:pk>/", intake_views.ImportJobDetailView.as_view(), name="import-job-detail"),
    path("imports/<int:pk>/confirm/", intake_views.ImportJobConfirmView.as_view(), name="import-job-confirm"),
    # Triage actions (POST only): cases/views/content_items.py.
    path("triage/assess/", content_items.ContentItemBulkAssessView.as_view(), name="content-item-bulk-assess"),
    path("content/<int:pk>/assess/", content_items.ContentItemAssessView.as_view(), name="content-item-assess"),
    path("content/<int:pk>/start-action/", content_items.content_item_start_action, name="content-item-start-action"),
    path("assessments/<int:pk>/sign-off/", content_items.assessment_sign_off, name="assessment-sign-off"),
    # Coordinated campaigns: list, page, decisions (POST only) and "run detection now" (cases/views/campaigns.py).
    path("campaigns/", campaign_views.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/detect/", campaign_views.CampaignDetectView.as_view(), name="campaign-detect"),
    path("campaigns/<int:pk>/", campaign_views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/confirm/", campaign_views.CampaignConfirmView.as_view(), name="campaign-confirm"),
    path("campaigns/<int:pk>/dismiss/", campaign_views.CampaignDismissView.as_view(), name="campaign-dismiss"),
    path("campaigns/<int:pk>/assess/", campaign_views.CampaignAssessView.as_view(), name="campaign-assess"),
    path(
        "campaigns/<int:pk>/link-agency/", campaign_views.CampaignLinkAgencyView.as_view(), name="campaign-link-agency"
    ),
    # Platform complaints: list, page, moves (POST only) and "open a complaint" from an item (cases/views/complaints.py).
    path("complaints/", complaint_views.PlatformComplaintListView.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", complaint_views.PlatformComplaintDetailView.as_view(), name="complaint-detail"),
    path(
        "complaints/<int:pk>/<slug:action>/",
        complaint_views.PlatformComplaintActionView.as_view(),
        name="complaint-action",
    ),
    path("content/<int:pk>/complaint/", complaint_views.ComplaintOpenView.as_view(), name="complaint-open"),
    path("monitored-accounts/", monitored_accounts.MonitoredAccountListView.as_view(), name="monitored-account-list"),
    path(
        "monitored-accounts/<int:pk>/",
        monitored_accounts.MonitoredAccountDetailView.as_view(),
        name="monitored-account-detail",
    ),
    path("lawsuits/", lawsuits.LawsuitListView.as_view(), name="lawsuit-list"),
    path("lawsuits/board/", lawsuits.LawsuitBoardView.as_view(), name="lawsuit-board"),
    path("lawsuits/<int:pk>/", lawsuits.LawsuitDetailView.as_view(), name="lawsuit-detail"),
    # Litigation (cases/views/lawsuits.py): prepare from an account, stage moves, the deadline list.
    path(
        "monitored-accounts/<int:pk>/prepare-lawsuit/",
        lawsuits.LawsuitPrepareView.as_view(),
        name="lawsuit-prepare",
    ),
    path("lawsuits/<int:pk>/move/", lawsuits.lawsuit_move, name="lawsuit-move"),
    path("lawsuits/<int:pk>/outcome/", lawsuits.lawsuit_outcome, name="lawsuit-outcome"),
    path("deadlines/", lawsuits.DeadlineListView.as_view(), name="deadline-list"),
    path("deadlines/<int:pk>/done/", lawsuits.deadline_done, name="deadline-done"),
    # Proceedings, hearings, documents and the hold (cases/views/proceedings.py).
    path("lawsuits/<int:pk>/proceedings/new/", proceeding_views.proceeding_edit, name="proceeding-create"),
    path(
        "lawsuits/<int:pk>/proceedings/<int:proceeding_pk>/edit/", proceeding_views.proceeding_edit, name="proceeding-edit"
    ),
    path(
        "lawsuits/<int:pk>/proceedings/<int:proceeding_pk>/hearings/new/",
        proceeding_views.hearing_edit,
        name="hearing-create",
    ),
    path(
        "lawsuits/<int:pk>/proceedings/<int:proceeding_pk>/hearings/<int:hearing_pk>/edit/",
        proceeding_views.hearing_edit,
        name="hearing-edit",
    ),
    path("lawsuits/<int:pk>/documents/", proceeding_views.lawsuit_document, name="lawsuit-document"),
    path("lawsuits/<int:pk>/hold-release/", proceeding_views.lawsuit_hold_release, name="lawsuit-hold-release"),
    # Lawyer letters and identity disclosures (cases/views/letters.py).
    path("letters/", letter_views.LetterListView.as_view(), name="letter-list"),
    path("letters/new/", letter_views.letter_create, name="letter-create"),
    path("letters/<int:pk>/", letter_views.LetterDetailView.as_view(), name="letter-detail"),
    path("letters/<int:pk>/approve/", letter_views.letter_approve, name="letter-approve"),
    path("letters/<int:pk>/issue/", letter_views.letter_issue, name="letter-issue"),
    path("letters/<int:pk>/deliver/", letter_views.letter_deliver, name="letter-deliver"),
    path("letters/<int:pk>/respond/", letter_views.letter_respond, name="letter-respond"),
    path("letters/<int:pk>/close/", letter_views.letter_close, name="letter-close"),
    path("letters/<int:pk>/hold-release/", letter_views.letter_hold_release, name="letter-hold-release"),
    # Police and administrative reports (cases/views/authority_reports.py).
    path("authority-reports/", report_views.AuthorityReportListView.as_view(), name="report-list"),
    path("authority-reports/new/", report_views.report_create, name="report-create"),
    path("authority-reports/<int:pk>/", report_views.AuthorityReportDetailView.as_view(), name="report-detail"),
    path("authority-reports/<int:pk>/move/", report_views.report_move, name="report-move"),
    path("monitored-accounts/<int:pk>/disclosures/new/", letter_views.disclosure_create, name="disclosure-create"),
    path("disclosures/<int:pk>/", letter_views.DisclosureDetailView.as_view(), name="disclosure-detail"),
    path("disclosures/<int:pk>/respond/", letter_views.disclosure_respond, name="disclosure-respond"),
    path(
        "disclosures/<int:pk>/add-defendant/", letter_views.disclosure_add_defendant, name="disclosure-add-defendant"
    ),
    path("assistance/", assistance.AssistanceRequestListView.as_view(), name="assistance-request-list"),
    path("assistance/<int:pk>/", assistance.AssistanceRequestDetailView.as_view(), name="assistance-request-detail"),
    # Evidence: fixing files, versions, soft delete, downloads and integrity checks (cases/views/evidence.py).
    path("evidence/", evidence_views.EvidenceListView.as_view(), name="evidence-list"),
    path("evidence/new/", evidence_views.EvidenceCreateView.as_view(), name="evidence-create"),
    path("evidence/<int:pk>/", evidence_views.EvidenceDetailView.as_view(), name="evidence-detail"),
    path("evidence/<int:pk>/download/", evidence_views.EvidenceDownloadView.as_view(), name="evidence-download"),
    path(
        "evidence/<int:pk>/new-version/", evidence_views.EvidenceNewVersionView.as_view(), name="evidence-new-version"
    ),
    path("evidence/<int:pk>/delete/", evidence_views.EvidenceDeleteView.as_view(), name="evidence-delete"),
    path("evidence/<int:pk>/verify/", evidence_views.EvidenceVerifyView.as_view(), name="evidence-verify"),
    path("content/<int:pk>/capture/", evidence_views.EvidenceCaptureView.as_view(), name="evidence-capture"),
    path("lawsuits/<int:pk>/evidence-package/", evidence_views.EvidencePackageView.as_view(), name="evidence-package"),
    path(
        "assistance/<int:pk>/evidence-package/",
        evidence_views.AssistanceEvidencePackageView.as_view(),
        name="assistance-evidence-package",
    ),
    # The auditor view of the audit log (administrators): cases/views/audit.py.
    path("audit/", audit.AuditEventListView.as_view(), name="audit-event-list"),
    path("audit/retention/", audit.audit_retention, name="audit-retention"),
    # Public owner pages (no login): cases/views/public.py with templates/base_public.html.
    path("intake/", public.PublicHomeView.as_view(), name="public-home"),
    path("intake/guide/", public.EvidenceGuideView.as_view(), name="public-guide"),
    path("intake/request/", public.AssistanceRequestCreateView.as_view(), name="public-request-create"),
    path("intake/request/thanks/", public.request_thanks, name="public-request-thanks"),
    # The token is the only key to a request from outside; POSTs carry it in the body (not logged).
    path("intake/track/upload/", public.request_upload, name="public-request-upload"),
    path("intake/track/withdraw/", public.request_withdraw, name="public-request-withdraw"),
    path("intake/track/export/", public.request_export, name="public-request-export"),
    path("intake/track/<str:token>/", public.request_track, name="public-request-track"),
    # Staff moves on a request (POST only): cases/views/assistance.py.
    path("assistance/<int:pk>/screen/", assistance.assistance_request_screen, name="assistance-request-screen"),
    path(
        "assistance/<int:pk>/need-info/", assistance.assistance_request_need_info, name="assistance-request-need-info"
    ),
    path("assistance/<int:pk>/decline/", assistance.assistance_request_decline, name="assistance-request-decline"),
    path(
        "assistance/<int:pk>/legal-review/",
        assistance.assistance_request_legal_review,
        name="assistance-request-legal-review",
    ),
    path("assistance/<int:pk>/decide/", assistance.assistance_request_decide, name="assistance-request-decide"),
    path("assistance/<int:pk>/outcome/", assistance.assistance_request_outcome, name="assistance-request-outcome"),
    path("assistance/<int:pk>/close/", assistance.assistance_request_close, name="assistance-request-close"),
    path("assistance/<int:pk>/assign/", assistance.assistance_request_assign, name="assistance-request-assign"),
    path(
        "assistance/<int:pk>/add-to-monitoring/",
        assistance.assistance_request_add_to_monitoring,
        name="assistance-request-add-to-monitoring",
    ),
]
