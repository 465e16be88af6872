"""
The meeting and request emails organisers may reword
(`conference.core.email_templates`), registered from `B2BMeetingsConfig.ready`.
Placeholders read the context the sending code passes: the meeting with its
slot, table, room and the other participants, or the request
(`services/notifications.py`, `services/sweeps.py`); a thread's message
(`services/messages.py`); a person's meetings of a committed schedule
(`scheduler/services/commit.py`); the organisers' proposal to meet
(`matchmaking/proposals.py`).
"""

from django.conf import settings
from django.db.models import Case, Prefetch, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from b2b_meetings.matchmaking.models import MeetingProposal
from b2b_meetings.models import Meeting, MeetingMessage, MeetingRequest, MeetingSeat
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


def _thread_url(conference, message):
    if message.meeting_id is not None:
        return settings.SITE_ROOT + message.meeting.get_absolute_url() + "#thread"
    return (
        settings.SITE_ROOT
        + reverse("b2b_meetings:request", args=[conference.slug, message.request_id])
        + "#thread"
    )


def _message_samples(conference):
    """Recent messages, each with a participant of its thread who did not write it."""
    messages = (
        MeetingMessage.objects.filter(conference=conference)
        .select_related(
            "conference",
            "author__user",
            "author__organisation",
            "meeting__conference",
            *(f"request__{name}" for name in _REQUEST_PEOPLE if name != "conference"),
        )
        .prefetch_related("meeting__seats__registration__user")
        .order_by("-created_at")[:SAMPLES]
    )
    found = []
    for message in messages:
        if message.meeting_id is not None:
            people = [seat.registration for seat in message.meeting.seats.all()]
        else:
            request = message.request
            people = [request.requester, request.responded_by, request.target_registration]
        registration = next(
            (p for p in people if p is not None and p.pk != message.author_id), None
        )
        if registration is None:
            continue
        found.append(
            Sample(
                label=f"{_author(message.author)} → {person_label(registration)}",
                context={
                    "user": registration.user,
                    "registration": registration,
                    "author": message.author,
                    "message": message,
                    "thread_url": _thread_url(conference, message),
                },
            )
        )
    return found


def _author(author):
    return person_label(author) if author is not None else _g("The organisers")


kind_register(
    EmailKind(
        "b2b.message",
        _("Message about a meeting"),
        "b2b_message",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "author",
                _("Who wrote: name and organisation, or “The organisers”"),
                lambda c: _author(c.get("author")) if c.get("message") else "",
            ),
            Placeholder(
                "message",
                _("The message as written"),
                lambda c: getattr(c.get("message"), "body", ""),
            ),
            Placeholder(
                "thread_link",
                _("The link to read and answer the message on the portal"),
                lambda c: c.get("thread_url", ""),
                is_url=True,
            ),
        ),
        _message_samples,
        _(
            "Sent to the other participants of a meeting or request when someone writes "
            "in its thread."
        ),
    )
)


def _schedule_line(line):
    meeting = line["meeting"]
    room = meeting.table.room
    place = ", ".join(
        part
        for part in (_g("Table %(table)s") % {"table": meeting.table.label}, str(room.name))
        if part
    )
    others = "; ".join(person_label(p) for p in line["others"])
    text = f"- {_slot_time(meeting.slot)} · {place} · {_g('with')} {others}"
    return text + (f" ({_g('moved')})" if line["moved"] else "")


