"""
The beat's B2B sweeps (every minute): expire stale requests, queue meeting
reminders and feedback requests. Each is safe to run twice or at once:
rows another sweep holds are skipped (SKIP LOCKED), and the outbox's dedup
keys make every email once.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from b2b_meetings.models import Meeting, MeetingRequest
from b2b_meetings.services.notifications import _email_request, _meeting_context
from b2b_meetings.services.requests import _REQUEST_PEOPLE
from conference.core.models import Conference
from conference.core.services import email_queue


def requests_expire(*, now=None, limit=500):
    """
    Mark pending requests past their deadline expired and tell the requester.
    Rows another sweep is handling are skipped (SKIP LOCKED); the dedup key
    makes the email once per request. Returns the number expired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            MeetingRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MeetingRequest.Status.PENDING, expires_at__lte=now)
            .select_related(*_REQUEST_PEOPLE)
            .order_by("expires_at")[:limit]
        )
        for meeting_request in stale:
            meeting_request.status = MeetingRequest.Status.EXPIRED
        MeetingRequest.objects.bulk_update(stale, ["status"])
        for meeting_request in stale:
            _email_request(meeting_request, "b2b_request_expired", [meeting_request.requester])
    return len(stale)


def _sweep_conferences(now):
    # Conferences still running (or just ended): few rows, read every minute.
    return Conference.objects.filter(end_date__gte=(now - datetime.timedelta(days=3)).date())


def meeting_reminders_queue(*, now=None):
    """
    Queue a reminder for every participant of every active meeting that
    starts within the conference's reminder lead time. The dedup key names
    the person, the meeting and its start time: exactly one reminder per
    person and time, however often the sweep runs, and a new one if the
    meeting is moved. Returns the number of outbox rows touched.
    """
    now = now or timezone.now()
    count = 0
    for conference in _sweep_conferences(now):
        horizon = now + datetime.timedelta(minutes=conference.b2b_reminder_minutes)
        meetings = (
            Meeting.objects.filter(
                conference=conference,
                status=Meeting.Status.ACTIVE,
                slot__starts_at__gt=now,
                slot__starts_at__lte=horizon,
            )
            .select_related("slot", "table__room", "request")
            .prefetch_related("seats__registration__user", "seats__registration__organisation")
        )
        for meeting in meetings:
            meeting.conference = conference
            participants = [seat.registration for seat in meeting.seats.all()]
            start = meeting.slot.starts_at.astimezone(datetime.UTC)
            for registration in participants:
                with transaction.atomic(), timezone.override(conference.tz):
                    email_queue(
                        recipient=registration.user.email,
                        template="meeting_reminder",
                        context=_meeting_context(meeting, registration, participants),
                        kind="b2b.meeting_reminder",
                        dedup_key=(
                            f"b2b:reminder:meeting:{meeting.pk}:reg:{registration.pk}"
                            f":{start:%Y%m%dT%H%M%SZ}"
                        ),
                        conference=conference,
                        user=registration.user,
                    )
                count += 1
    return count


FEEDBACK_WINDOW = datetime.timedelta(days=2)


def meeting_feedback_requests_queue(*, now=None):
    """
    After an active meeting's slot has ended, ask each participant who has not
    given feedback yet for it, once (dedup key per meeting and person).
    Meetings that ended more than FEEDBACK_WINDOW ago are left alone.
    """
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(
            status=Meeting.Status.ACTIVE,
            slot__ends_at__lte=now,
            slot__ends_at__gt=now - FEEDBACK_WINDOW,
        )
        .select_related("conference", "slot", "table__room", "request")
        .prefetch_related(
            "seats__registration__user", "seats__registration__organisation", "feedback"
        )
    )
    count = 0
    for meeting in meetings:
        participants = [seat.registration for seat in meeting.seats.all()]
        answered = {f.registration_id for f in meeting.feedback.all()}
        for registration in participants:
            if registration.pk in answered:
                continue
            with transaction.atomic(), timezone.override(meeting.conference.tz):
                email_queue(
                    recipient=registration.user.email,
                    template="meeting_feedback",
                    context=_meeting_context(meeting, registration, participants),
                    kind="b2b.meeting_feedback",
                    dedup_key=f"b2b:feedback:meeting:{meeting.pk}:reg:{registration.pk}",
                    conference=meeting.conference,
                    user=registration.user,
                )
            count += 1
    return count
