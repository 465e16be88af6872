"""
A conference and its settings (time zone, reminders, content languages,
registration window), its rooms, and the staff roles people hold in it.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conference.core.content import ContentCharField, ContentTextField


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def default_reminder_offsets():
    return [24 * 60, 60]


def default_content_languages():
    return [code for code, _name in settings.LANGUAGES]


def validate_content_languages(value):
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, list) or not value or not set(value) <= known:
        raise ValidationError(_("Choose at least one of the site's languages."))


class Conference(models.Model):
    name = ContentCharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    tagline = ContentCharField(_("tagline"), max_length=300, blank=True)
    description = ContentTextField(_("description"), blank=True)
    # The languages organisers write the content in (session titles, bios...),
    # and the one shown where a text is missing in the viewer's language.
    content_languages = models.JSONField(
        _("content languages"),
        default=default_content_languages,
        validators=[validate_content_languages],
    )
    default_content_language = models.CharField(
        _("default content language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    host = models.CharField(_("host"), max_length=200, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Kolkata",
        validators=[validate_time_zone],
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    contact_email = models.EmailField(_("contact email"), blank=True)
    sender_name = models.CharField(
        _("email sender name"),
        max_length=100,
        blank=True,
        help_text=_("Shown as the From name."),
    )

    # Registration
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Approved delegates; empty = unlimited."),
    )
    auto_approve = models.BooleanField(_("approve registrations automatically"), default=False)
    promote_from_waitlist = models.BooleanField(
        _("promote from the waiting list when someone withdraws"), default=True
    )
    registration_locked = models.BooleanField(_("registration details locked"), default=False)
    require_staff_mfa = models.BooleanField(
        _("organisers and security officers must use two-factor authentication"),
        default=True,
    )
    id_retention_days = models.PositiveIntegerField(
        _("days to keep ID document data after the conference"), default=30
    )

    # Reminders, in minutes before a session starts.
    reminder_offsets = models.JSONField(
        _("session reminder offsets (minutes)"), default=default_reminder_offsets
    )

    # B2B meetings
    b2b_slot_minutes = models.PositiveIntegerField(
        _("B2B slot length (minutes)"), default=20, validators=[MinValueValidator(5)]
    )
    b2b_request_expiry_hours = models.PositiveIntegerField(
        _("B2B request expiry (hours)"), default=72
    )
    b2b_max_meetings_per_delegate = models.PositiveIntegerField(
        _("B2B meetings per delegate"), default=12
    )
    b2b_max_meetings_per_organisation = models.PositiveIntegerField(
        _("B2B meetings per organisation"), null=True, blank=True
    )
    b2b_max_pending_requests = models.PositiveIntegerField(
        _("pending B2B requests per delegate"), default=20
    )
    b2b_reminder_minutes = models.PositiveIntegerField(
        _("B2B reminder (minutes before)"), default=30
    )
    # Pairs of organisation kinds allowed to request each other, e.g.
    # [["recycler", "oem"], ["recycler", "financier"]]; empty means any pair.
    b2b_kind_rules = models.JSONField(_("B2B kind rules"), default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="conference_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return str(self.name)

    def get_absolute_url(self):
        return reverse("conference:home", args=[self.slug])

    def clean(self):
        if self.content_languages and self.default_content_language not in self.content_languages:
            raise ValidationError(
                {
                    "default_content_language": _(
                        "The default content language must be one of the content languages."
                    )
                }
            )

    @property
    def content_locales(self):
        """The content languages in the site's order, the default one first."""
        chosen = set(self.content_languages or []) | {self.default_content_language}
        ordered = [code for code, _name in settings.LANGUAGES if code in chosen]
        ordered.sort(key=lambda code: code != self.default_content_language)
        return ordered

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def from_email(self):
        name = self.sender_name or self.name
        return f'"{name}" <{settings.DEFAULT_FROM_EMAIL}>'

    def registration_is_open(self, now=None):
        now = now or timezone.now()
        opened = self.registration_opens_at is None or now >= self.registration_opens_at
        closed = self.registration_closes_at is not None and now >= self.registration_closes_at
        return opened and not closed


class Room(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="rooms")
    name = ContentCharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # For API clients that sync with updated_since.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["conference", "name"], name="room_name_unique"),
        ]

    def __str__(self):
        return str(self.name)


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    SECURITY = "security", _("Security officer")
    CHECKIN = "checkin", _("Check-in staff")


class ConferenceRole(models.Model):
    """A staff role held by a user at one conference. Delegates have none."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conference_roles",
    )
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conference role")
        verbose_name_plural = _("conference roles")
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "user", "role"], name="conference_role_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} @ {self.conference}"
