"""
Saved attendee exports: the columns and filters one audience needs.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from conference.core.models.conference import Conference


class ExportPreset(models.Model):
    """
    A saved attendee export: the columns and filters one audience needs (for
    example "Catering": names and dietary needs of approved delegates). The
    organisers name and edit them; `params` holds what the export page's
    query string would, as read by `conference.portal.exports.ExportParams`.
    """

    class Audience(models.TextChoices):
        CATERING = "catering", _("Catering")
        PROTOCOL = "protocol", _("Protocol")
        SESSION_ROOMS = "session_rooms", _("Session rooms")
        REGISTRATION_DESK = "registration_desk", _("Registration desk")
        OTHER = "other", _("Other")

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="export_presets"
    )
    name = models.CharField(_("name"), max_length=100)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.OTHER
    )
    params = models.JSONField(_("columns and filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["audience", "name"]
        verbose_name = _("export preset")
        verbose_name_plural = _("export presets")
        constraints = [
            models.UniqueConstraint(
                "conference", Lower("name"), name="export_preset_name_unique_ci"
            ),
        ]

    def __str__(self):
        return self.name