def _schedule_samples(conference):
    """People with scheduled meetings, each with all their meetings (none shown as moved)."""
    seats = MeetingSeat.objects.filter(
        meeting__conference=conference, meeting__status=Meeting.Status.ACTIVE, is_active=True
    )
    chosen = list(
        seats.order_by("registration_id")
        .values_list("registration_id", flat=True)
        .distinct()[:SAMPLES]
    )
    by_person = {}
    for seat in (
        seats.filter(registration_id__in=chosen)
        .select_related(
            "registration__user",
            "registration__organisation",
            "meeting__slot",
            "meeting__table__room",
        )
        .prefetch_related(
            Prefetch(
                "meeting__seats",
                MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ),
            )
        )
        .order_by("registration_id", "meeting__slot__starts_at")
    ):
        registration, meeting = seat.registration, seat.meeting
        meeting.conference = conference
        others = [
            s.registration for s in meeting.seats.all() if s.registration_id != seat.registration_id
        ]
        by_person.setdefault(registration.pk, (registration, []))[1].append(
            {
                "meeting": meeting,
                "moved": False,
                "others": others,
                "url": settings.SITE_ROOT + meeting.get_absolute_url(),
            }
        )
    url = settings.SITE_ROOT + reverse("sessions_app:my_schedule", args=[conference.slug])
    return [
        Sample(
            label=f"{person_label(registration)} · "
            + ngettext("%(n)s meeting", "%(n)s meetings", len(lines)) % {"n": len(lines)},
            context={
                "user": registration.user,
                "registration": registration,
                "lines": lines,
                "new_count": len(lines),
                "moved_count": 0,
                "time_zone": conference.time_zone,
                "meetings_url": url,
            },
        )
        for registration, lines in by_person.values()
    ]


kind_register(
    EmailKind(
        "b2b.schedule_committed",
        _("B2B schedule"),
        "b2b_schedule_committed",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "meetings",
                _(
                    "The recipient's new and moved meetings, one per line: day and time with the "
                    "conference's time zone, table and room, the other participants"
                ),
                lambda c: "\n".join(_schedule_line(line) for line in c.get("lines", [])),
            ),
            Placeholder(
                "meeting_count",
                _("How many meetings the email lists"),
                lambda c: len(c.get("lines", [])),
            ),
            Placeholder(
                "my_schedule_link",
                _("The link to the recipient's schedule"),
                lambda c: c.get("meetings_url", ""),
                is_url=True,
            ),
        ),
        _schedule_samples,
        _(
            "Sent to each person with new or moved meetings when the organisers commit the "
            "auto-scheduler's plan, with a calendar file of them all."
        ),
    )
)


def _proposal_samples(*statuses):
    def samples(conference):
        proposals = (
            MeetingProposal.objects.filter(conference=conference)
            .select_related(
                "first__user", "first__organisation", "second__user", "second__organisation"
            )
            .order_by(Case(When(status__in=statuses, then=0), default=1), "-created_at")[:SAMPLES]
        )
        return [
            Sample(
                label=f"{person_label(proposal.first)} · {person_label(proposal.second)}",
                context={
                    "user": proposal.first.user,
                    "registration": proposal.first,
                    "other": proposal.second,
                    "proposal": proposal,
                    "proposal_url": settings.SITE_ROOT
                    + reverse("b2b_meetings:proposal", args=[conference.slug, proposal.pk]),
                },
            )
            for proposal in proposals
        ]

    return samples


PROPOSAL_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "other",
        _("Whom the organisers suggest meeting: name and organisation"),
        lambda c: person_label(c["other"]) if c.get("other") else "",
    ),
    Placeholder(
        "note",
        _("Why the organisers suggest it (may be empty)"),
        lambda c: getattr(c.get("proposal"), "note", ""),
    ),
    Placeholder(
        "proposal_link",
        _("The link to accept or decline the suggestion"),
        lambda c: c.get("proposal_url", ""),
        is_url=True,
    ),
)
kind_register(
    EmailKind(
        "b2b.b2b_proposal",
        _("Suggested meeting"),
        "b2b_proposal",
        PROPOSAL_PLACEHOLDERS,
        _proposal_samples(MeetingProposal.Status.OPEN),
        _("Sent to both delegates when the organisers suggest they meet."),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_proposal_accepted",
        _("Suggested meeting accepted by both"),
        "b2b_proposal_accepted",
        PROPOSAL_PLACEHOLDERS,
        _proposal_samples(MeetingProposal.Status.ACCEPTED),
        _("Sent to both delegates once both accept the organisers' suggestion."),
    )
)
