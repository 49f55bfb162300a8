from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        # Connects the session clock to user_logged_in (12 h absolute / 30 min idle).
        from accounts import middleware  # noqa: F401
