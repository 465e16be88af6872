"""
Delivering webhook messages: the outbox pattern, as for email
(conference/core/services.py, outbox_*).

A message row is written in the transaction of its cause (receivers.py) and
its delivery enqueued on commit; `message_deliver` claims the row (lock, skip
unless due, its endpoint enabled and no older message of the same resource
still undelivered: order per resource), signs the body (Standard Webhooks),
POSTs it to the address the SSRF check approved, and records the attempt. A
2xx marks it delivered and starts the next message of its resource; anything
else retries after WEBHOOK_RETRY_DELAYS until WEBHOOK_MAX_ATTEMPTS, then it
is failed. A claimed row holds a lease (`next_attempt_at` while sending): if
the worker dies, the lease ends and the minute sweep (`message_due_ids`)
claims it again, as it does every message whose task the broker lost. So
delivery is at least once; receivers dedupe on `webhook-id`.

WEBHOOK_DISABLE_AFTER consecutive failed attempts disable the endpoint; the
organisers are told by email.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from standardwebhooks import Webhook

from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from conference.api.webhooks.urls import url_check
from conference.core.models import ConferenceRole, Role
from conference.core.services import audit_message, audit_record, email_queue

logger = logging.getLogger(__name__)

# Bytes of a response kept (in the attempt's error) to help debug a receiver.
EXCERPT_BYTES = 200
USER_AGENT = "conference-portal-webhooks/1"


def deliver_later(message_pks):
    """Enqueue the delivery of these messages once the transaction commits."""
    from conference.api import tasks
    from conference.core.tasks import enqueue

    for pk in message_pks:
        enqueue(tasks.webhook_deliver, pk)


def _lease():
    """How long a claim lasts: connect, send and read may each take the timeout."""
    return timedelta(seconds=3 * settings.WEBHOOK_TIMEOUT_SECONDS + 5)


def _older_undelivered():
    return WebhookMessage.objects.filter(
        endpoint=OuterRef("endpoint"),
        resource=OuterRef("resource"),
        pk__lt=OuterRef("pk"),
        status__in=WebhookMessage.UNDELIVERED,
    )


def _due(now):
    """Messages that may be sent now: due (or their lease over), first of their resource."""
    return WebhookMessage.objects.filter(
        status__in=WebhookMessage.UNDELIVERED,
        next_attempt_at__lte=now,
        endpoint__is_enabled=True,
    ).filter(~Exists(_older_undelivered()))


def _claim(message_pk, now):
    """Mark a sendable message as being sent by this worker; None if not ours to send."""
    with transaction.atomic():
        message = (
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint__conference")
            .filter(pk=message_pk)
            .first()
        )
        if message is None:
            return None
        message.status = WebhookMessage.Status.SENDING
        message.attempts += 1
        message.next_attempt_at = now + _lease()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        return message


@dataclass
class Outcome:
    started_at: object
    duration_ms: int = 0
    response_code: int | None = None
    error: str = ""

    @property
    def succeeded(self):
        return self.response_code is not None and 200 <= self.response_code < 300


def _signed_headers(message, body):
    sent_at = timezone.now()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(message.endpoint.secret).sign(
            message.message_id, sent_at, body
        ),
    }


def _excerpt(response):
    """The first bytes of the answer, never more: a receiver may answer with anything."""
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= EXCERPT_BYTES:
            break
    return " ".join(data[:EXCERPT_BYTES].decode("utf-8", errors="replace").split())


def _post(message):
    """One HTTP attempt at the checked address; the outcome, whatever happens."""
    outcome = Outcome(started_at=timezone.now())
    clock = time.monotonic()
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False)
    try:
        # Checked again now: the URL may resolve elsewhere than at registration.
        target = url_check(message.endpoint.url)
        headers = {**_signed_headers(message, body), "host": target.host_header}
        # The TLS name is the URL's, while the connection goes to the checked address.
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        # trust_env=False: a proxy from the environment would resolve the name again.
        with (
            httpx.Client(
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                target.pinned_url,
                content=body.encode(),
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            outcome.response_code = response.status_code
            if not outcome.succeeded:
                excerpt = _excerpt(response)
                outcome.error = f"HTTP {response.status_code}" + (f": {excerpt}" if excerpt else "")
    except ValidationError as exc:
        outcome.error = "Refused: " + " ".join(exc.messages)
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    outcome.duration_ms = int((time.monotonic() - clock) * 1000)
    outcome.error = outcome.error[:300]
    return outcome


def message_deliver(*, message_pk):
    """
    Send one message if it is sendable now (see _claim) and record the
    outcome. Safe to run twice or concurrently: a message that is delivered,
    failed, not due, claimed by another worker, behind an older message of
    its resource or of a disabled endpoint is left alone. Returns the
    WebhookAttempt, or None when nothing was sent.
    """
    message = _claim(message_pk, timezone.now())
    if message is None:
        return None
    outcome = _post(message)
    return _record(message, outcome)


def _next_of_resource(message):
    """The message of the same resource that was waiting for this one, if any."""
    return list(
        WebhookMessage.objects.filter(
            endpoint_id=message.endpoint_id,
            resource=message.resource,
            pk__gt=message.pk,
            status__in=[WebhookMessage.Status.PENDING, WebhookMessage.Status.RETRY],
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:1]
    )


def _retry_delay(attempts):
    delays = settings.WEBHOOK_RETRY_DELAYS or [60]
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def _record(message, outcome):
    """Log the attempt and move the message on, unless its claim was lost meanwhile."""
    with transaction.atomic():
        current = (
            WebhookMessage.objects.select_for_update()
            .filter(pk=message.pk)
            .values_list("status", "attempts")
            .first()
        )
        if current is None:
            # Deleted with its endpoint meanwhile: nothing left to record.
            return None
        attempt = WebhookAttempt.objects.create(
            message=message,
            started_at=outcome.started_at,
            duration_ms=outcome.duration_ms,
            response_code=outcome.response_code,
            error=outcome.error,
            succeeded=outcome.succeeded,
            manual=message.manual,
        )
        # Still ours: sending, at the attempt this worker claimed. Otherwise the
        # lease ended and another worker took the message over; its result counts.
        if current != (WebhookMessage.Status.SENDING, message.attempts):
            logger.warning("Webhook message %s: claim lost, outcome only logged.", message.pk)
            return attempt
        message.manual = False
        message.last_response_code = outcome.response_code
        message.last_error = outcome.error
        now = timezone.now()
        if outcome.succeeded:
            message.status = WebhookMessage.Status.DELIVERED
            message.delivered_at = now
            WebhookEndpoint.objects.filter(
                pk=message.endpoint_id, consecutive_failures__gt=0
            ).update(consecutive_failures=0)
        else:
            if message.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                message.status = WebhookMessage.Status.FAILED
            else:
                message.status = WebhookMessage.Status.RETRY
                message.next_attempt_at = now + _retry_delay(message.attempts)
            _failure_count(message.endpoint, attempt)
            logger.warning(
                "Webhook message %s not delivered (%s): %s",
                message.pk,
                message.status,
                outcome.error,
            )
        message.save(
            update_fields=[
                "status",
                "manual",
                "last_response_code",
                "last_error",
                "next_attempt_at",
                "delivered_at",
            ]
        )
        if message.status in (WebhookMessage.Status.DELIVERED, WebhookMessage.Status.FAILED):
            deliver_later(_next_of_resource(message))
    return attempt


def _failure_count(endpoint, attempt):
    """One more consecutive failure; at WEBHOOK_DISABLE_AFTER, disable and tell the organisers."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures", "updated_at"]
    disable = (
        endpoint.is_enabled and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER
    )
    if disable:
        endpoint.is_enabled = False
        endpoint.disabled_reason = (
            f"{endpoint.consecutive_failures} consecutive failed deliveries; "
            f"last: {attempt.error or attempt.response_code}"
        )[:300]
        fields += ["is_enabled", "disabled_reason"]
    endpoint.save(update_fields=fields)
    if disable:
        audit_record(
            actor=None,
            conference=endpoint.conference,
            action="webhook.disable",
            obj=endpoint,
            summary=audit_message(
                gettext_noop(
                    "Webhook endpoint %(url)s disabled after %(count)s consecutive failures"
                ),
                url=endpoint.url,
                count=endpoint.consecutive_failures,
            ),
            data={"reason": endpoint.disabled_reason},
        )
        _disabled_notice(endpoint, attempt)


def _disabled_notice(endpoint, attempt):
    """Email each organiser of the conference that the endpoint was disabled (one per disable)."""
    conference = endpoint.conference
    organisers = (
        ConferenceRole.objects.filter(conference=conference, role=Role.ORGANISER)
        .select_related("user")
        .order_by("user_id")
    )
    url = settings.SITE_ROOT + reverse("api_manage:webhook", args=[conference.slug, endpoint.pk])
    for role in organisers:
        email_queue(
            recipient=role.user.email,
            template="webhook_disabled",
            context={
                "endpoint": endpoint,
                "failures": endpoint.consecutive_failures,
                "last_error": attempt.error,
                "last_response_code": attempt.response_code,
                "manage_url": url,
            },
            kind="webhook.disabled",
            # The failing attempt names this disable: a later one mails again.
            dedup_key=f"webhook:{endpoint.pk}:disabled:{attempt.pk}:user:{role.user_id}",
            conference=conference,
            user=role.user,
        )


def message_due_ids(*, limit=500):
    """Messages the sweep should (re)deliver: due, lease over, or never enqueued."""
    return list(
        _due(timezone.now()).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
