import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from conference.core.db import CounterFieldsMixin
from conference.core.models import Conference, Organisation, OrganisationKind, Role

# The kind of `conference.core.models.Job` that emails a conference's queued
# invitations (written by the services, listed by the selectors).
JOB_INVITATIONS_SEND = "invitations.send"


def new_token():
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def new_badge_code():
    """A badge code short enough for a QR code and for typing at the gate."""
    return secrets.token_hex(8).upper()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


def display_name_of(*, given_name, family_name, family_name_first, email):
    """A person's name as the portal shows it (User.display_name), from plain values."""
    parts = [given_name, family_name]
    if family_name_first:
        parts.reverse()
    return " ".join(part for part in parts if part) or email


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; it is stored in lower case."""

    email = models.EmailField(_("email address"), unique=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    family_name_first = models.BooleanField(
        _("show my family name first"),
        default=False,
        help_text=_("For example 佐藤 花子 (Sato Hanako) rather than Hanako Sato."),
    )
    # Empty until chosen (the language switcher) or first seen at login: then
    # the browser's language applies, and emails use the site's default.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    time_zone = models.CharField(
        _("my time zone"),
        max_length=64,
        blank=True,
        help_text=_("Leave empty to see times in the conference's time zone."),
    )
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["family_name", "given_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.display_name

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def display_name(self):
        return display_name_of(
            given_name=self.given_name,
            family_name=self.family_name,
            family_name_first=self.family_name_first,
            email=self.email,
        )

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.given_name or self.email


class Invitation(CounterFieldsMixin, models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    # Statuses in which an invitation can still be used.
    LIVE_STATUSES = [Status.QUEUED, Status.SENT, Status.OPENED]

    class InvitedRole(models.TextChoices):
        DELEGATE = "delegate", _("Delegate")
        ORGANISER = "organiser", _("Organiser")
        SECURITY = "security", _("Security officer")
        CHECKIN = "checkin", _("Check-in staff")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=InvitedRole.choices,
        default=InvitedRole.DELEGATE,
    )
    # Invitees have no account yet: the organiser says which language their
    # invitation and reminder are written in; it becomes the new account's.
    language = models.CharField(
        _("language of the emails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    # Times the invitation email was queued (first send and resends): part of
    # each email's dedup key, so a resend is a new message and a retry is not.
    send_count = models.PositiveSmallIntegerField(_("emails sent"), default=0)
    # Every service that changes an invitation writes this too (also with
    # update() or update_fields), so API clients can sync with updated_since.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Raised by the send services under the invitation's lock (or with F()).
    counter_fields = ("send_count",)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                "conference",
                Lower("email"),
                condition=models.Q(status__in=["queued", "sent", "opened"]),
                name="invitation_one_live_per_email",
            ),
        ]
        indexes = [
            # The invitations page: one conference's invitations by status.
            models.Index(fields=["conference", "status"], name="invitation_conf_status"),
            # The expiry and reminder sweep: live invitations by expiry time.
            models.Index(
                fields=["expires_at"],
                name="invitation_live_expiry",
                condition=models.Q(status__in=["queued", "sent", "opened"]),
            ),
            # The API's list: one conference's invitations in (updated_at, id) order.
            models.Index(fields=["conference", "updated_at", "id"], name="invitation_conf_updated"),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("invitation", args=[self.token])

    @staticmethod
    def email_dedup_key(pk, number):
        """The outbox dedup key of the invitation's `number`th email."""
        return f"invitation:{pk}:send:{number}"

    def is_usable(self, now=None):
        """Live and not past its expiry (the sweep may not have marked it yet)."""
        now = now or timezone.now()
        expired = self.expires_at is not None and self.expires_at <= now
        return self.status in self.LIVE_STATUSES and not expired


