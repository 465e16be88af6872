"""What the delegates' and the organisers' B2B pages share."""

import itertools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRefresh

from b2b_meetings import selectors
from b2b_meetings.forms import (
    AcceptToScheduleForm,
    CancelForm,
    DeclineForm,
    FeedbackForm,
    MessageForm,
)
from b2b_meetings.models import Meeting, MeetingRequest
from b2b_meetings.rules import is_request_recipient


def by_day(items, when=lambda item: item.starts_at):
    """[(local date, [items])] for items sorted by time (the conference zone is active)."""
    return [
        (day, list(group))
        for day, group in itertools.groupby(items, key=lambda i: timezone.localtime(when(i)).date())
    ]


def get_meeting(access, meeting_id):
    """The meeting `access` may see, or 404."""
    meeting = selectors.meeting_for_access(access=access, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    meeting.conference = access.conference
    return meeting


def is_seated(access, meeting):
    """Whether the delegate of `access` sits in `meeting` (its seats are prefetched)."""
    me = access.registration
    return me is not None and any(seat.registration_id == me.pk for seat in meeting.seats.all())


def meeting_page_context(access, meeting, **extra):
    """The context of the meeting page (and of the forms that re-render it)."""
    participants = [seat.registration for seat in meeting.seats.all()]
    me = access.registration
    is_participant = is_seated(access, meeting)
    active = meeting.status == Meeting.Status.ACTIVE
    started = meeting.slot.starts_at <= timezone.now()
    feedback = selectors.meeting_feedback_visible(access=access, meeting=meeting)
    own_feedback = next((f for f in feedback if me and f.registration_id == me.pk), None)
    context = {
        "conference": access.conference,
        "meeting": meeting,
        "participants": participants,
        "is_participant": is_participant,
        "can_reschedule": is_participant and active and not meeting.locked and not started,
        "can_cancel": (is_participant or access.is_organiser) and active,
        "can_feedback": is_participant and active and started,
        "feedback": feedback,
        "feedback_form": FeedbackForm(
            initial={"outcome": own_feedback.outcome, "note": own_feedback.note}
            if own_feedback
            else None
        ),
        "own_feedback": own_feedback,
        "cancel_form": CancelForm(),
        "thread": selectors.thread_for_meeting(meeting=meeting),
        "message_form": MessageForm(),
        "can_write": active and (is_participant or access.is_organiser),
        "time_zone": access.conference.time_zone,
    }
    context.update(extra)
    return context


def get_request(access, request_id, related=True):
    """The request `access`'s delegate sent or may answer, or 404."""
    item = selectors.request_for_registration(
        registration=access.registration, request_id=request_id, related=related
    )
    if item is None:
        raise Http404
    return item


def get_request_to_read(access, request_id):
    """
    The request `access` may read, or 404: its delegate's (as for
    `get_request`), or any of the conference's for an organiser, who reads
    it and its thread without being one of its sides (`is_party` false).
    """
    item = selectors.request_for_access(access=access, request_id=request_id)
    if item is None:
        raise Http404
    return item


def request_page_context(access, meeting_request):
    """
    The context of a request's page (and of the forms that re-render it).
    An organiser who is not one of its sides reads it: no answer or withdraw
    forms, and their messages are signed by the organisers, as on a meeting.
    """
    as_party = getattr(meeting_request, "is_party", True)
    me = access.registration if as_party else None
    is_recipient = is_request_recipient(meeting_request, me)
    now = timezone.now()
    is_open = meeting_request.status == MeetingRequest.Status.PENDING and (
        meeting_request.expires_at is None or meeting_request.expires_at > now
    )
    slots = []
    proposed = []
    if is_recipient and is_open:
        slots = selectors.slots_free_for(
            conference=access.conference, registrations=[meeting_request.requester, me]
        )
        free = {slot.pk for slot in slots}
        proposed = [
            (slot, slot.pk in free) for slot in meeting_request.proposed_slots.order_by("starts_at")
        ]
    context = {
        "conference": access.conference,
        "me": me,
        "item": meeting_request,
        "is_recipient": is_recipient,
        "is_requester": me is not None and meeting_request.requester_id == me.pk,
        "is_party": as_party,
        "is_open": is_open,
        "slot_days": by_day(slots),
        "proposed": proposed,
        "proposed_free": sum(1 for _slot, free in proposed if free),
        "decline_form": DeclineForm(),
        "later_form": AcceptToScheduleForm(),
        "meeting": selectors.meeting_for_request(meeting_request=meeting_request, registration=me)
        or (
            meeting_request.linked_id
            and selectors.meeting_for_request(
                meeting_request=MeetingRequest(pk=meeting_request.linked_id), registration=me
            )
        ),
        "thread": selectors.thread_for_request(meeting_request=meeting_request),
        "message_form": MessageForm(),
        "can_write": (as_party or access.is_organiser)
        and meeting_request.status
        in (*MeetingRequest.OPEN_STATUSES, MeetingRequest.Status.ACCEPTED),
        "time_zone": access.conference.time_zone,
    }
    return context


def meeting_changed(request, access, meeting_id, exc):
    """
    A change refused because someone else changed the meeting first (409).
    A plain post gets the meeting's page as it is now, with the message; an
    htmx request is told to reload the page, which then shows the message.
    """
    messages.error(request, str(exc))
    if request.htmx:
        response = HttpResponseClientRefresh()
        response.status_code = 409
        return response
    item = get_meeting(access, meeting_id)
    return render(
        request, "b2b_meetings/meeting.html", meeting_page_context(access, item), status=409
    )
