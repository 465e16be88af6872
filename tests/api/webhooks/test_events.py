"""
Each service announces its event in its own transaction, and the webhook
message carries ids, states and times only: never a name, an email address,
a meeting's note or a cancellation's reason.
"""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Invitation, Registration
from b2b_meetings import services as b2b
from b2b_meetings.errors import BookingError
from b2b_meetings.models import Meeting, MeetingRequest
from b2b_meetings.scheduler import services as scheduler
from conference.api.models import WebhookMessage
from conference.core.models import Job, OrganisationKind
from conference.portal import checkin
from tests.factories import (
    InvitationFactory,
    MeetingRequestFactory,
    OrganisationFactory,
    SessionFactory,
    TableFactory,
    UserFactory,
)
from tests.helpers import listed, make_slots, publish, registration_details

pytestmark = pytest.mark.django_db

# What a payload's strings may be: an ISO time, or a short machine word (a
# slug, a status, an event type). Anything else would be free text.
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
WORD = re.compile(r"^[a-z0-9_.:-]{1,40}$")


def strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def sent(kind=None):
    """The messages recorded (of one event type), oldest first, their payloads checked."""
    messages = WebhookMessage.objects.order_by("pk")
    if kind:
        messages = messages.filter(event_type=kind)
    messages = list(messages)
    for message in messages:
        assert set(message.payload) == {"type", "timestamp", "data"}
        assert message.payload["type"] == message.event_type
        assert ISO_TIME.match(message.payload["timestamp"])
        for text in strings(message.payload["data"]):
            assert ISO_TIME.match(text) or WORD.match(text), f"free text in the payload: {text!r}"
    return messages


def invited_user(conference):
    user = UserFactory()
    InvitationFactory(
        conference=conference, email=user.email, status=Invitation.Status.ACCEPTED, accepted_by=user
    )
    return user


def register(conference):
    return accounts.registration_create(
        conference=conference,
        user=invited_user(conference),
        **registration_details(conference, OrganisationFactory()),
    )


# Registrations ---------------------------------------------------------------------


def test_a_new_registration_announces_created(conference, hook):
    registration = register(conference)

    (message,) = sent()
    assert message.event_type == "registration.created"
    assert message.resource == f"registration:{registration.pk}"
    data = message.payload["data"]
    assert data == {
        "conference": conference.slug,
        "registration": registration.pk,
        "user": registration.user_id,
        "organisation": registration.organisation_id,
        "status": "pending",
        "previous_status": None,
        "status_changed_at": data["status_changed_at"],
    }
    assert datetime.fromisoformat(data["status_changed_at"]) == registration.status_changed_at
    # Nothing of the person: ID data, diet, their name and address stay in the portal.
    text = json.dumps(message.payload)
    for private in ("Z1234567", "vegetarian", "Asha", registration.user.email):
        assert private not in text


def test_an_automatic_approval_announces_created_then_approved(conference, hook):
    conference.auto_approve = True
    conference.save()

    registration = register(conference)

    assert [(m.event_type, m.resource) for m in sent()] == [
        ("registration.created", f"registration:{registration.pk}"),
        ("registration.approved", f"registration:{registration.pk}"),
    ]


def test_approving_announces_approved_and_other_transitions_nothing(conference, organiser, hook):
    approved, rejected = register(conference), register(conference)
    WebhookMessage.objects.all().delete()

    accounts.registration_transition(
        registration=approved, to=Registration.Status.APPROVED, actor=organiser
    )
    accounts.registration_transition(
        registration=rejected, to=Registration.Status.REJECTED, actor=organiser
    )

    (message,) = sent()
    assert message.event_type == "registration.approved"
    assert message.payload["data"]["registration"] == approved.pk
    assert message.payload["data"]["previous_status"] == "pending"


def test_a_bulk_approval_announces_each_registration(conference, organiser, hook):
    people = [register(conference) for _ in range(3)]
    WebhookMessage.objects.all().delete()

    accounts.registration_bulk_transition(
        conference=conference,
        registration_ids=[p.pk for p in people],
        to=Registration.Status.APPROVED,
        actor=organiser,
    )

    assert sorted(m.payload["data"]["registration"] for m in sent("registration.approved")) == [
        p.pk for p in people
    ]


