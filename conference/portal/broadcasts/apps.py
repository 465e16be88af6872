from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastsConfig(AppConfig):
    name = "conference.portal.broadcasts"
    label = "broadcasts"
    verbose_name = _("Broadcasts")

    def ready(self):
        # The "broadcast" kind of email, which organisers may reword too.
        from conference.portal.broadcasts import email_kinds  # noqa: F401
