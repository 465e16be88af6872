"""
Writes of the webhooks: the organisers' endpoints and their messages.

Every service runs in one transaction and writes an audit entry (`webhook.*`);
bad input raises ValidationError with a message for the organiser. A secret
is returned once, by endpoint_create and endpoint_secret_rotate, and kept
only to sign (Standard Webhooks `whsec_` + base64).
"""

import base64
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from conference.api.models import WebhookEndpoint, WebhookMessage
from conference.api.webhooks.delivery import deliver_later
from conference.api.webhooks.receivers import message_build
from conference.api.webhooks.urls import url_check
from conference.core.events import EVENT_TYPES
from conference.core.services import audit_message, audit_record

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
# The test event of endpoint_ping: not an event type anyone subscribes to.
PING = "ping"


def _secret_new():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean(*, url, event_types, description):
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Enter the URL to send the events to."))
    if len(url) > WebhookEndpoint._meta.get_field("url").max_length:
        raise ValidationError(_("The URL is too long."))
    url_check(url)
    event_types = list(dict.fromkeys(event_types or []))
    if not event_types:
        raise ValidationError(_("Choose at least one event."))
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise ValidationError(_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)})
    description = (description or "").strip()
    if len(description) > WebhookEndpoint._meta.get_field("description").max_length:
        raise ValidationError(_("The description is too long (200 characters at most)."))
    # Stored in the canonical order, so lists and diffs read the same way.
    return url, [t for t in EVENT_TYPES if t in event_types], description


def _locked(endpoint):
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


def endpoint_create(*, conference, actor, url, event_types, description=""):
    """
    A new endpoint of `conference`: the URL must pass the SSRF check
    (urls.url_check). Returns (endpoint, secret); the secret signs every
    message and is shown only now. Audited.
    """
    url, event_types, description = _clean(
        url=url, event_types=event_types, description=description
    )
    secret = _secret_new()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            conference=conference,
            url=url,
            event_types=event_types,
            description=description,
            secret=secret,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="webhook.create",
            obj=endpoint,
            summary=audit_message(
                gettext_noop("Webhook endpoint %(url)s (%(events)s)"),
                url=url,
                events=", ".join(event_types),
            ),
        )
    return endpoint, secret


def endpoint_update(*, endpoint, actor, url, event_types, description):
    """
    Change an endpoint's URL, events and description (checked as on
    creation). Messages already recorded keep going to the endpoint, at its
    new URL. Audited. Returns the endpoint.
    """
    url, event_types, description = _clean(
        url=url, event_types=event_types, description=description
    )
    with transaction.atomic():
        locked = _locked(endpoint)
        before = {"url": locked.url, "event_types": locked.event_types}
        locked.url = url
        locked.event_types = event_types
        locked.description = description
        locked.save(update_fields=["url", "event_types", "description", "updated_at"])
        audit_record(
            actor=actor,
            conference=locked.conference,
            action="webhook.update",
            obj=locked,
            summary=audit_message(gettext_noop("Webhook endpoint %(url)s changed"), url=url),
            data={"before": before, "after": {"url": url, "event_types": event_types}},
        )
    endpoint.url, endpoint.event_types, endpoint.description = url, event_types, description
    return endpoint


def endpoint_delete(*, endpoint, actor):
    """Delete an endpoint with its messages and delivery log. Audited."""
    with transaction.atomic():
        locked = _locked(endpoint)
        audit_record(
            actor=actor,
            conference=locked.conference,
            action="webhook.delete",
            obj=locked,
            summary=audit_message(gettext_noop("Webhook endpoint %(url)s deleted"), url=locked.url),
        )
        locked.delete()


def endpoint_enable(*, endpoint, actor):
    """
    Enable an endpoint: its failure count starts again from zero, and the
    messages it kept while disabled are delivered now, oldest first per
    resource. Audited; idempotent.
    """
    with transaction.atomic():
        locked = _locked(endpoint)
        if not locked.is_enabled:
            locked.is_enabled = True
            locked.disabled_reason = ""
            locked.consecutive_failures = 0
            locked.save(
                update_fields=[
                    "is_enabled",
                    "disabled_reason",
                    "consecutive_failures",
                    "updated_at",
                ]
            )
            pending = WebhookMessage.objects.filter(
                endpoint=locked, status__in=WebhookMessage.UNDELIVERED
            )
            pending.exclude(status=WebhookMessage.Status.SENDING).update(
                next_attempt_at=timezone.now()
            )
            audit_record(
                actor=actor,
                conference=locked.conference,
                action="webhook.enable",
                obj=locked,
                summary=audit_message(
                    gettext_noop("Webhook endpoint %(url)s enabled"), url=locked.url
                ),
            )
            # Only the first of each resource can go; the others follow it.
            deliver_later(list(pending.values_list("pk", flat=True)))
    endpoint.is_enabled, endpoint.disabled_reason, endpoint.consecutive_failures = True, "", 0
    return endpoint


