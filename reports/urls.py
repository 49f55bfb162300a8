from django.urls import path
from django.views.generic import TemplateView

app_name = "reports"
urlpatterns = [
    path("dashboard/", TemplateView.as_view(template_name="placeholder.html"), name="dashboard"),
]
