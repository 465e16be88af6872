import uuid

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Func
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.db import CounterFieldsMixin, PostgresExclusionConstraint
from conference.core.models import Conference, Organisation, Room
from sessions_app.models import Session


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class MeetingSlot(models.Model):
    """A time in which B2B meetings run; slots of one conference never overlap."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="meeting_slots"
    )
    block = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_slots",
        help_text=_("The B2B block of the agenda this slot belongs to."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # For API clients that sync with updated_since.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="slot_ends_after_it_starts",
            ),
            PostgresExclusionConstraint(
                name="slot_no_overlap",
                expressions=[
                    ("conference", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"


class Table(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="tables")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="tables")
    label = models.CharField(_("label"), max_length=50)
    seats = models.PositiveSmallIntegerField(_("seats"), default=4)
    is_active = models.BooleanField(_("in use"), default=True)
    # For API clients that sync with updated_since (written by every change, update() too).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["room__position", "label"]
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        constraints = [
            models.UniqueConstraint(fields=["conference", "label"], name="table_label_unique"),
        ]

    def __str__(self):
        return self.label


class Unavailability(models.Model):
    """A delegate has marked a slot as unavailable."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="unavailabilities"
    )
    slot = models.ForeignKey(MeetingSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailabilities")
        constraints = [
            models.UniqueConstraint(fields=["registration", "slot"], name="unavailability_unique"),
        ]

    def __str__(self):
        return f"{self.registration} unavailable {self.slot}"


class MeetingRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        # Accepted, and the organisers' auto-scheduler will find the time.
        SCHEDULING = "scheduling", _("Accepted, time to be set")

    class Priority(models.IntegerChoices):
        """A meeting wish, as b2match runs pre-scheduled events."""

        IF_TIME = 1, _("If time allows")
        WOULD_LIKE = 2, _("Would like to meet")
        MUST = 3, _("Must meet")

    # Statuses in which a request still stands between its two sides.
    OPEN_STATUSES = (Status.PENDING, Status.SCHEDULING)

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="meeting_requests"
    )
    requester = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_sent"
    )
    # The request goes to a named delegate, or to an organisation (any of its
    # consenting delegates may answer).
    target_registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requests_received",
    )
    target_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_requests",
    )
    agenda = models.TextField(_("agenda"), max_length=1000, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.WOULD_LIKE
    )
    # The other side's wish: set when they asked for the same meeting
    # (mutual requests) or gave one when accepting it to be scheduled.
    counter_priority = models.PositiveSmallIntegerField(
        _("their priority"), choices=Priority.choices, null=True, blank=True
    )
    # The request the other way round between the same people, when both
    # asked: answering either settles both.
    linked = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("joined with"),
    )
    # Up to three times the requester proposed, from those both have free.
    proposed_slots = models.ManyToManyField(
        "MeetingSlot", blank=True, related_name="+", verbose_name=_("proposed times")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    responded_by = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        target_registration__isnull=False,
                        target_organisation__isnull=True,
                    )
                    | models.Q(
                        target_registration__isnull=True,
                        target_organisation__isnull=False,
                    )
                ),
                name="request_has_one_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(target_registration=models.F("requester")),
                name="request_not_to_self",
            ),
            models.UniqueConstraint(
                fields=["requester", "target_registration"],
                condition=models.Q(status__in=["pending", "scheduling"]),
                name="request_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["requester", "target_organisation"],
                condition=models.Q(status__in=["pending", "scheduling"]),
                name="request_one_open_per_organisation",
            ),
        ]
        indexes = [
            # The expiry sweep: pending requests by deadline.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="pending"),
                name="request_pending_expiry",
            ),
            # The scheduler's input: the requests accepted to be scheduled.
            models.Index(
                fields=["conference"],
                condition=models.Q(status="scheduling"),
                name="request_scheduling",
            ),
        ]

    def __str__(self):
        target = self.target_registration or self.target_organisation
        return f"{self.requester} → {target} ({self.get_status_display()})"