def test_a_promotion_from_the_waiting_list_announces_approved(conference, hook):
    conference.auto_approve = True
    conference.capacity = 1
    conference.save()
    leaving, waiting = register(conference), register(conference)
    WebhookMessage.objects.all().delete()

    accounts.registration_transition(
        registration=leaving, to=Registration.Status.WITHDRAWN, actor=leaving.user, by_delegate=True
    )

    (message,) = sent()
    assert message.event_type == "registration.approved"
    assert message.payload["data"]["registration"] == waiting.pk
    assert message.payload["data"]["previous_status"] == "waitlisted"


# Invitations -----------------------------------------------------------------------


def test_accepting_an_invitation_announces_it(conference, hook):
    user = UserFactory()
    invitation = InvitationFactory(
        conference=conference,
        email=user.email,
        name="Asha Menon",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )

    accounts.invitation_accept(token=invitation.token, user=user)

    (message,) = sent()
    assert message.event_type == "invitation.accepted"
    assert message.resource == f"invitation:{invitation.pk}"
    data = message.payload["data"]
    assert (data["invitation"], data["user"], data["role"]) == (invitation.pk, user.pk, "delegate")
    assert invitation.token not in json.dumps(message.payload)
    assert "Asha" not in json.dumps(message.payload)


# Meetings --------------------------------------------------------------------------


@pytest.fixture
def b2b_world(conference):
    tables = [TableFactory(conference=conference, label=f"T{i}") for i in (1, 2)]
    return {
        "slots": make_slots(conference, 3),
        "tables": tables,
        "people": [listed(conference, OrganisationKind.RECYCLER), listed(conference)],
    }


def test_booking_moving_and_cancelling_a_meeting_announce_each_in_order(
    conference, organiser, hook, b2b_world
):
    slots, tables, people = b2b_world["slots"], b2b_world["tables"], b2b_world["people"]
    meeting = b2b.meeting_create(
        conference=conference,
        slot=slots[0],
        table=tables[0],
        registrations=people,
        actor=organiser,
        note="Confidential: lithium offtake terms",
    )
    b2b.meeting_move(meeting=meeting, slot=slots[2], table=tables[1], actor=organiser)
    b2b.meeting_cancel(meeting=meeting, actor=organiser, reason="The financier withdrew its offer")

    booked, moved, cancelled = sent()
    assert [m.event_type for m in (booked, moved, cancelled)] == [
        "meeting.booked",
        "meeting.rescheduled",
        "meeting.cancelled",
    ]
    assert {m.resource for m in (booked, moved, cancelled)} == {f"meeting:{meeting.pk}"}
    assert booked.payload["data"] == {
        "conference": conference.slug,
        "meeting": meeting.pk,
        "request": None,
        "status": "active",
        "sequence": 0,
        "slot": slots[0].pk,
        "table": tables[0].pk,
        "starts_at": booked.payload["data"]["starts_at"],
        "ends_at": booked.payload["data"]["ends_at"],
        "participants": sorted(p.pk for p in people),
    }
    assert datetime.fromisoformat(booked.payload["data"]["starts_at"]) == slots[0].starts_at
    assert datetime.fromisoformat(booked.payload["data"]["ends_at"]) == slots[0].ends_at
    data = moved.payload["data"]
    assert (data["slot"], data["table"], data["previous_slot"], data["sequence"]) == (
        slots[2].pk,
        tables[1].pk,
        slots[0].pk,
        1,
    )
    assert datetime.fromisoformat(data["previous_starts_at"]) == slots[0].starts_at
    data = cancelled.payload["data"]
    assert (data["status"], data["slot"]) == ("cancelled", slots[2].pk)
    assert "cancelled_at" in data
    text = json.dumps([m.payload for m in (booked, moved, cancelled)])
    assert "lithium" not in text and "withdrew" not in text


def test_a_refused_booking_announces_nothing(conference, organiser, hook, b2b_world):
    slots, tables, people = b2b_world["slots"], b2b_world["tables"], b2b_world["people"]
    b2b.meeting_create(
        conference=conference, slot=slots[0], table=tables[0], registrations=people, actor=organiser
    )
    # The table is taken in that slot.
    with pytest.raises(BookingError):
        b2b.meeting_create(
            conference=conference,
            slot=slots[0],
            table=tables[0],
            registrations=[listed(conference), listed(conference)],
            actor=organiser,
        )

    assert len(sent("meeting.booked")) == 1


