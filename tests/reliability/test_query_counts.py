"""
Query counts of the main pages that had no such test elsewhere: the
conference home, a session's page, a delegate's schedule (`me/`) and the
organisers' dashboard. Each page takes the same number of queries with N
rows as with 3N, and that number is pinned. On failure the SQL is printed:
fix the N+1 rather than the number.

The other main pages are pinned beside their features: the agenda
(tests/sessions_app/test_agenda_pages.py, tests/test_pages.py), the B2B
directory, requests page and grid (tests/b2b_meetings/test_query_counts.py),
registrations (tests/accounts/test_registration.py), invitations
(tests/accounts/test_invitations.py) and the outbox
(tests/accounts/test_outbox_page.py).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conference.core.models import Role
from conference.core.services import audit_record
from sessions_app import services as sessions
from sessions_app.models import SessionSpeaker
from tests.factories import (
    ConferenceRoleFactory,
    MeetingFactory,
    MeetingRequestFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    OutgoingEmailFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
    local_time,
)
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(conference, organiser, delegate):
    """
    `grow()` adds one round of data around `delegate`: three sessions with a
    speaker each, which the delegate and three others sign up for, a B2B
    meeting and a request for the delegate, registrations in three states,
    outbox rows and audit entries; then the agenda is published again.
    A long workshop, `world.target`, overlaps all the delegate's sessions.
    """

    class World:
        rounds = 0
        target = SessionFactory(
            conference=conference,
            kind="workshop",
            capacity=100,
            signup_required=True,
            starts_at=local_time(conference, 7),
            ends_at=local_time(conference, 23),
        )

        def grow(self):
            n = self.rounds
            self.rounds += 1
            others = [
                RegistrationFactory(conference=conference, status=status)
                for status in ("approved", "pending", "waitlisted")
            ]
            new = [
                SessionFactory(
                    conference=conference,
                    kind="workshop",
                    capacity=10,
                    signup_required=True,
                    starts_at=local_time(conference, 8 + 3 * n + i),
                    ends_at=local_time(conference, 8 + 3 * n + i, 45),
                )
                for i in range(3)
            ]
            for session in new:
                SessionSpeaker.objects.create(
                    session=session, speaker=SpeakerFactory(conference=conference)
                )
            publish(conference, organiser)
            for session in new:
                for registration in (delegate.registration, others[0]):
                    sessions.session_signup(registration=registration, session_id=session.pk)
            # In the evening of the first day: inside `target`, apart from each other.
            starts_at = local_time(conference, 20) + datetime.timedelta(minutes=20 * n)
            slot = MeetingSlotFactory(
                conference=conference,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=20),
            )
            meeting = MeetingFactory(conference=conference, slot=slot)
            MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
            MeetingSeatFactory(meeting=meeting, registration=others[0])
            MeetingRequestFactory(
                conference=conference,
                requester=others[0],
                target_registration=delegate.registration,
                expires_at=local_time(conference, 8) + datetime.timedelta(days=10),
            )
            OutgoingEmailFactory.create_batch(3, conference=conference)
            for action in ("registration.approve", "gatelist.download"):
                audit_record(actor=organiser, conference=conference, action=action)

    return World()


def count_then_triple(client, path, world, expected):
    """Queries for `path` after one round of data, then after three: both `expected`."""
    world.grow()
    client.get(path)  # warm the caches a first visit fills
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    world.grow()
    world.grow()
    client.get(path)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)
        assert response.status_code == 200
    sql = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(many.captured_queries, 1))
    assert len(few) == len(many) == expected, f"{len(few)}, {len(many)} queries:\n{sql}"
    return response


def test_the_home_page_takes_a_fixed_number_of_queries(conference, delegate, world):
    count_then_triple(login(delegate), url(conference), world, expected=3)


def test_a_sessions_page_takes_a_fixed_number_of_queries(conference, delegate, world):
    # user, registration (with conference and roles), release, live sign-up,
    # the delegate's sign-ups and meetings (with seats) for clashes, seats left
    response = count_then_triple(
        login(delegate), url(conference, f"agenda/sessions/{world.target.pk}/"), world, expected=8
    )
    assert len(response.context["clashes"]) == 3 * 3 + 3  # sessions and meetings


def test_my_schedule_takes_a_fixed_number_of_queries(conference, delegate, world):
    # user, registration (with conference and roles), release, sign-ups,
    # meetings and their seats
    response = count_then_triple(login(delegate), url(conference, "me/"), world, expected=6)
    assert response.content.decode().count("B2B meeting with") == 3


def test_the_organiser_dashboard_takes_a_fixed_number_of_queries(conference, organiser, world):
    response = count_then_triple(login(organiser), url(conference, "manage/"), world, expected=11)
    assert response.context["registration_total"] == 1 + 3 * 3
    assert response.context["meetings"] == 3


def test_a_check_in_staff_member_reads_the_home_page_in_as_many_queries(conference, world):
    staff = ConferenceRoleFactory(conference=conference, role=Role.CHECKIN).user
    count_then_triple(login(staff), url(conference), world, expected=4)
