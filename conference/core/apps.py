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

    def ready(self):
        from django.db.backends.signals import connection_created

        from conference.core import private_cache

        # Every write on every connection moves the version kept pages check.
        connection_created.connect(private_cache.install, dispatch_uid="private_cache")