def test_the_scheduler_commit_announces_each_new_and_moved_meeting(
    conference, organiser, hook, b2b_world, django_capture_on_commit_callbacks
):
    slots, tables, people = b2b_world["slots"], b2b_world["tables"], b2b_world["people"]
    table = tables[0]
    third = listed(conference, OrganisationKind.OEM)
    first = b2b.meeting_create(
        conference=conference, slot=slots[0], table=table, registrations=people, notify=False
    )
    second = b2b.meeting_create(
        conference=conference,
        slot=slots[1],
        table=table,
        registrations=[people[0], third],
        notify=False,
    )
    request = MeetingRequestFactory(
        conference=conference,
        requester=listed(conference),
        target_registration=listed(conference),
        status=MeetingRequest.Status.SCHEDULING,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = scheduler.schedule_start(conference=conference, actor=organiser, time_limit=10)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    # Hand the preview a swap of the two meetings, as a re-optimising run may produce.
    job.result = {
        **job.result,
        "moves": [
            [first.pk, slots[0].pk, table.pk, slots[1].pk, table.pk],
            [second.pk, slots[1].pk, table.pk, slots[0].pk, table.pk],
        ],
    }
    job.save()
    WebhookMessage.objects.all().delete()

    scheduler.schedule_commit(job=job, actor=organiser)

    new = Meeting.objects.select_related("slot").get(request=request)
    (booked,) = sent("meeting.booked")
    assert booked.resource == f"meeting:{new.pk}"
    data = booked.payload["data"]
    assert datetime.fromisoformat(data["starts_at"]) == new.slot.starts_at
    assert (data["slot"], data["table"]) == (new.slot_id, new.table_id)
    assert data["participants"] == sorted(new.seats.values_list("registration", flat=True))
    moved = {m.payload["data"]["meeting"]: m.payload["data"] for m in sent("meeting.rescheduled")}
    assert set(moved) == {first.pk, second.pk}
    assert (moved[first.pk]["previous_slot"], moved[first.pk]["slot"]) == (slots[0].pk, slots[1].pk)
    assert (moved[second.pk]["previous_slot"], moved[second.pk]["slot"]) == (
        slots[1].pk,
        slots[0].pk,
    )
    assert datetime.fromisoformat(moved[first.pk]["starts_at"]) == slots[1].starts_at
    assert moved[first.pk]["participants"] == sorted(p.pk for p in people)


# Check-in and the agenda -------------------------------------------------------------


def test_an_arrival_announces_a_check_in_once(conference, checkin_staff, delegate, hook):
    first = checkin.checkin_record(
        conference=conference, actor=checkin_staff, badge_code=delegate.registration.badge_code
    )
    again = checkin.checkin_record(
        conference=conference, actor=checkin_staff, badge_code=delegate.registration.badge_code
    )

    assert (first.outcome, again.outcome) == (checkin.Outcome.CHECKED_IN, checkin.Outcome.ALREADY)
    (message,) = sent()
    assert message.event_type == "checkin.created"
    data = message.payload["data"]
    assert data["registration"] == delegate.registration.pk
    assert datetime.fromisoformat(data["checked_in_at"]) == first.registration.checked_in_at
    assert delegate.registration.badge_code not in json.dumps(message.payload)


def test_a_refused_check_in_announces_nothing(conference, checkin_staff, hook):
    pending = register(conference)

    checkin.checkin_record(conference=conference, actor=checkin_staff, registration_id=pending.pk)

    assert not sent("checkin.created")


def test_publishing_the_agenda_announces_the_release(conference, organiser, hook):
    session = SessionFactory(conference=conference, title="Closed-door: cobalt pricing")

    release = publish(conference, organiser)

    (message,) = sent()
    assert message.event_type == "schedule.published"
    assert message.payload["data"] == {
        "conference": conference.slug,
        "release": release.number,
        "published_at": release.published_at.isoformat(),
        "sessions": 1,
        "changes": [{"session": session.pk, "change": "new"}],
    }
    assert "cobalt" not in json.dumps(message.payload)


def test_a_failing_service_leaves_no_message(conference, organiser, hook):
    """The event is written in the service's transaction: refused, nothing is recorded."""
    registration = register(conference)
    conference.capacity = 0
    conference.save()
    WebhookMessage.objects.all().delete()

    with pytest.raises(accounts.RegistrationError):
        accounts.registration_transition(
            registration=registration, to=Registration.Status.APPROVED, actor=organiser
        )

    assert not WebhookMessage.objects.exists()
