"""The beat sweeps: request expiry, meeting reminders and feedback requests."""

import datetime

import pytest
from django.utils import timezone

from b2b_meetings import services, tasks
from b2b_meetings.models import MeetingFeedback, MeetingRequest, MeetingSlot
from conference.celery import app
from conference.core.models import OutgoingEmail
from tests.helpers import book_meeting, listed

pytestmark = pytest.mark.django_db


def slot_at(conference, start, minutes=20):
    return MeetingSlot.objects.create(
        conference=conference, starts_at=start, ends_at=start + datetime.timedelta(minutes=minutes)
    )


def test_the_sweeps_are_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert {
        "b2b_meetings.tasks.requests_expire_sweep",
        "b2b_meetings.tasks.meeting_reminders_sweep",
        "b2b_meetings.tasks.meeting_feedback_sweep",
    } <= tasks_scheduled


# Expiry -----------------------------------------------------------------------------


def test_pending_requests_past_their_deadline_expire_once_and_the_requester_is_told(
    conference, recycler, oem, financier
):
    stale = services.request_create(
        conference=conference, requester=recycler, target_registration=oem, agenda="x"
    )
    fresh = services.request_create(
        conference=conference, requester=recycler, target_registration=financier, agenda="y"
    )
    MeetingRequest.objects.filter(pk=stale.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert tasks.requests_expire_sweep.delay().get() == 1
    assert services.requests_expire() == 0

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("expired", "pending")
    expired = OutgoingEmail.objects.filter(kind="b2b.b2b_request_expired")
    assert [e.recipient for e in expired] == [recycler.user.email]


def test_answered_requests_never_expire(conference, tables, slots, recycler, oem):
    request = services.request_create(
        conference=conference, requester=recycler, target_registration=oem, agenda="x"
    )
    services.request_decline(meeting_request=request, responder=oem)
    MeetingRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())

    assert services.requests_expire() == 0


# Reminders --------------------------------------------------------------------------


def test_a_meeting_starting_within_the_lead_time_gets_one_reminder_per_person(
    conference, tables, recycler, oem
):
    now = timezone.now()
    soon = book_meeting(
        conference, slot_at(conference, now + datetime.timedelta(minutes=25)), [recycler, oem]
    )
    later = listed(conference)
    book_meeting(
        conference, slot_at(conference, now + datetime.timedelta(minutes=45)), [later, oem]
    )

    tasks.meeting_reminders_sweep.delay()
    services.meeting_reminders_queue()  # the next minute's sweep: nothing new

    reminders = OutgoingEmail.objects.filter(kind="b2b.meeting_reminder")
    assert sorted(r.recipient for r in reminders) == sorted([recycler.user.email, oem.user.email])
    assert all(f"meeting:{soon.pk}:" in r.dedup_key for r in reminders)
    assert "T01" in reminders[0].subject


def test_the_lead_time_is_the_conferences(conference, tables, recycler, oem):
    conference.b2b_reminder_minutes = 60
    conference.save()
    now = timezone.now()
    book_meeting(
        conference, slot_at(conference, now + datetime.timedelta(minutes=50)), [recycler, oem]
    )

    services.meeting_reminders_queue(now=now)

    assert OutgoingEmail.objects.filter(kind="b2b.meeting_reminder").count() == 2


def test_a_moved_meeting_is_reminded_again_for_its_new_time(
    conference, tables, recycler, oem, organiser
):
    now = timezone.now()
    first = slot_at(conference, now + datetime.timedelta(minutes=10))
    second = slot_at(conference, now + datetime.timedelta(minutes=30))
    meeting = book_meeting(conference, first, [recycler, oem])
    services.meeting_reminders_queue(now=now)

    services.meeting_move(meeting=meeting, slot=second, table=None, actor=organiser)
    services.meeting_reminders_queue(now=now + datetime.timedelta(minutes=5))
    services.meeting_reminders_queue(now=now + datetime.timedelta(minutes=6))

    assert OutgoingEmail.objects.filter(kind="b2b.meeting_reminder").count() == 4


def test_cancelled_and_past_meetings_get_no_reminder(conference, tables, recycler, oem, financier):
    now = timezone.now()
    cancelled = book_meeting(
        conference, slot_at(conference, now + datetime.timedelta(minutes=10)), [recycler, oem]
    )
    services.meeting_cancel(meeting=cancelled, actor=None)
    book_meeting(
        conference, slot_at(conference, now - datetime.timedelta(minutes=25)), [financier, oem]
    )

    assert services.meeting_reminders_queue(now=now) == 0


# Feedback -----------------------------------------------------------------------------


def test_after_the_meeting_each_participant_is_asked_for_feedback_once(
    conference, tables, recycler, oem
):
    now = timezone.now()
    meeting = book_meeting(
        conference, slot_at(conference, now - datetime.timedelta(minutes=30)), [recycler, oem]
    )
    MeetingFeedback.objects.create(meeting=meeting, registration=oem, outcome="took_place")

    tasks.meeting_feedback_sweep.delay()
    services.meeting_feedback_requests_queue()

    asked = OutgoingEmail.objects.filter(kind="b2b.meeting_feedback")
    assert [e.recipient for e in asked] == [recycler.user.email]


def test_no_feedback_is_asked_before_the_meeting_ends(conference, tables, recycler, oem):
    now = timezone.now()
    book_meeting(
        conference, slot_at(conference, now - datetime.timedelta(minutes=10)), [recycler, oem]
    )

    assert services.meeting_feedback_requests_queue(now=now) == 0


def test_feedback_is_private_per_participant_and_replaced_when_sent_again(
    conference, tables, recycler, oem
):
    now = timezone.now()
    meeting = book_meeting(
        conference, slot_at(conference, now - datetime.timedelta(minutes=30)), [recycler, oem]
    )

    services.feedback_submit(meeting=meeting, registration=oem, outcome="took_place")
    services.feedback_submit(
        meeting=meeting, registration=oem, outcome="cooperation", note="Follow-up in Tokyo"
    )

    (feedback,) = MeetingFeedback.objects.all()
    assert (feedback.outcome, feedback.note) == ("cooperation", "Follow-up in Tokyo")


def test_feedback_before_the_meeting_or_by_a_stranger_is_refused(
    conference, tables, slots, recycler, oem, financier
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])

    with pytest.raises(services.B2BError, match="opens when"):
        services.feedback_submit(meeting=meeting, registration=oem, outcome="took_place")
    with pytest.raises(services.B2BError, match="not in this meeting"):
        services.feedback_submit(meeting=meeting, registration=financier, outcome="took_place")
