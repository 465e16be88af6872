"""
Meeting and request emails, and the meeting's calendar file.

Every email goes through the outbox (`conference.core.services.email_queue`,
or `email_queue_many` for a meeting's participants: one insert, one delivery
task), written in the transaction that causes it, with dedup keys that make
retries and repeated sweeps harmless. Closed door: meeting emails go only to
the meeting's participants, and each one's calendar file names only its
recipient as attendee.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from b2b_meetings.models import Meeting
from conference.core.calendar import CalendarEvent, ics_calendar
from conference.core.services import email_queue, email_queue_many


def person_label(registration):
    """ "Name (Organisation)": how emails, calendar files and the audit log name a person."""
    name = registration.user.display_name
    if registration.organisation_id:
        return f"{name} ({registration.organisation.name})"
    return name


def _meeting_context(meeting, registration, participants):
    others = [p for p in participants if p.pk != registration.pk]
    return {
        "meeting": meeting,
        "registration": registration,
        "others": others,
        "slot": meeting.slot,
        "table": meeting.table,
        "room": meeting.table.room,
        "agenda": meeting.request.agenda if meeting.request_id else "",
        "meeting_url": settings.SITE_ROOT + meeting.get_absolute_url(),
        "time_zone": meeting.conference.time_zone,
    }


def meeting_ics(meeting, participants, *, method="REQUEST", cancelled=False, recipient=None):
    """
    The meeting as an iCalendar invitation: its UID never changes, SEQUENCE
    grows with every change, so calendars update the one event in place.
    With `recipient` (a participant's copy) that person is the only ATTENDEE:
    the others are named in the summary, but their email addresses are not
    theirs to learn (the directory shows only the contact they chose).
    """
    conference = meeting.conference
    names = " · ".join(person_label(p) for p in participants)
    room = meeting.table.room
    location = ", ".join(
        part
        for part in [
            _("Table %(table)s") % {"table": meeting.table.label},
            str(room.name),
            room.location,
            conference.venue,
        ]
        if part
    )
    event = CalendarEvent(
        uid=str(meeting.ics_uid),
        starts_at=meeting.slot.starts_at,
        ends_at=meeting.slot.ends_at,
        summary=_("B2B meeting: %(names)s") % {"names": names},
        sequence=meeting.sequence,
        description=(meeting.request.agenda if meeting.request_id else "") or meeting.note,
        location=location,
        url=settings.SITE_ROOT + meeting.get_absolute_url(),
        cancelled=cancelled,
        last_modified=timezone.now(),
        attendees=[
            (p.user.email, p.user.display_name)
            for p in ([recipient] if recipient is not None else participants)
        ],
        organizer=(
            conference.contact_email or settings.DEFAULT_FROM_EMAIL,
            conference.sender_name or str(conference.name),
        ),
    )
    return ics_calendar(
        name=str(conference.name), time_zone=conference.time_zone, events=[event], method=method
    ).decode()


def _meeting_participants(meeting):
    return [
        seat.registration
        for seat in meeting.seats.select_related("registration__user", "registration__organisation")
        .order_by("registration_id")
        .all()
    ]


def _email_meeting(meeting, participants, template, *, recipients=None, extra=None):
    """
    One email per recipient (default: every participant) about `meeting`, with
    the recipient's own calendar file: REQUEST for a booking or a move, CANCEL
    for a cancellation. The dedup key names the meeting's SEQUENCE, so each
    change is sent once per person. The rows are written with one insert and
    delivered by one task (`email_queue_many`): this runs inside every
    booking's locks.
    """
    cancelled = meeting.status == Meeting.Status.CANCELLED
    conference = meeting.conference
    messages = []
    for registration in recipients if recipients is not None else participants:
        user = registration.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            ics = meeting_ics(
                meeting,
                participants,
                method="CANCEL" if cancelled else "REQUEST",
                cancelled=cancelled,
                recipient=registration,
            )
        messages.append(
            {
                "recipient": user.email,
                "template": template,
                "context": {
                    **_meeting_context(meeting, registration, participants),
                    **(extra or {}),
                },
                "kind": f"b2b.{template}",
                "dedup_key": f"b2b:meeting:{meeting.pk}:seq:{meeting.sequence}:{registration.pk}",
                "user": user,
                "ics": ics,
            }
        )
    if messages:
        with timezone.override(conference.tz):
            email_queue_many(messages=messages, conference=conference)


def _email_request(meeting_request, template, recipients, extra=None):
    """One email per recipient about `meeting_request`, once per request, template and person."""
    conference = meeting_request.conference
    for registration in recipients:
        with timezone.override(conference.tz):
            email_queue(
                recipient=registration.user.email,
                template=template,
                context={
                    "request": meeting_request,
                    "registration": registration,
                    "requester": meeting_request.requester,
                    "requests_url": settings.SITE_ROOT
                    + reverse("b2b_meetings:request", args=[conference.slug, meeting_request.pk]),
                    "time_zone": conference.time_zone,
                    **(extra or {}),
                },
                kind=f"b2b.{template}",
                dedup_key=f"b2b:request:{meeting_request.pk}:{template}:{registration.pk}",
                conference=conference,
                user=registration.user,
            )
