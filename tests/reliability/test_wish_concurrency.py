"""
The new B2B writes under real contention, each thread on its own
PostgreSQL connection, released together:

- two people who asked each other both accept at once (each the request
  addressed to them, in different slots): one meeting, both requests
  settled, the loser told "already answered" or "try again";
- two people asking each other at the same instant: the requests are
  joined, whichever commits first;
- an organiser booking a pair while one of them accepts the other's request:
  one meeting, never a deadlock or a 500;
- twenty participants posting to one thread at once: every message kept,
  every notification queued (posting only inserts, nothing is lost).
"""

import datetime

import pytest

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingMessage, MeetingRequest
from b2b_meetings.services import messages
from conference.core.models import OrganisationKind, OutgoingEmail
from tests.factories import ConferenceFactory, RoomFactory, TableFactory, UserFactory
from tests.helpers import listed, make_slots
from tests.reliability import parallel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def place():
    conference = ConferenceFactory(b2b_max_pending_requests=50)
    room = RoomFactory(conference=conference)
    for _ in range(4):
        TableFactory(conference=conference, room=room)
    slots = make_slots(conference, 4)
    return conference, slots


def crashes(outcomes):
    return [detail for kind, detail in outcomes if kind == "crash"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_mutual_requests_accepted_at_once_make_one_meeting(place, attempt):
    conference, slots = place
    a = listed(conference)
    b = listed(conference, OrganisationKind.OEM)
    a_to_b = services.request_create(conference=conference, requester=a, target_registration=b)
    b_to_a = services.request_create(conference=conference, requester=b, target_registration=a)
    assert b_to_a.joined == a_to_b

    answers = [(a_to_b, b, slots[0]), (b_to_a, a, slots[2])]
    outcomes = parallel.run_together(
        lambda i: (
            services.request_accept(
                meeting_request=MeetingRequest(pk=answers[i][0].pk),
                responder=answers[i][1],
                slot=answers[i][2],
            ).pk
        ),
        2,
        refusals=(services.B2BError,),
    )

    assert crashes(outcomes) == []
    assert parallel.kinds(outcomes).count("ok") == 1
    (refusal,) = [detail for kind, detail in outcomes if kind == "refused"]
    assert "already been answered" in refusal or "try again" in refusal
    assert Meeting.objects.filter(status="active").count() == 1
    assert set(MeetingRequest.objects.values_list("status", flat=True)) == {"accepted"}


def test_two_people_asking_each_other_at_the_same_instant_are_joined(place):
    conference, _slots = place
    a = listed(conference)
    b = listed(conference, OrganisationKind.OEM)
    pairs = [(a, b), (b, a)]

    outcomes = parallel.run_together(
        lambda i: (
            services.request_create(
                conference=conference, requester=pairs[i][0], target_registration=pairs[i][1]
            ).pk
        ),
        2,
        refusals=(services.B2BError,),
    )

    assert parallel.kinds(outcomes) == ["ok", "ok"]
    first, second = MeetingRequest.objects.order_by("pk")
    assert (first.linked_id, second.linked_id) == (second.pk, first.pk)


def test_an_organiser_booking_while_a_delegate_accepts_makes_one_meeting(place):
    conference, slots = place
    a = listed(conference)
    b = listed(conference, OrganisationKind.OEM)
    request = services.request_create(conference=conference, requester=a, target_registration=b)
    organiser = UserFactory()

    def work(i):
        if i == 0:
            return services.request_accept(
                meeting_request=MeetingRequest(pk=request.pk), responder=b, slot=slots[1]
            ).pk
        return services.meeting_create(
            conference=conference,
            slot=slots[3],
            table=None,
            registrations=[a, b],
            actor=organiser,
        ).pk

    for _round in range(3):
        Meeting.objects.all().delete()
        MeetingRequest.objects.filter(pk=request.pk).update(status="pending")
        outcomes = parallel.run_together(work, 2, refusals=(services.B2BError,))

        assert crashes(outcomes) == []
        assert Meeting.objects.filter(status="active").count() == 1
        assert MeetingRequest.objects.get(pk=request.pk).status == "accepted"


def test_twenty_messages_posted_at_once_are_all_kept(place, monkeypatch):
    conference, slots = place
    a = listed(conference)
    b = listed(conference, OrganisationKind.OEM)
    meeting = services.meeting_create(
        conference=conference, slot=slots[0], table=None, registrations=[a, b]
    )
    authors = [a, b] * 10
    # The rate limit is per person and minute; lift it for the burst.
    monkeypatch.setattr(messages, "RATE_LIMITS", ((100, datetime.timedelta(minutes=1)),))

    outcomes = parallel.run_together(
        lambda i: (
            services.message_post(
                meeting=meeting,
                author=authors[i],
                author_user=authors[i].user,
                body=f"Message {i}",
            ).pk
        ),
        20,
        refusals=(services.B2BError,),
    )

    assert parallel.kinds(outcomes) == ["ok"] * 20
    assert sorted(MeetingMessage.objects.values_list("body", flat=True)) == sorted(
        f"Message {i}" for i in range(20)
    )
    assert OutgoingEmail.objects.filter(kind="b2b.message").count() == 20


def test_a_burst_from_one_person_is_kept_or_refused_never_a_crash(place):
    """
    Six at once from one person: each is kept or refused with "wait a
    little". The limit is counted without a lock, so a burst may pass it by
    a few; it is there against floods, not as an exact quota.
    """
    conference, _slots = place
    a = listed(conference)
    b = listed(conference, OrganisationKind.OEM)
    request = services.request_create(conference=conference, requester=a, target_registration=b)

    outcomes = parallel.run_together(
        lambda i: (
            services.message_post(
                meeting_request=request, author=a, author_user=a.user, body=f"Hello {i}"
            ).pk
        ),
        6,
        refusals=(services.B2BError,),
    )

    assert crashes(outcomes) == []
    kept = parallel.kinds(outcomes).count("ok")
    assert MeetingMessage.objects.count() == kept >= 5
    assert all("wait a little" in d for k, d in outcomes if k == "refused")
