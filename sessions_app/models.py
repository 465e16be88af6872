from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.content import ContentCharField, ContentTextField
from conference.core.db import CounterFieldsMixin
from conference.core.models import Conference, Organisation, Room, _image_path


class Track(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="tracks")
    name = ContentCharField(_("name"), max_length=100)
    description = ContentTextField(_("description"), blank=True)
    # One of a fixed palette (see templates), so no inline style is needed.
    colour = models.CharField(_("colour"), max_length=20, default="teal")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # For API clients that sync with updated_since.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        constraints = [
            models.UniqueConstraint(fields=["conference", "name"], name="track_name_unique"),
        ]

    def __str__(self):
        return str(self.name)


class Session(CounterFieldsMixin, models.Model):
    """
    A slot on the agenda. These rows are the organisers' working copy; the
    public agenda shows the last `ScheduleRelease`.
    """

    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Plenary")
        PANEL = "panel", _("Panel")
        WORKSHOP = "workshop", _("Workshop")
        CLOSED_DOOR = "closed_door", _("Closed-door session")
        B2B_BLOCK = "b2b_block", _("B2B meetings")
        BREAK = "break", _("Break")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="sessions")
    track = models.ForeignKey(
        Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    title = ContentCharField(_("title"), max_length=200)
    description = ContentTextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PANEL)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty = no limit.")
    )
    signup_required = models.BooleanField(_("sign-up required"), default=False)
    # Confirmed sign-ups, kept by the sign-up service with a conditional
    # UPDATE; the check constraint refuses a count above the capacity. It
    # cannot see a count written back too low, hence `counter_fields`.
    taken = models.PositiveIntegerField(_("confirmed sign-ups"), default=0)
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Included when the agenda is next published."),
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    # ICS SEQUENCE: grows with every published change.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Never written by a save of the whole row (the organisers' form, the
    # admin): only by the sign-up and publish services, under their locks.
    counter_fields = ("taken", "sequence")

    class Meta:
        ordering = ["starts_at", "room__position", "title"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(taken__lte=models.F("capacity")),
                name="session_taken_within_capacity",
            ),
        ]
        indexes = [
            # The agenda and the reminder sweep read sessions by time.
            models.Index(fields=["conference", "starts_at"], name="session_conf_start"),
        ]

    def __str__(self):
        return str(self.title)

    def get_absolute_url(self):
        return reverse("sessions_app:session", args=[self.conference.slug, self.pk])


class Speaker(models.Model):
    """A speaker: a registered delegate, or an outside speaker with a bio."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="speakers")
    registration = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title and affiliation"), max_length=300, blank=True)
    bio = ContentTextField(_("short bio"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    # Two sizes, written by `services.speaker_save` (EXIF stripped). Shown on
    # the public pages only with the speaker's consent.
    photo = models.FileField(_("photo"), upload_to=_image_path, blank=True, max_length=200)
    photo_small = models.FileField(upload_to=_image_path, blank=True, max_length=200)
    photo_consent = models.BooleanField(
        _("photo may be shown publicly"),
        default=False,
        help_text=_("Tick only when the speaker has agreed to their photo on the public pages."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sessions_app:speaker", args=[self.conference.slug, self.pk])

    @property
    def photo_public(self):
        """Whether the public pages may show the photo: there is one, and consent."""
        return bool(self.photo_consent and self.photo)


class SessionSpeaker(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="speaker_roles")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="session_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SPEAKER)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("session speaker")
        verbose_name_plural = _("session speakers")
        constraints = [
            models.UniqueConstraint(fields=["session", "speaker"], name="session_speaker_unique"),
        ]

    def __str__(self):
        return f"{self.speaker} ({self.get_role_display()})"


class SessionSignup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="signups")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="session_signups"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("session sign-up")
        verbose_name_plural = _("session sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"],
                condition=~models.Q(status="cancelled"),
                name="signup_one_live_per_person",
            ),
        ]
        indexes = [
            # Promotion from the waiting list: oldest waitlisted first.
            models.Index(
                fields=["session", "created_at"],
                condition=models.Q(status="waitlisted"),
                name="signup_waitlist_order",
            ),
        ]

    def __str__(self):
        return f"{self.registration} → {self.session} ({self.get_status_display()})"


class ScheduleRelease(models.Model):
    """
    A published version of the agenda: a snapshot of every published session
    and the list of changes since the previous release.
    """

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField(_("release"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField(default=list)
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        verbose_name = _("schedule release")
        verbose_name_plural = _("schedule releases")
        constraints = [
            models.UniqueConstraint(fields=["conference", "number"], name="release_number_unique"),
        ]

    def __str__(self):
        return f"{self.conference} release {self.number}"
