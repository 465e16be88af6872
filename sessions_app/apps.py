from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = _("Agenda")

    def ready(self):
        # Plug into the extension points of the layers below (receivers connect on import).
        from sessions_app import email_kinds, personal_data  # noqa: F401