class Meeting(CounterFieldsMixin, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="meetings")
    request = models.ForeignKey(
        MeetingRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
    )
    slot = models.ForeignKey(MeetingSlot, on_delete=models.PROTECT, related_name="meetings")
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="meetings")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    locked = models.BooleanField(
        _("locked"),
        default=False,
        help_text=_("The scheduler never moves a locked meeting."),
    )
    note = models.TextField(_("agenda note"), blank=True)
    # Calendar identity: a rescheduled meeting keeps its UID; SEQUENCE grows.
    ics_uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    # Raised by every move and cancellation, under the meeting's lock.
    counter_fields = ("sequence",)

    class Meta:
        ordering = ["slot__starts_at", "table__label"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["table", "slot"],
                condition=models.Q(status="active"),
                name="meeting_one_per_table_and_slot",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="active"),
                name="meeting_one_active_per_request",
            ),
        ]
        indexes = [
            # The API's list: one conference's meetings in (updated_at, id) order.
            models.Index(fields=["conference", "updated_at", "id"], name="meeting_conf_updated"),
        ]

    def __str__(self):
        return f"Meeting {self.pk} @ {self.slot} {self.table}"

    def get_absolute_url(self):
        return reverse("b2b_meetings:meeting", args=[self.conference.slug, self.pk])


class MeetingSeat(models.Model):
    """
    One participant of a meeting in its slot. Copies the slot and the active
    flag of its meeting so that the database can refuse a person in two active
    meetings at once.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="meeting_seats"
    )
    slot = models.ForeignKey(MeetingSlot, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("meeting seat")
        verbose_name_plural = _("meeting seats")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "slot"],
                condition=models.Q(is_active=True),
                name="seat_one_active_meeting_per_person_and_slot",
            ),
            models.UniqueConstraint(
                fields=["meeting", "registration"], name="seat_once_per_meeting"
            ),
        ]

    def __str__(self):
        return f"{self.registration} in meeting {self.meeting_id}"


class MeetingFeedback(models.Model):
    """A participant's private feedback on a meeting; only organisers read it."""

    class Outcome(models.TextChoices):
        TOOK_PLACE = "took_place", _("Took place")
        DID_NOT_TAKE_PLACE = "no_show", _("Did not take place")
        COOPERATION = "cooperation", _("Cooperation possible")
        NOT_A_FIT = "not_a_fit", _("Not a fit")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="feedback")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("private note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting feedback")
        verbose_name_plural = _("meeting feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "registration"], name="feedback_once_per_participant"
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.meeting_id})"


class MeetingMessage(models.Model):
    """
    A message in the thread of a meeting request, or of a meeting booked
    without one. Only the participants and the organisers read a thread; a
    meeting from a request shares the request's thread.
    """

    MAX_LENGTH = 2000

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        MeetingRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    # A delegate writes as their registration; an organiser as themselves.
    author = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=False, meeting__isnull=True)
                | models.Q(request__isnull=True, meeting__isnull=False),
                name="message_in_one_thread",
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="message_not_empty"),
        ]
        indexes = [
            # The rate limit: an author's latest messages.
            models.Index(fields=["author_user", "-created_at"], name="message_author_recent"),
        ]

    def __str__(self):
        return f"Message {self.pk}"


# The matchmaking models live beside their code (b2b_meetings/matchmaking/).
from b2b_meetings.matchmaking.models import (  # noqa: E402
    DelegateProfile,
    MatchmakingSettings,
    MeetingProposal,
    OrganisationTopics,
    Suggestion,
    SuggestionDismissal,
    Topic,
)

__all__ = [
    "DelegateProfile",
    "MatchmakingSettings",
    "Meeting",
    "MeetingFeedback",
    "MeetingMessage",
    "MeetingProposal",
    "MeetingRequest",
    "MeetingSeat",
    "MeetingSlot",
    "OrganisationTopics",
    "Suggestion",
    "SuggestionDismissal",
    "Table",
    "Topic",
    "TsTzRange",
    "Unavailability",
]
