"""
The webhooks' gauges at each Prometheus scrape (conference.core.metrics,
`metrics_collect`): messages still to deliver and failed ones, and the
endpoints that are failing or were disabled for it. Two queries.
"""

from django.db.models import Count, Q
from django.dispatch import receiver
from prometheus_client.core import GaugeMetricFamily

from conference.api.models import WebhookEndpoint, WebhookMessage
from conference.core.metrics import metrics_collect

REPORTED = (*WebhookMessage.UNDELIVERED, WebhookMessage.Status.FAILED)


@receiver(metrics_collect)
def webhook_metrics(sender, **kwargs):
    totals = WebhookMessage.objects.filter(status__in=REPORTED).aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in REPORTED}
    )
    messages = GaugeMetricFamily(
        "portal_webhook_messages",
        "Webhook messages still to deliver (pending, sending, retry) and failed ones, by status.",
        labels=["status"],
    )
    for status in REPORTED:
        messages.add_metric([status.value], totals[status.value])

    endpoints = WebhookEndpoint.objects.aggregate(
        failing=Count("id", filter=Q(is_enabled=True, consecutive_failures__gt=0)),
        disabled=Count("id", filter=Q(is_enabled=False)),
    )
    states = GaugeMetricFamily(
        "portal_webhook_endpoints",
        "Webhook endpoints whose last attempt failed (failing) or that are disabled.",
        labels=["state"],
    )
    for state in ("failing", "disabled"):
        states.add_metric([state], endpoints[state])
    return [messages, states]
