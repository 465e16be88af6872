"""A broadcast: one message, in each language, to a filtered audience of a conference."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from conference.core.models import Conference, Job


class Broadcast(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", pgettext_lazy("broadcast", "Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="broadcasts")
    # For the organisers' list only; recipients see the subject.
    title = models.CharField(_("title"), max_length=150)
    # {language: {"subject": ..., "body": ...}}: the default language's is
    # required, the others optional (their readers get the default's).
    texts = models.JSONField(_("texts"), default=dict)
    # The audience's filters (conference.portal.broadcasts.audience.Audience).
    audience = models.JSONField(_("audience"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="broadcast"
    )
    # The recipients, fixed when sending starts: registration ids (a run
    # resumed after a crash writes to exactly these people).
    recipients = models.JSONField(default=list, blank=True)
    # The running task's lease: another run (after a crash) waits until it ends.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("all messages queued"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(scheduled_for__isnull=False),
                name="broadcast_scheduled_has_time",
            ),
        ]
        indexes = [
            # The sweep: scheduled broadcasts that are due, and sends to resume.
            models.Index(
                fields=["status", "scheduled_for"],
                name="broadcast_due",
                condition=models.Q(status__in=["scheduled", "sending"]),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def batch(self):
        """The outbox rows' batch label (conference.core.models.OutgoingEmail.batch)."""
        return f"broadcast:{self.pk}"

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT
