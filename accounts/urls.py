from django.urls import path

from accounts import views, views_two_factor
from accounts.views_two_factor import two_factor_exempt

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    # Second factor (TOTP): the step after the password, enrolment, backup codes.
    path("2fa/", two_factor_exempt(views_two_factor.VerifyView.as_view()), name="otp-verify"),
    path("2fa/setup/", two_factor_exempt(views_two_factor.SetupView.as_view()), name="otp-setup"),
    path("2fa/backup-codes/", views_two_factor.BackupCodesView.as_view(), name="otp-backup-codes"),
]
