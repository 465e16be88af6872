import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from conference.core.content import ContentCharField, ContentTextField
from conference.core.db import CounterFieldsMixin

# Messages stored as data ([[msgid, {params}], ...]) and shown in the viewer's
# language: job progress (Job.message_parts) and audit summaries
# (AuditLog.summary_parts). The msgids are marked with gettext_noop where
# written; the params are data (names, numbers, emails) and never translated.


def _message_param(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def message_parts(*parts):
    """`parts`, each a msgid or (msgid, params), as stored: [[msgid, {params}], ...]."""
    stored = []
    for part in parts:
        if isinstance(part, str):
            stored.append([part, {}])
        else:
            msgid, params = part
            stored.append(
                [str(msgid), {str(k): _message_param(v) for k, v in dict(params or {}).items()}]
            )
    return stored


def _message_part_text(msgid, params, translate):
    text = translate(msgid) if msgid else ""
    return text % params if params else text


def message_english(parts):
    """The stored message in English (msgids are English; a part whose params don't fit, raw)."""
    texts = []
    for msgid, params in parts:
        try:
            texts.append(_message_part_text(msgid, params, str))
        except (KeyError, TypeError, ValueError):
            texts.append(msgid)
    return " ".join(texts)


def message_render(parts, fallback=""):
    """
    The stored message in the active language; `fallback` (the stored English)
    for rows written before parts, or parts that don't render (bad params).
    """
    if not parts:
        return fallback
    try:
        return " ".join(_message_part_text(msgid, params, gettext) for msgid, params in parts)
    except (AttributeError, KeyError, TypeError, ValueError):
        try:  # A translation that doesn't fit its params: the English parts.
            return " ".join(_message_part_text(msgid, params, str) for msgid, params in parts)
        except (AttributeError, KeyError, TypeError, ValueError):
            return fallback


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


class OrganisationKind(models.TextChoices):
    RECYCLER = "recycler", _("Battery recycler")
    OEM = "oem", _("Car maker (OEM)")
    FINANCIER = "financier", _("Financier")
    GOVERNMENT = "government", _("Government")
    RESEARCH = "research", _("Research")
    INDUSTRY_BODY = "industry_body", _("Industry body")
    OTHER = "other", _("Other")


class ValueChain(models.TextChoices):
    """Where an organisation sits in the battery value chain (matchmaking pairs them)."""

    MINING = "mining", _("Mining")
    REFINING = "refining", _("Refining and processing")
    PRECURSOR = "precursor", _("Cathode and precursor")
    CELLS = "cells", _("Cell manufacturing")
    OEM = "oem", _("EV and car makers")
    RECYCLING = "recycling", _("Recycling and black mass")
    FINANCE = "finance", _("Finance")
    POLICY = "policy", _("Policy and standards")
    RESEARCH = "research", _("Research and development")
    SERVICES = "services", _("Services and trading")


def _image_path(instance, filename):
    # Unguessable names; images are served through a view that checks who asks.
    return f"images/{uuid.uuid4().hex}/{filename}"


class Organisation(models.Model):
    """An organisation, shared by all conferences."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    offers = models.TextField(_("what it offers"), blank=True)
    seeks = models.TextField(_("what it seeks"), blank=True)
    offers_ja = models.TextField(_("what it offers (Japanese)"), blank=True)
    seeks_ja = models.TextField(_("what it seeks (Japanese)"), blank=True)
    value_chain = models.CharField(
        _("position in the value chain"), max_length=20, choices=ValueChain.choices, blank=True
    )
    is_new_entrant = models.BooleanField(
        _("new entrant"),
        default=False,
        help_text=_("A young company or a first project: matchmaking can put financiers first."),
    )
    # Two sizes, written by the profile service (EXIF stripped).
    logo = models.FileField(_("logo"), upload_to=_image_path, blank=True, max_length=200)
    logo_small = models.FileField(upload_to=_image_path, blank=True, max_length=200)
    # Delegates may propose an organisation while registering; staff confirm it.
    confirmed = models.BooleanField(_("confirmed by staff"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]
        indexes = [
            # The B2B directory filters by kind and country.
            models.Index(fields=["kind", "country"], name="organisation_kind_country"),
        ]

    def __str__(self):
        return self.name


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


class StoredFile(models.Model):
    """
    A file of the database storage (conference.core.storage.DatabaseStorage):
    uploads and generated exports shared by every web and worker node without
    a shared disk or an object store. Meant for modest files (photos, logos,
    exports of a few megabytes): each is read into memory whole.
    """

    # Unique: the storage's names are its keys; the index (with its
    # pattern-ops twin that PostgreSQL gets for a unique varchar) also serves
    # listdir()'s prefix search.
    name = models.CharField(max_length=1024, unique=True)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self):
        return self.name
