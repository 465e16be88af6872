"""
API tokens and webhooks.

A token's secret is shown once and stored only as its SHA-256 digest (the
secret is 256 random bits, so a fast digest is as safe as a slow one and
costs nothing per request). A webhook message is an outbox row: written in
the transaction of the change it announces, delivered by the `default`
queue, each attempt kept for the delivery log.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from conference.core.models import Conference


class ApiToken(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, to tell tokens apart in lists and logs.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="api_tokens",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [
            # The organisers' token list of one conference.
            models.Index(fields=["conference", "-created_at"], name="apitoken_conference"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_label(self):
        return _("API token “%(name)s”") % {"name": self.name}

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookEndpoint(models.Model):
    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    # "whsec_" + base64 (Standard Webhooks): shown once, kept to sign.
    secret = models.CharField(max_length=100)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url


class WebhookMessage(models.Model):
    """One event for one endpoint: the outbox row of a webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook message", "Pending")
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Waiting to retry")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    # Statuses still to deliver: a later message of the same resource waits for these.
    UNDELIVERED = (Status.PENDING, Status.SENDING, Status.RETRY)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    # The Standard Webhooks `webhook-id`: the same on every attempt, so receivers dedupe.
    message_id = models.CharField(max_length=40, unique=True, default="")
    event_type = models.CharField(_("event"), max_length=40)
    resource = models.CharField(_("resource"), max_length=60)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When due; while `sending`, when the worker's lease ends (a row still
    # sending after it belongs to a worker that died, and is tried again).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The next attempt is a manual redelivery or a ping (marked so in the log).
    manual = models.BooleanField(default=False)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        indexes = [
            # The sweep: undelivered messages that are due.
            models.Index(
                fields=["next_attempt_at"],
                name="webhookmsg_due",
                condition=models.Q(status__in=["pending", "sending", "retry"]),
            ),
            # Order per resource: the oldest undelivered message of (endpoint, resource).
            models.Index(fields=["endpoint", "resource", "id"], name="webhookmsg_resource"),
            # The delivery log of one endpoint, newest first.
            models.Index(fields=["endpoint", "-id"], name="webhookmsg_endpoint"),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id}"

    def save(self, *args, **kwargs):
        if not self.message_id:
            self.message_id = new_message_id()
        super().save(*args, **kwargs)


def new_message_id():
    return f"msg_{uuid.uuid4().hex}"


class WebhookAttempt(models.Model):
    """One try at delivering a message: what the delivery log shows."""

    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="attempts_log"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    # A manual redelivery from the delivery log, not a retry.
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")

    def __str__(self):
        return f"{self.message_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"
