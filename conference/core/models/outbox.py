"""
The outbox (every email a row first, sent by the delivery task) and the
organisers' wordings of each kind of email, with their history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conference.core.db import CounterFieldsMixin
from conference.core.models.conference import Conference


class OutgoingEmail(CounterFieldsMixin, models.Model):
    """
    The outbox. Every email is a row first, written in the transaction that
    caused it; the delivery task sends it afterwards and records the outcome.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Waiting to retry")
        FAILED = "failed", _("Failed")

    conference = models.ForeignKey(
        Conference,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )
    recipient = models.EmailField(_("recipient"))
    from_email = models.CharField(_("from"), max_length=300)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    ics = models.TextField(_("calendar attachment"), blank=True)
    kind = models.CharField(_("kind"), max_length=50)
    # What makes this message unique, e.g. "reminder:session:12:reg:34:1440".
    # A retry or a second sweep that would create the same message finds it.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    # The bulk send this row belongs to, e.g. "broadcast:7", for its statistics.
    batch = models.CharField(_("batch"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # The mail server's reply code to the last attempt, when it gave one: a
    # 5xx refusal of the recipient is a bounce known at sending time.
    smtp_code = models.PositiveSmallIntegerField(_("SMTP reply code"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Raised by the delivery task as it claims the row (locked, or with F()).
    counter_fields = ("attempts",)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            # The delivery sweep: rows still to send, oldest due first.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=models.Q(status__in=["queued", "sending", "retry"]),
            ),
            # The staff outbox page: one conference's mail by status.
            models.Index(fields=["conference", "status"], name="outbox_conference_status"),
            # A broadcast's statistics: its rows by status.
            models.Index(
                fields=["batch", "status"],
                name="outbox_batch_status",
                condition=~models.Q(batch=""),
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"


class EmailTemplate(models.Model):
    """
    An organiser's wording of one kind of email (`conference.core.email_templates`)
    for one conference and language: a subject and a text body with `{name}`
    placeholders, never template code. Without a row the repository's
    templates are used; removing the row is "reset to default".
    """

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="email_templates"
    )
    kind = models.CharField(_("kind"), max_length=50)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [
            # One current wording per email kind and language; outgoing mail
            # reads it by exactly these three (email_templates.override_get).
            models.UniqueConstraint(
                fields=["conference", "kind", "language"], name="email_template_unique_kind_lang"
            ),
        ]

    def __str__(self):
        return f"{self.kind} ({self.language}) @ {self.conference}"


class EmailTemplateVersion(models.Model):
    """
    Every saved wording of an email template, newest last; kept after a
    reset, so an earlier version can be restored (a restore saves it again).
    """

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="email_template_versions"
    )
    kind = models.CharField(_("kind"), max_length=50)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("email template version")
        verbose_name_plural = _("email template versions")
        indexes = [
            # The editor's history: one kind and language, newest first.
            models.Index(
                fields=["conference", "kind", "language", "-created_at"],
                name="email_template_version_list",
            ),
        ]

    def __str__(self):
        return f"{self.kind} ({self.language}) {self.created_at:%Y-%m-%d %H:%M}"
