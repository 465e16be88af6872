"""
Per-organisation B2B meeting schedules: when, where, who of the organisation
attends and whom they meet. A closed-door document: organisers get any
organisation's; a delegate only their own meetings.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils.translation import gettext_lazy

from b2b_meetings.models import Meeting, MeetingSeat
from conference.core.models import Organisation
from conference.portal.exports.attendees import CHUNK_SIZE
from conference.portal.exports.columns import DATETIME, TEXT, Column, make_table

MEETING_COLUMNS = [
    Column("starts", gettext_lazy("Starts"), DATETIME, 17, None),
    Column("ends", gettext_lazy("Ends"), DATETIME, 17, None),
    Column("table", gettext_lazy("Table"), TEXT, 10, None),
    Column("room", gettext_lazy("Room"), TEXT, 16, None),
    Column("ours", gettext_lazy("Our delegates"), TEXT, 34, None),
    Column("with", gettext_lazy("Meeting with"), TEXT, 44, None),
]


def organisations_with_meetings(*, conference):
    """Organisations whose delegates sit in active meetings, with how many meetings."""
    return (
        Organisation.objects.filter(
            registrations__conference=conference,
            registrations__meeting_seats__is_active=True,
        )
        .annotate(meeting_count=Count("registrations__meeting_seats__meeting", distinct=True))
        .order_by("name")
    )


def organisation_for_schedule(*, conference, organisation_id):
    """An organisation with delegates at the conference, or None."""
    return (
        Organisation.objects.filter(pk=organisation_id, registrations__conference=conference)
        .distinct()
        .first()
    )


def _person(registration):
    return registration.user.display_name


def organisation_meetings_table(*, conference, organisation, registration=None):
    """
    The active meetings any delegate of `organisation` sits in, in time order.
    With `registration`, only the meetings that delegate sits in: colleagues'
    meetings are not theirs to see.
    """
    seats = MeetingSeat.objects.filter(
        meeting=OuterRef("pk"), is_active=True, registration__organisation=organisation
    )
    if registration is not None:
        seats = seats.filter(registration=registration)
    meetings = (
        Meeting.objects.filter(
            Exists(seats),
            conference=conference,
            status=Meeting.Status.ACTIVE,
        )
        .select_related("slot", "table__room")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.filter(is_active=True)
                .select_related("registration__user", "registration__organisation")
                .order_by("registration__user__family_name", "pk"),
            )
        )
        .order_by("slot__starts_at", "table__label")
    )
    count = meetings.count()

    def rows():
        for meeting in meetings.iterator(chunk_size=CHUNK_SIZE):
            ours, others = [], []
            for seat in meeting.seats.all():
                seated = seat.registration
                if seated.organisation_id == organisation.pk:
                    ours.append(_person(seated))
                elif seated.organisation_id:
                    others.append(f"{_person(seated)} ({seated.organisation.name})")
                else:
                    others.append(_person(seated))
            yield [
                meeting.slot.starts_at,
                meeting.slot.ends_at,
                meeting.table.label,
                str(meeting.table.room.name),
                ", ".join(ours),
                ", ".join(others),
            ]

    return make_table(MEETING_COLUMNS, rows(), count, conference)
