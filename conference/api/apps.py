from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """
    The API (composition layer): tokens with scopes, the REST endpoints under
    /api/v1/, webhooks fed by the apps' domain events (conference.core.events),
    and the organisers' pages for both.
    """

    name = "conference.api"
    label = "api"
    verbose_name = _("API and webhooks")

    def ready(self):
        # Domain events become webhook messages in the transaction that causes them
        # (receivers); the dashboard shows endpoints that need attention (widgets);
        # cached token lookups are forgotten when what they hold changes (signals);
        # /metrics reports the webhooks' backlog and failures (metrics).
        from conference.api import metrics, signals, widgets  # noqa: F401
        from conference.api.webhooks import receivers  # noqa: F401