class Registration(models.Model):
    """A person at a conference. Delegate = an approved registration."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        WAITLISTED = "waitlisted", _("Waiting list")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class IdDocumentType(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        NATIONAL_ID = "national_id", _("National ID card")
        DIPLOMATIC = "diplomatic", _("Diplomatic passport")
        OTHER = "other", _("Other")

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    is_vip = models.BooleanField(_("VIP (protocol)"), default=False)

    # Read only by the security role; erased after the retention period.
    id_document_type = models.CharField(
        _("ID document type"), max_length=20, choices=IdDocumentType.choices, blank=True
    )
    id_document_number = models.CharField(_("ID document number"), max_length=50, blank=True)
    id_document_expiry = models.DateField(_("ID document expiry"), null=True, blank=True)
    id_data_erased_at = models.DateTimeField(_("ID data erased"), null=True, blank=True)

    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True)
    access_needs = models.CharField(_("access needs"), max_length=300, blank=True)
    directory_consent = models.BooleanField(_("appear in the B2B directory"), default=False)
    directory_contact = models.CharField(
        _("contact details shown in the directory"), max_length=200, blank=True
    )
    privacy_accepted_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    badge_code = models.CharField(
        _("badge code"),
        max_length=32,
        unique=True,
        default=new_badge_code,
        editable=False,
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    deletion_requested_at = models.DateTimeField(_("deletion requested"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "user"], name="registration_one_per_conference"
            ),
        ]
        indexes = [
            # Staff lists and exports: one conference's registrations by status.
            models.Index(fields=["conference", "status"], name="registration_conf_status"),
            # The API's lists (registrations, check-ins): (updated_at, id) order.
            models.Index(
                fields=["conference", "updated_at", "id"], name="registration_conf_updated"
            ),
            # The organisers' registrations list: newest first, 50 to a page
            # (read backwards, then stopped at the page instead of sorting them all).
            models.Index(
                fields=["conference", "created_at", "id"], name="registration_conf_created"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.conference}"

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @property
    def organisation_kind_label(self):
        if self.organisation_id is None:
            return ""
        return OrganisationKind(self.organisation.kind).label


# Custom registration questions ----------------------------------------------------------


class RegistrationQuestion(models.Model):
    """
    A question the organisers add to a conference's registration form, in
    English and Japanese. Once answered it is retired (inactive) rather than
    deleted: its answers keep what was asked (`RegistrationAnswer`).
    """

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        YES_NO = "yes_no", _("Yes / no")
        DATE = "date", _("Date")
        COUNTRY = "country", _("Country")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)

    class Readers(models.TextChoices):
        """Which staff roles may read the answers (the delegate always reads their own)."""

        ORGANISERS = "organisers", _("Organisers")
        ORGANISERS_SECURITY = "organisers_security", _("Organisers and security officers")
        ORGANISERS_CHECKIN = "organisers_checkin", _("Organisers and check-in staff")
        SECURITY = "security", _("Security officers only")

    # The staff roles of each choice.
    READER_ROLES = {
        Readers.ORGANISERS: frozenset({Role.ORGANISER}),
        Readers.ORGANISERS_SECURITY: frozenset({Role.ORGANISER, Role.SECURITY}),
        Readers.ORGANISERS_CHECKIN: frozenset({Role.ORGANISER, Role.CHECKIN}),
        Readers.SECURITY: frozenset({Role.SECURITY}),
    }

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="registration_questions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label_en = models.CharField(_("question (English)"), max_length=300)
    label_ja = models.CharField(_("question (Japanese)"), max_length=300)
    help_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    help_ja = models.CharField(_("help text (Japanese)"), max_length=500, blank=True)
    # [{"key": "visa", "en": "Visa letter", "ja": "ビザ"}, ...]: the key is what an
    # answer stores, so a label can change without rewriting answers.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    visible_to = models.CharField(
        _("who may read the answers"),
        max_length=24,
        choices=Readers.choices,
        default=Readers.ORGANISERS,
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("asked"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        constraints = [
            # The reader check maps these values to roles; any other value would
            # hide the answers from everyone (or, worse, be read as organisers).
            models.CheckConstraint(
                condition=models.Q(
                    visible_to__in=[
                        "organisers",
                        "organisers_security",
                        "organisers_checkin",
                        "security",
                    ]
                ),
                name="registration_question_visible_to_known",
            ),
        ]
        indexes = [
            # The registration form and the questions page: one conference's
            # questions in order.
            models.Index(fields=["conference", "position"], name="registration_question_order"),
        ]

    def __str__(self):
        return self.label_en

    def label(self, language):
        return self.label_ja if language == "ja" and self.label_ja else self.label_en

    def help_text(self, language):
        return self.help_ja if language == "ja" and self.help_ja else self.help_en

    def choice_labels(self, language):
        """[(key, label)] of the choices in `language` (English when no Japanese is given)."""
        other = "ja" if language == "ja" else "en"
        return [(c["key"], c.get(other) or c["en"]) for c in self.choices]

    @property
    def reader_roles(self):
        return self.READER_ROLES[self.visible_to]

    def readable_by(self, roles):
        """Whether staff holding `roles` (Role values) may read the answers."""
        return bool(self.reader_roles & set(roles))


class RegistrationAnswer(models.Model):
    """
    A delegate's answer to a registration question. `value` is what the form
    holds (text, a choice key or keys, true/false, an ISO date, a country
    code); the `*_en`/`*_ja` fields are what was asked and answered as shown
    at the time, so changing the question or a choice later does not rewrite
    the answer.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="answers")
    # RESTRICT: an answered question is retired, never deleted on its own (deleting
    # the whole conference, which deletes the answers too, still works).
    question = models.ForeignKey(
        RegistrationQuestion, on_delete=models.RESTRICT, related_name="answers"
    )
    value = models.JSONField(_("value"))
    question_en = models.CharField(_("question asked (English)"), max_length=300)
    question_ja = models.CharField(_("question asked (Japanese)"), max_length=300)
    answer_en = models.TextField(_("answer (English)"))
    answer_ja = models.TextField(_("answer (Japanese)"))
    answered_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("registration answer")
        verbose_name_plural = _("registration answers")
        constraints = [
            # One answer per person and question: the form's save replaces it,
            # and an export column reads exactly one value per registration.
            models.UniqueConstraint(
                fields=["registration", "question"], name="registration_answer_one_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.question_en}: {self.answer_en}"

    def question_label(self, language):
        return self.question_ja if language == "ja" else self.question_en

    def display(self, language):
        return self.answer_ja if language == "ja" else self.answer_en
