from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """
    The composition layer: pages and jobs that combine every app (home, staff
    dashboard, exports, gate list, badges, check-in, the demo seed). It has no
    models; it is an app so that its management commands are found.
    """

    name = "conference.portal"
    label = "portal"
    verbose_name = _("Portal")
