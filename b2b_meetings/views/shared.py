"""What the delegates' and the organisers' B2B pages share."""

import itertools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRefresh

from b2b_meetings import selectors
from b2b_meetings.forms import CancelForm, FeedbackForm
from b2b_meetings.models import Meeting


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


def meeting_page_context(access, meeting, **extra):
    """The context of the meeting page (and of the forms that re-render it)."""
    participants = [seat.registration for seat in meeting.seats.all()]
    me = access.registration
    is_participant = me is not None and any(p.pk == me.pk for p in participants)
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
        "time_zone": access.conference.time_zone,
    }
    context.update(extra)
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
