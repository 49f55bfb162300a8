from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/pdf/", views.DashboardPdfView.as_view(), name="dashboard-pdf"),
]
