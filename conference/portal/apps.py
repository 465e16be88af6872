from django.apps import AppConfig


class PortalConfig(AppConfig):
    """
    The composition layer: pages and jobs that combine every app (home, staff
    dashboard, exports, gate list, badges, check-in, the demo seed). It has no
    models (so no name to show in the admin); it is an app so that its
    management commands are found and its dashboard widgets registered.
    """

    name = "conference.portal"
    label = "portal"

    def ready(self):
        # The dashboard's own widgets (conference.core.dashboard).
        from conference.portal import widgets  # noqa: F401
