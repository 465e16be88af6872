"""
Background jobs with their progress and outcome, and the heartbeats of the
periodic processes (beat) that /healthz reads.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from conference.core.db import CounterFieldsMixin
from conference.core.models.conference import Conference
from conference.core.models.messages import message_english, message_parts, message_render


class Job(CounterFieldsMixin, models.Model):
    """A long background job (bulk send, scheduler, large export) and its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The progress message in English (admin, logs), and as data: [[msgid,
    # {params}], ...], which pages show in the viewer's language (message_text).
    message = models.CharField(max_length=300, blank=True)
    message_parts = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Progress, raised by the running job (with F(): a redelivered task may
    # run beside the first).
    counter_fields = ("done", "total")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return f"{self.kind} ({self.get_status_display()})"

    @staticmethod
    def message_fields(*parts):
        """
        The message fields for `parts`, each a msgid (marked with gettext_noop)
        or (msgid, params): e.g. Job.objects.filter(...).update(
        **Job.message_fields((gettext_noop("%(count)s sent."), {"count": 3}))).
        """
        parts = message_parts(*parts)
        return {"message": message_english(parts)[:300], "message_parts": parts}

    @property
    def message_text(self):
        """The message in the active language (as stored, for rows written before parts)."""
        return message_render(self.message_parts, self.message)

    @property
    def percent(self):
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.done / self.total))


class Heartbeat(models.Model):
    """Last sign of life of a periodic process (beat); read by /healthz."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%H:%M:%S}"
