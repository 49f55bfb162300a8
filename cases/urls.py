from django.urls import path

from cases.views import assistance, content_items, home, lawsuits, monitored_accounts, public

app_name = "cases"
urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("triage/", content_items.TriageView.as_view(), name="triage"),
    path("content/", content_items.ContentItemListView.as_view(), name="content-item-list"),
    path("content/<int:pk>/", content_items.ContentItemDetailView.as_view(), name="content-item-detail"),
    path("monitored-accounts/", monitored_accounts.MonitoredAccountListView.as_view(), name="monitored-account-list"),
    path(
        "monitored-accounts/<int:pk>/",
        monitored_accounts.MonitoredAccountDetailView.as_view(),
        name="monitored-account-detail",
    ),
    path("lawsuits/", lawsuits.LawsuitListView.as_view(), name="lawsuit-list"),
    path("lawsuits/<int:pk>/", lawsuits.LawsuitDetailView.as_view(), name="lawsuit-detail"),
    path("assistance/", assistance.AssistanceRequestListView.as_view(), name="assistance-request-list"),
    path("assistance/<int:pk>/", assistance.AssistanceRequestDetailView.as_view(), name="assistance-request-detail"),
    # Public owner pages (no login): cases/views/public.py with templates/base_public.html.
    path("intake/", public.PublicHomeView.as_view(), name="public-home"),
    path("intake/guide/", public.EvidenceGuideView.as_view(), name="public-guide"),
]