def endpoint_disable(*, endpoint, actor, reason=""):
    """
    Disable an endpoint: nothing is sent to it until it is enabled again, but
    its events are still recorded (receivers.py). Audited; idempotent.
    """
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        locked = _locked(endpoint)
        if locked.is_enabled:
            locked.is_enabled = False
            locked.disabled_reason = reason
            locked.save(update_fields=["is_enabled", "disabled_reason", "updated_at"])
            audit_record(
                actor=actor,
                conference=locked.conference,
                action="webhook.disable",
                obj=locked,
                summary=audit_message(
                    gettext_noop("Webhook endpoint %(url)s disabled"), url=locked.url
                ),
                data={"reason": reason},
            )
    endpoint.is_enabled, endpoint.disabled_reason = False, locked.disabled_reason
    return endpoint


def endpoint_secret_rotate(*, endpoint, actor):
    """
    A new signing secret, returned once; messages sent from now on (retries
    included) are signed with it. Audited.
    """
    secret = _secret_new()
    with transaction.atomic():
        locked = _locked(endpoint)
        locked.secret = secret
        locked.save(update_fields=["secret", "updated_at"])
        audit_record(
            actor=actor,
            conference=locked.conference,
            action="webhook.secret_rotate",
            obj=locked,
            summary=audit_message(
                gettext_noop("Webhook endpoint %(url)s: new secret"), url=locked.url
            ),
        )
    endpoint.secret = secret
    return secret


def _refuse_disabled(endpoint):
    if not endpoint.is_enabled:
        raise ValidationError(
            _("This endpoint is disabled: enable it first, then its messages are sent.")
        )


def message_redeliver(*, message, actor):
    """
    Send a message again now, whatever its status (a delivered one too): a
    fresh round of attempts, the first marked manual in the delivery log. It
    still waits for older undelivered messages of its resource, so the order
    per resource holds. A message being sent right now is left to finish.
    Refused while the endpoint is disabled. Audited.
    """
    with transaction.atomic():
        endpoint = _locked(message.endpoint)
        _refuse_disabled(endpoint)
        locked = WebhookMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != WebhookMessage.Status.SENDING:
            locked.status = WebhookMessage.Status.PENDING
            locked.attempts = 0
            locked.manual = True
            locked.next_attempt_at = timezone.now()
            locked.save(update_fields=["status", "attempts", "manual", "next_attempt_at"])
            deliver_later([locked.pk])
        audit_record(
            actor=actor,
            conference=endpoint.conference,
            action="webhook.redeliver",
            obj=locked,
            summary=audit_message(
                gettext_noop("Webhook %(id)s (%(event)s) redelivered"),
                id=locked.message_id,
                event=locked.event_type,
            ),
        )
    message.status, message.attempts = locked.status, locked.attempts
    return locked


def endpoint_ping(*, endpoint, actor):
    """
    Send a `ping` test event to this endpoint only (data: the conference and
    the endpoint id), to check the URL and the receiver's signature check.
    Refused while the endpoint is disabled. Audited. Returns the message.
    """
    with transaction.atomic():
        locked = _locked(endpoint)
        _refuse_disabled(locked)
        now = timezone.now()
        message = message_build(
            endpoint=locked,
            conference=locked.conference,
            type=PING,
            resource=f"endpoint:{locked.pk}",
            data={"endpoint": locked.pk},
            occurred_at=now,
        )
        message.manual = True
        message.save()
        audit_record(
            actor=actor,
            conference=locked.conference,
            action="webhook.ping",
            obj=locked,
            summary=audit_message(gettext_noop("Webhook endpoint %(url)s pinged"), url=locked.url),
        )
        deliver_later([message.pk])
    return message
