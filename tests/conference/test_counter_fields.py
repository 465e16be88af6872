"""
Counters kept by services (seats taken, calendar SEQUENCE, send count,
attempts, job progress) are never written by a save of the whole row: a
form or the admin writes back what it read, which would undo a counter
raised since. The services write them by name, under their locks or with
F(); the concurrency suite (tests/reliability) shows the races.
"""

import pytest
from django.db.models import F

from conference.core.models import Job
from tests.factories import (
    InvitationFactory,
    MeetingFactory,
    OutgoingEmailFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def job(conference):
    return Job.objects.create(conference=conference, kind="test", total=10)


@pytest.mark.parametrize(
    ("make", "counter", "edited"),
    [
        pytest.param(SessionFactory, "taken", "description", id="session-seats-taken"),
        pytest.param(SessionFactory, "sequence", "description", id="session-sequence"),
        pytest.param(MeetingFactory, "sequence", "note", id="meeting-sequence"),
        pytest.param(InvitationFactory, "send_count", "name", id="invitation-send-count"),
        pytest.param(OutgoingEmailFactory, "attempts", "last_error", id="outbox-attempts"),
        pytest.param(job, "done", "message", id="job-done"),
        pytest.param(job, "total", "message", id="job-total"),
    ],
)
def test_a_save_of_the_whole_row_keeps_a_counter_raised_since_it_was_read(
    conference, make, counter, edited
):
    obj = make(conference=conference)
    model = type(obj)
    read = model.objects.get(pk=obj.pk)
    model.objects.filter(pk=obj.pk).update(**{counter: F(counter) + 3})

    setattr(read, edited, "Edited")
    read.save()

    saved = model.objects.get(pk=obj.pk)
    assert getattr(saved, counter) == getattr(obj, counter) + 3
    assert getattr(saved, edited) == "Edited"


def test_a_service_still_writes_a_counter_it_names():
    """`update_fields` naming the counter writes it: the services' way."""
    meeting = MeetingFactory()
    meeting.sequence += 1

    meeting.save(update_fields=["sequence"])

    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_a_new_row_is_written_with_its_counters():
    copy = SessionFactory(taken=2)
    copy.pk = None

    copy.save()

    assert type(copy).objects.get(pk=copy.pk).taken == 2
