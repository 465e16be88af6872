"""
The meeting request and meeting emails organisers may reword: a request
received, accepted, declined, expired or withdrawn; a meeting booked,
moved, cancelled, its reminder and the feedback request. Placeholders read
the context the sending code passes: the meeting with its slot, table, room
and the other participants, or the request (`services/notifications.py`,
`services/sweeps.py`). The samples' helpers here are shared with the other
modules of the package.
"""

from django.conf import settings
from django.db.models import Case, When
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
        parts += [str(room.name), room.location]
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


_REQUEST_PEOPLE = (
    "conference",
    "requester__user",
    "requester__organisation",
    "target_registration__user",
    "target_registration__organisation",
    "target_organisation",
    "responded_by__user",
    "responded_by__organisation",
)


def _request_samples(*statuses, to_requester=False):
    """
    Recent requests (in `statuses` first), each with the person its email
    goes to: whom it asks (the first of an organisation's people), or, with
    `to_requester`, who sent it; an answer's responder is whoever answered,
    or else whom it asks.
    """

    def samples(conference):
        requests = MeetingRequest.objects.filter(conference=conference).select_related(
            *_REQUEST_PEOPLE
        )
        if statuses:
            requests = requests.order_by(
                Case(When(status__in=statuses, then=0), default=1), "-created_at"
            )
        else:
            requests = requests.order_by("-created_at")
        found = []
        for meeting_request in requests[:SAMPLES]:
            if to_requester:
                registration = meeting_request.requester
            else:
                recipients = request_recipients(meeting_request)
                if not recipients:
                    continue
                registration = recipients[0]
            responder = meeting_request.responded_by or meeting_request.target_registration
            found.append(
                Sample(
                    label=f"{person_label(meeting_request.requester)} → "
                    f"{_requested(meeting_request)} · {person_label(registration)}",
                    context={
                        "user": registration.user,
                        "request": meeting_request,
                        "registration": registration,
                        "requester": meeting_request.requester,
                        "responder": responder,
                        "requests_url": settings.SITE_ROOT
                        + reverse(
                            "b2b_meetings:request", args=[conference.slug, meeting_request.pk]
                        ),
                        "time_zone": conference.time_zone,
                    },
                )
            )
        return found

    return samples


def _requested(meeting_request):
    if meeting_request is None:
        return ""
    if meeting_request.target_registration_id:
        return person_label(meeting_request.target_registration)
    return getattr(meeting_request.target_organisation, "name", "")


REQUEST_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "requester",
        _("Who asked for the meeting: name and organisation"),
        lambda c: person_label(c["requester"]) if c.get("requester") else "",
    ),
    Placeholder(
        "requested",
        _("Whom the meeting was asked of: a delegate and their organisation, or an organisation"),
        lambda c: _requested(c.get("request")),
    ),
    Placeholder(
        "agenda",
        _("What the requester wants to discuss (may be empty)"),
        lambda c: getattr(c.get("request"), "agenda", ""),
    ),
    Placeholder(
        "request_link",
        _("The link to the request on the portal"),
        lambda c: c.get("requests_url", ""),
        is_url=True,
    ),
)
RESPONDER = Placeholder(
    "responder",
    _("Who answered: name and organisation"),
    lambda c: person_label(c["responder"]) if c.get("responder") else "",
)


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
        _request_samples(MeetingRequest.Status.PENDING),
        _("Sent to the person (or the organisation's people) a meeting is requested from."),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_request_accepted_to_schedule",
        _("Meeting request accepted"),
        "b2b_request_accepted_to_schedule",
        (*REQUEST_PLACEHOLDERS, RESPONDER),
        _request_samples(MeetingRequest.Status.SCHEDULING, to_requester=True),
        _(
            "Sent to the requester when the other side accepts and leaves the time to the "
            "organisers' scheduler."
        ),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_request_declined",
        _("Meeting request declined"),
        "b2b_request_declined",
        (
            *REQUEST_PLACEHOLDERS,
            RESPONDER,
            Placeholder(
                "reason",
                _("The reason given (may be empty)"),
                lambda c: getattr(c.get("request"), "decline_reason", ""),
            ),
        ),
        _request_samples(MeetingRequest.Status.DECLINED, to_requester=True),
        _("Sent to the requester when the other side declines."),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_request_expired",
        _("Meeting request expired"),
        "b2b_request_expired",
        REQUEST_PLACEHOLDERS,
        _request_samples(MeetingRequest.Status.EXPIRED, to_requester=True),
        _("Sent to the requester when nobody answered a request in time."),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_request_withdrawn",
        _("Meeting request withdrawn"),
        "b2b_request_withdrawn",
        REQUEST_PLACEHOLDERS,
        _request_samples(MeetingRequest.Status.CANCELLED),
        _("Sent to the people a request was addressed to when its sender withdraws it."),
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
kind_register(
    EmailKind(
        "b2b.meeting_feedback",
        _("Meeting feedback request"),
        "meeting_feedback",
        MEETING_PLACEHOLDERS,
        _meeting_samples(ACTIVE),
        _(
            "Sent to each participant after a meeting, asking whether it took place; "
            "the answers are for the organisers only."
        ),
    )
)
