"""
B2B meetings in the agenda: this app's answers to the extension points of a
delegate's schedule (`sessions_app.schedule`), so that "my schedule", the
personal calendar feed, the clashes shown before a sign-up and the agenda
builder's speaker conflicts show meetings without the agenda importing this
app. Connected when the app is ready (`B2BMeetingsConfig.ready`).
"""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext

from b2b_meetings.models import Meeting, MeetingSeat
from b2b_meetings.selectors import meeting_list_for_registration
from sessions_app.schedule import BusyTime, ScheduleEntry, busy_times, schedule_entries

# The agenda builder's conflict code for a speaker in a meeting during their session.
CONFLICT_CODE = "b2b"


def meeting_others(*, meeting, registration):
    """The other participants of a meeting (prefetched seats), as display strings."""
    people = []
    for seat in meeting.seats.all():
        if seat.registration_id == registration.pk:
            continue
        person = seat.registration.user.display_name
        if seat.registration.organisation_id:
            person = f"{person} ({seat.registration.organisation.name})"
        people.append(person)
    return people


def meeting_title(*, meeting, registration):
    others = meeting_others(meeting=meeting, registration=registration)
    if not others:
        return gettext("B2B meeting")
    return gettext("B2B meeting with %(people)s") % {"people": ", ".join(others)}


def _meeting_url(meeting, registration):
    return reverse("b2b_meetings:meeting", args=[registration.conference.slug, meeting.pk])


# Reversed only when a page shows the link ("my schedule"); the clashes before
# a sign-up and the calendar feed never read the registration's conference for it.
_meeting_url_lazy = lazy(_meeting_url, str)


@receiver(schedule_entries, dispatch_uid="b2b_meetings.schedule.meeting_entries")
def meeting_entries(
    sender, *, registration, starts_at=None, ends_at=None, include_cancelled=False, **kwargs
):
    """
    The meetings `registration` sits in (overlapping the window, when given),
    with slot, table and the other participants: three queries whatever their
    number (meetings, seats, and the conference once if a link is shown).
    """
    meetings = meeting_list_for_registration(
        registration=registration, include_cancelled=include_cancelled
    )
    if starts_at is not None:
        meetings = meetings.filter(slot__ends_at__gt=starts_at)
    if ends_at is not None:
        meetings = meetings.filter(slot__starts_at__lt=ends_at)
    entries = []
    for meeting in meetings:
        table = meeting.table
        entries.append(
            ScheduleEntry(
                kind="meeting",
                id=meeting.pk,
                title=meeting_title(meeting=meeting, registration=registration),
                starts_at=meeting.slot.starts_at,
                ends_at=meeting.slot.ends_at,
                where=f"{table.room.name} · {table.label}" if table.room_id else table.label,
                status=meeting.status,
                cancelled=meeting.status == Meeting.Status.CANCELLED,
                people=meeting_others(meeting=meeting, registration=registration),
                note=meeting.note,
                url=_meeting_url_lazy(meeting, registration),
                # The same UID as the meeting's emailed invitations, so that a
                # calendar holding both shows one event.
                uid=str(meeting.ics_uid),
                sequence=meeting.sequence,
                category=gettext("B2B meeting"),
                updated_at=meeting.updated_at,
            )
        )
    return entries


@receiver(busy_times, dispatch_uid="b2b_meetings.schedule.meeting_busy_times")
def meeting_busy_times(sender, *, conference, registration_ids, **kwargs):
    """The active meetings of `registration_ids`, one query."""
    seats = MeetingSeat.objects.filter(
        registration_id__in=registration_ids, is_active=True
    ).select_related("slot")
    return [
        BusyTime(
            registration_id=seat.registration_id,
            starts_at=seat.slot.starts_at,
            ends_at=seat.slot.ends_at,
            code=CONFLICT_CODE,
            ref=seat.meeting_id,
        )
        for seat in seats
    ]
