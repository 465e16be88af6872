from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class B2BMeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "b2b_meetings"
    verbose_name = _("B2B meetings")

    def ready(self):
        # Plug into the extension points of the layers below (receivers connect on import).
        from b2b_meetings import directory_signals, email_kinds, personal_data, schedule  # noqa: F401
        from b2b_meetings.matchmaking import signals  # noqa: F401
