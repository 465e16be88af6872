"""
Reads of the webhooks for the organisers' pages and the API, always from a
conference or an endpoint already authorised, each in a fixed number of
queries whatever the number of messages.
"""

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404

from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage


def endpoint_list(*, conference):
    """
    The endpoints of `conference`, oldest first, each with `undelivered_count`
    (pending, sending or waiting to retry) and `failed_count`. One query.
    """
    return list(
        WebhookEndpoint.objects.filter(conference=conference)
        .annotate(
            undelivered_count=Count(
                "messages", filter=Q(messages__status__in=WebhookMessage.UNDELIVERED)
            ),
            failed_count=Count("messages", filter=Q(messages__status=WebhookMessage.Status.FAILED)),
        )
        .order_by("created_at", "id")
    )


def endpoint_get(*, conference, endpoint_id):
    """One endpoint of `conference`; Http404 for another conference's or none."""
    try:
        return WebhookEndpoint.objects.select_related("conference").get(
            conference=conference, pk=int(endpoint_id)
        )
    except (WebhookEndpoint.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such webhook endpoint.") from exc


def message_list(*, endpoint, status="", limit=100):
    """
    The latest `limit` messages of `endpoint`, newest first, optionally of one
    `status` (an unknown status matches nothing); each has `latest_attempt`
    (a WebhookAttempt or None). Two queries.
    """
    messages = WebhookMessage.objects.filter(endpoint=endpoint)
    if status:
        messages = messages.filter(status=status)
    latest = WebhookAttempt.objects.filter(message=OuterRef("pk")).order_by("-started_at", "-id")
    rows = list(
        messages.annotate(latest_attempt_id=Subquery(latest.values("pk")[:1])).order_by("-id")[
            : max(0, int(limit))
        ]
    )
    attempts = WebhookAttempt.objects.in_bulk(
        [row.latest_attempt_id for row in rows if row.latest_attempt_id]
    )
    for row in rows:
        row.latest_attempt = attempts.get(row.latest_attempt_id)
    return rows


def message_get(*, endpoint, message_id):
    """
    One message of `endpoint` by its row id (or its `msg_…` webhook id), with
    `attempts_list` (its attempts, newest first). Http404 when it is not this endpoint's.
    """
    attempts = Prefetch(
        "attempts_log",
        queryset=WebhookAttempt.objects.order_by("-started_at", "-id"),
        to_attr="attempts_list",
    )
    messages = WebhookMessage.objects.filter(endpoint=endpoint).prefetch_related(attempts)
    try:
        if isinstance(message_id, str) and message_id.startswith("msg_"):
            message = messages.get(message_id=message_id)
        else:
            message = messages.get(pk=int(message_id))
    except (WebhookMessage.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such webhook message.") from exc
    message.endpoint = endpoint
    return message
