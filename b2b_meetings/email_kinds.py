"""
The meeting and request emails organisers may reword
(`conference.core.email_templates`), registered from `B2BMeetingsConfig.ready`.
Placeholders read the context `services/notifications.py` passes: the
meeting with its slot, table, room and the other participants, or the request.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from b2b_meetings.models import Meeting, MeetingRequest
from b2b_meetings.services.notifications import _meeting_context, person_label
from b2b_meetings.services.requests import request_recipients
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)

SAMPLES = 5


def _slot_time(slot):
    if slot is None:
        return ""
    # In the conference's zone (the zone emails are rendered in), labelled.
    starts_at, ends_at = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    day = formats.date_format(starts_at, _g("l j F Y"))
    return f"{day}, {starts_at:%H:%M}–{ends_at:%H:%M} ({timezone.get_current_timezone_name()})"


def _meeting_place(context):
    table, room = context.get("table"), context.get("room")
    if table is None:
        return ""
    parts = [_g("Table %(table)s") % {"table": table.label}]
    if room is not None:
        parts += [room.name, room.location]
    return ", ".join(part for part in parts if part)


MEETING_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "meeting_time",
        _("The meeting's day and time, with the conference's time zone"),
        lambda c: _slot_time(c.get("slot")),
    ),
    Placeholder("meeting_place", _("The meeting's table and room"), _meeting_place),
    Placeholder(
        "participants",
        _("The other participants: names and organisations"),
        lambda c: ", ".join(person_label(p) for p in c.get("others", [])),
    ),
    Placeholder("agenda", _("The meeting's agenda (may be empty)"), lambda c: c.get("agenda", "")),
    Placeholder(
        "meeting_link",
        _("The link to the meeting's page"),
        lambda c: c.get("meeting_url", ""),
        is_url=True,
    ),
)


def _meeting_samples(*statuses):
    def samples(conference):
        meetings = (
            Meeting.objects.filter(conference=conference, status__in=statuses)
            .select_related("conference", "slot", "table__room", "request")
            .prefetch_related("seats__registration__user", "seats__registration__organisation")
            .order_by("slot__starts_at", "pk")[:SAMPLES]
        )
        found = []
        for meeting in meetings:
            participants = sorted(
                (seat.registration for seat in meeting.seats.all()), key=lambda r: r.pk
            )
            if not participants:
                continue
            registration = participants[0]
            context = _meeting_context(meeting, registration, participants)
            found.append(
                Sample(
                    label=f"{person_label(registration)} · {_slot_time(meeting.slot)}",
                    context={
                        **context,
                        "user": registration.user,
                        "old_slot": meeting.slot,
                        "cancelled_by": None,
                        "reason": "",
                    },
                )
            )
        return found

    return samples


def _request_samples(conference):
    requests = (
        MeetingRequest.objects.filter(conference=conference)
        .select_related(
            "conference",
            "requester__user",
            "requester__organisation",
            "target_registration__user",
            "target_registration__organisation",
            "target_organisation",
        )
        .order_by("-created_at")[:SAMPLES]
    )
    found = []
    for meeting_request in requests:
        recipients = request_recipients(meeting_request)
        if not recipients:
            continue
        registration = recipients[0]
        found.append(
            Sample(
                label=f"{person_label(meeting_request.requester)} → {person_label(registration)}",
                context={
                    "user": registration.user,
                    "request": meeting_request,
                    "registration": registration,
                    "requester": meeting_request.requester,
                    "requests_url": settings.SITE_ROOT
                    + reverse("b2b_meetings:request", args=[conference.slug, meeting_request.pk]),
                    "time_zone": conference.time_zone,
                },
            )
        )
    return found


ACTIVE, CANCELLED = Meeting.Status.ACTIVE, Meeting.Status.CANCELLED

kind_register(
    EmailKind(
        "b2b.b2b_request_received",
        _("Meeting requested"),
        "b2b_request_received",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "requester",
                _("Who asks for the meeting: name and organisation"),
                lambda c: person_label(c["requester"]) if c.get("requester") else "",
            ),
            Placeholder(
                "agenda",
                _("What the requester wants to discuss (may be empty)"),
                lambda c: getattr(c.get("request"), "agenda", ""),
            ),
            Placeholder(
                "request_link",
                _("The link to the request, to accept or decline it"),
                lambda c: c.get("requests_url", ""),
                is_url=True,
            ),
        ),
        _request_samples,
        _("Sent to the person (or the organisation's people) a meeting is requested from."),
    )
)
kind_register(
    EmailKind(
        "b2b.meeting_confirmed",
        _("Meeting booked"),
        "meeting_confirmed",
        MEETING_PLACEHOLDERS,
        _meeting_samples(ACTIVE),
        _("Sent to every participant when a meeting is booked, with its calendar file."),
    )
)
kind_register(
    EmailKind(
        "b2b.meeting_rescheduled",
        _("Meeting moved"),
        "meeting_rescheduled",
        (
            *MEETING_PLACEHOLDERS,
            Placeholder(
                "previous_time",
                _("When the meeting was before the move"),
                lambda c: _slot_time(c.get("old_slot")),
            ),
        ),
        _meeting_samples(ACTIVE),
        _("Sent to every participant when a meeting moves, with its updated calendar file."),
    )
)
kind_register(
    EmailKind(
        "b2b.meeting_cancelled",
        _("Meeting cancelled"),
        "meeting_cancelled",
        (
            *MEETING_PLACEHOLDERS,
            Placeholder(
                "cancelled_by",
                _("Who cancelled (empty when the organisers did)"),
                lambda c: person_label(c["cancelled_by"]) if c.get("cancelled_by") else "",
            ),
            Placeholder(
                "reason", _("The reason given (may be empty)"), lambda c: c.get("reason", "")
            ),
        ),
        _meeting_samples(CANCELLED, ACTIVE),
        _("Sent to the other participants when a meeting is cancelled."),
    )
)
kind_register(
    EmailKind(
        "b2b.meeting_reminder",
        _("Meeting reminder"),
        "meeting_reminder",
        MEETING_PLACEHOLDERS,
        _meeting_samples(ACTIVE),
        _("Sent to every participant shortly before a meeting."),
    )
)
