"""
Meeting requests as wishes: two people who ask each other get one meeting,
proposed times, "accept now, the organisers find the time", and the
scheduler reading those wishes by priority.
"""

import pytest

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingRequest, Unavailability
from b2b_meetings.scheduler.constants import wish_weight
from b2b_meetings.scheduler.services import instance_build
from b2b_meetings.services import B2BError
from conference.core.models import AuditLog, OrganisationKind, OutgoingEmail
from tests.factories import ConferenceFactory
from tests.helpers import listed, make_slots

pytestmark = pytest.mark.django_db

P = MeetingRequest.Priority


def send(conference, requester, target=None, organisation=None, **kwargs):
    return services.request_create(
        conference=conference,
        requester=requester,
        target_registration=target,
        target_organisation=organisation,
        agenda=kwargs.pop("agenda", "Offtake of recycled nickel"),
        **kwargs,
    )


def fresh(obj):
    obj.refresh_from_db()
    return obj


# Mutual requests ----------------------------------------------------------------------


def test_asking_someone_who_asked_you_joins_the_two_requests(conference, recycler, oem, slots):
    theirs = send(conference, oem, recycler, priority=P.MUST)

    mine = send(conference, recycler, oem, priority=P.WOULD_LIKE)

    assert mine.joined == theirs
    assert (fresh(mine).linked_id, fresh(theirs).linked_id) == (theirs.pk, mine.pk)
    # Each side's wish is the other's counter priority: the scheduler sees a mutual wish.
    assert (fresh(mine).counter_priority, fresh(theirs).counter_priority) == (P.MUST, P.WOULD_LIKE)


def test_asking_someone_whose_organisation_asked_you_joins_too(conference, recycler, oem, slots):
    theirs = send(conference, oem, organisation=recycler.organisation)

    mine = send(conference, recycler, oem)

    assert mine.joined == theirs


def test_accepting_either_joined_request_books_one_meeting_and_settles_both(
    conference, recycler, oem, slots, tables
):
    theirs = send(conference, oem, recycler)
    mine = send(conference, recycler, oem)

    # The recipient of `mine` accepts it; `theirs` (to the same person who
    # now accepts) is settled with it.
    meeting = services.request_accept(meeting_request=mine, responder=oem, slot=slots[0])

    assert fresh(mine).status == MeetingRequest.Status.ACCEPTED
    assert fresh(theirs).status == MeetingRequest.Status.ACCEPTED
    assert Meeting.objects.filter(status=Meeting.Status.ACTIVE).count() == 1
    with pytest.raises(B2BError):
        services.request_accept(meeting_request=theirs, responder=recycler, slot=slots[1])
    assert meeting.seats.count() == 2


def test_a_booking_settles_the_other_open_request_between_the_two(
    conference, recycler, oem, slots, tables, organiser
):
    """The reverse request stays "pending" no more once the two meet, whoever booked."""
    request = send(conference, recycler, oem)

    services.meeting_create(
        conference=conference,
        slot=slots[2],
        table=None,
        registrations=[recycler, oem],
        actor=organiser,
    )

    assert fresh(request).status == MeetingRequest.Status.ACCEPTED


def test_asking_someone_you_already_meet_is_refused(conference, recycler, oem, slots, tables):
    request = send(conference, oem, recycler)
    services.request_accept(meeting_request=request, responder=recycler, slot=slots[0])

    with pytest.raises(B2BError, match="already have a meeting"):
        send(conference, recycler, oem)


def test_asking_someone_whose_request_you_accepted_to_schedule_is_refused(
    conference, recycler, oem, slots
):
    request = send(conference, oem, recycler)
    services.request_accept_to_schedule(meeting_request=request, responder=recycler)

    with pytest.raises(B2BError, match="organisers will set the time"):
        send(conference, recycler, oem)


# Proposed times --------------------------------------------------------------------------


def test_up_to_three_proposed_times_are_kept(conference, recycler, oem, slots, tables):
    request = send(conference, recycler, oem, proposed_slot_ids=[slots[1].pk, slots[3].pk])

    assert set(request.proposed_slots.all()) == {slots[1], slots[3]}
    email = OutgoingEmail.objects.get(kind="b2b.b2b_request_received")
    assert "Times they proposed" in email.body_text


