"""
Domain events (conference.core.events) become webhook messages.

Runs inside the transaction of the change (the lower layer publishes there):
the messages exist if and only if the change commits, and their delivery is
enqueued once it has. Every endpoint of the conference subscribed to the
event gets one message, disabled ones included: a disabled endpoint keeps its
messages pending, in order, and receives them when an organiser enables it
again (webhooks.services.endpoint_enable), so switching a broken receiver off
for a while loses nothing.
"""

from django.dispatch import receiver

from conference.api.models import WebhookEndpoint, WebhookMessage, new_message_id
from conference.api.webhooks.delivery import deliver_later
from conference.core.events import events_published


def envelope(*, type, occurred_at, conference, data):
    """The body of a message, per Standard Webhooks: type, timestamp and data."""
    return {
        "type": type,
        "timestamp": occurred_at.isoformat(),
        "data": {"conference": conference.slug, **data},
    }


def message_build(*, endpoint, conference, type, resource, data, occurred_at):
    """An unsaved message of `endpoint`."""
    return WebhookMessage(
        endpoint=endpoint,
        message_id=new_message_id(),
        event_type=type,
        resource=resource,
        payload=envelope(type=type, occurred_at=occurred_at, conference=conference, data=data),
        created_at=occurred_at,
        next_attempt_at=occurred_at,
    )


@receiver(events_published, dispatch_uid="webhooks.messages_record")
def messages_record(sender, conference, events, **kwargs):
    """One message per (subscribed endpoint, event), in one insert."""
    endpoints = list(WebhookEndpoint.objects.filter(conference=conference))
    if not endpoints:
        return
    messages = [
        message_build(
            endpoint=endpoint,
            conference=conference,
            type=event.type,
            resource=event.resource,
            data=event.data,
            occurred_at=event.occurred_at,
        )
        for event in events
        for endpoint in endpoints
        if event.type in endpoint.event_types
    ]
    if not messages:
        return
    WebhookMessage.objects.bulk_create(messages)
    deliver_later(
        [message.pk for message in messages if message.endpoint.is_enabled],
    )
