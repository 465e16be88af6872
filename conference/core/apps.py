from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferenceConfig(AppConfig):
    """
    The core every app builds on: conferences, organisations, rooms, roles, the
    outbox, the audit log and jobs. Its label stays "conference", the label of
    its tables and migrations.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "conference.core"
    label = "conference"
    verbose_name = _("Conference")