def test_more_than_three_proposed_times_are_refused(conference, recycler, oem, slots):
    with pytest.raises(B2BError, match="at most three"):
        send(conference, recycler, oem, proposed_slot_ids=[s.pk for s in slots[:4]])
    assert not MeetingRequest.objects.exists()


def test_a_proposed_time_the_other_side_is_not_free_in_is_refused(conference, recycler, oem, slots):
    Unavailability.objects.create(registration=oem, slot=slots[2])

    with pytest.raises(B2BError, match="no longer free"):
        send(conference, recycler, oem, proposed_slot_ids=[slots[2].pk])
    assert not MeetingRequest.objects.exists()


def test_a_proposed_time_of_another_conference_is_refused(conference, recycler, oem, slots):
    (foreign,) = make_slots(ConferenceFactory(), 1)
    with pytest.raises(B2BError):
        send(conference, recycler, oem, proposed_slot_ids=[foreign.pk])


# Accept now, the organisers find the time -------------------------------------------------


def test_accept_to_schedule_leaves_the_time_to_the_scheduler_and_tells_the_requester(
    conference, recycler, oem, slots, tables
):
    request = send(conference, recycler, oem, priority=P.MUST)

    services.request_accept_to_schedule(meeting_request=request, responder=oem, priority=P.MUST)

    request = fresh(request)
    assert request.status == MeetingRequest.Status.SCHEDULING
    assert (request.responded_by, request.counter_priority) == (oem, P.MUST)
    assert not Meeting.objects.exists()
    email = OutgoingEmail.objects.get(kind="b2b.b2b_request_accepted_to_schedule")
    assert email.recipient == recycler.user.email
    built = instance_build(conference=conference)
    (wish,) = built.instance.requests
    assert (wish.id, wish.weight) == (request.pk, wish_weight(P.MUST, P.MUST))


def test_the_scheduler_reads_only_wishes_accepted_to_be_scheduled(
    conference, recycler, oem, financier, slots, tables
):
    pending = send(conference, recycler, oem)
    waiting = send(conference, recycler, financier)
    services.request_accept_to_schedule(meeting_request=waiting, responder=financier)

    ids = {r.id for r in instance_build(conference=conference).instance.requests}

    assert ids == {waiting.pk}
    assert pending.pk not in ids


def test_mutual_must_wishes_outweigh_one_sided_ones():
    assert wish_weight(P.MUST, P.MUST) > wish_weight(P.MUST) > 2 * wish_weight(P.WOULD_LIKE)
    assert wish_weight(P.WOULD_LIKE) > wish_weight(P.IF_TIME)


def test_a_request_waiting_for_the_scheduler_can_be_withdrawn_by_its_sender(
    conference, recycler, oem, slots
):
    request = send(conference, recycler, oem)
    services.request_accept_to_schedule(meeting_request=request, responder=oem)

    services.request_withdraw(meeting_request=request, requester=recycler)

    assert fresh(request).status == MeetingRequest.Status.CANCELLED


# The organisers' activity feed names people and times -----------------------------------


def test_the_activity_feed_names_people_and_times(conference, recycler, oem, slots, tables):
    request = send(conference, recycler, oem)
    meeting = services.request_accept(meeting_request=request, responder=oem, slot=slots[0])
    services.meeting_reschedule(meeting=meeting, registration=oem, slot=slots[3])

    summaries = list(AuditLog.objects.order_by("pk").values_list("summary", flat=True))

    recycler_name = recycler.user.display_name
    assert f"Request from {recycler_name} ({recycler.organisation.name})" in summaries[0]
    assert summaries[1].startswith(f"Meeting booked between {recycler_name}") or summaries[
        1
    ].startswith(f"Meeting booked between {oem.user.display_name}")
    assert "moved to" in summaries[2] and "15:00" in summaries[2] and "(from 14:00)" in summaries[2]
    assert not any("slot" in s for s in summaries)


def test_an_organisation_target_is_named_in_the_feed(conference, recycler):
    bank = listed(conference, OrganisationKind.FINANCIER)

    send(conference, recycler, organisation=bank.organisation)

    summary = AuditLog.objects.get(action="meeting_request.create").summary
    assert summary.endswith(f"to {bank.organisation.name}")
