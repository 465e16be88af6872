"""
The audit log: who did what, when, to which object; its summary stored as
data and shown in the reader's language (`messages`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conference.core.models.conference import Conference
from conference.core.models.messages import message_render


class AuditLog(models.Model):
    """Who did what to which object, when. Written by services, never edited."""

    conference = models.ForeignKey(
        Conference,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_log",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # How the actor acted when not through a page: "API token “Visitor system”".
    via = models.CharField(_("via"), max_length=120, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    # The summary in English (search, exports, admin), and as data: [[msgid,
    # {params}], ...], which pages show in the viewer's language (summary_text).
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    summary_parts = models.JSONField(default=list, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # Dashboard: the latest entries of one action (e.g. gate-list downloads).
            models.Index(
                fields=["conference", "action", "-created_at"],
                name="audit_conference_action",
            ),
            # Registration detail page: an object's history.
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    @property
    def summary_text(self):
        """The summary in the active language (as stored, for rows written before parts)."""
        return message_render(self.summary_parts, self.summary)

    @property
    def who(self):
        """How pages name who acted: the person, the channel, both, or "" for the system."""
        if self.actor_id and self.via:
            return _("%(actor)s via %(via)s") % {"actor": self.actor, "via": self.via}
        return str(self.actor) if self.actor_id else self.via
