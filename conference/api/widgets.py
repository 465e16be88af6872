"""
The webhooks' dashboard widget (conference.core.dashboard): endpoints that
are disabled or hold failed messages, so organisers notice a receiver that
stopped taking events. Nothing shows while every endpoint delivers.
"""

from django.db.models import Count, Q

from conference.api.models import WebhookEndpoint, WebhookMessage
from conference.core.dashboard import WIDE, Widget, dashboard_widgets


@dashboard_widgets.register
def webhook_widgets(*, conference):
    # One query, whatever the number of endpoints and messages.
    troubled = list(
        WebhookEndpoint.objects.filter(conference=conference)
        .annotate(
            failed_count=Count("messages", filter=Q(messages__status=WebhookMessage.Status.FAILED))
        )
        .filter(Q(is_enabled=False) | Q(failed_count__gt=0))
        .order_by("created_at", "id")
    )
    if not troubled:
        return []
    return [Widget("api/dashboard/_webhooks.html", {"troubled_endpoints": troubled}, WIDE, 5)]
