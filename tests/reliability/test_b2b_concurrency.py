"""
Fifty people booking the same slot at once, for real: 50 threads, each with
its own PostgreSQL connection, released together by a barrier. Exactly one
booking wins; every other gets a clear "just taken" (or "already answered")
message, and nobody gets a 500. The control tests run the same
check-then-insert on scratch tables without the database's partial unique
indexes and double-book; with the production index copied on, they do not.

The data is committed (transactional test) so that every thread sees it;
each thread closes its connection when it ends.
"""

import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingSeat
from conference.models import OrganisationKind
from tests.b2b_meetings.conftest import listed, make_slots, url
from tests.factories import ConferenceFactory, RoomFactory, TableFactory
from tests.reliability import parallel

THREADS = 50

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work, count=THREADS):
    return parallel.run_together(work, count, refusals=(services.B2BError,))


@pytest.fixture
def setup():
    conference = ConferenceFactory()
    room = RoomFactory(conference=conference)
    tables = [TableFactory(conference=conference, room=room) for _ in range(THREADS + 2)]
    (slot,) = make_slots(conference, 1)
    return conference, tables, slot


def assert_one_winner(outcomes, message):
    kinds = [kind for kind, _detail in outcomes]
    crashes = [detail for kind, detail in outcomes if kind == "crash"]
    assert crashes == []
    assert kinds.count("ok") == 1
    refusals = [detail for kind, detail in outcomes if kind == "refused"]
    assert len(refusals) == THREADS - 1
    assert all(message in detail for detail in refusals), set(refusals)


def test_fifty_bookings_of_one_person_in_one_slot_make_exactly_one_meeting(setup):
    conference, _tables, slot = setup
    person = listed(conference)
    partners = [listed(conference, OrganisationKind.OEM) for _ in range(THREADS)]

    outcomes = run_together(
        lambda i: (
            services.meeting_create(
                conference=conference, slot=slot, table=None, registrations=[person, partners[i]]
            ).pk
        )
    )

    assert_one_winner(outcomes, "just taken")
    assert Meeting.objects.filter(status="active").count() == 1
    assert MeetingSeat.objects.filter(registration=person, is_active=True).count() == 1


def test_fifty_bookings_of_one_table_in_one_slot_make_exactly_one_meeting(setup):
    conference, tables, slot = setup
    pairs = [(listed(conference), listed(conference, OrganisationKind.OEM)) for _ in range(THREADS)]

    outcomes = run_together(
        lambda i: (
            services.meeting_create(
                conference=conference, slot=slot, table=tables[0], registrations=list(pairs[i])
            ).pk
        )
    )

    assert_one_winner(outcomes, "just taken")
    assert Meeting.objects.filter(table=tables[0], slot=slot, status="active").count() == 1


def test_fifty_accepts_through_the_page_for_one_requester_and_slot_make_one_meeting(setup):
    """
    One delegate asked fifty others; all fifty accept the same slot at once
    through the accept page, each in its own browser session.
    """
    conference, _tables, slot = setup
    conference.b2b_max_pending_requests = THREADS
    conference.save()
    requester = listed(conference)
    recipients = [listed(conference, OrganisationKind.OEM) for _ in range(THREADS)]
    requests = [
        services.request_create(
            conference=conference, requester=requester, target_registration=recipient
        )
        for recipient in recipients
    ]
    clients = []
    for recipient in recipients:
        client = Client()
        client.force_login(recipient.user)
        clients.append(client)

    def accept(i):
        response = clients[i].post(
            url(conference, f"b2b/requests/{requests[i].pk}/accept/"), {"slot": slot.pk}
        )
        body = response.content.decode()
        if response.status_code == 302:
            return response.status_code
        if response.status_code == 409:
            raise services.BookingError("just taken" if "just taken" in body else body[:300])
        raise RuntimeError(f"HTTP {response.status_code}")

    outcomes = run_together(accept)

    assert_one_winner(outcomes, "just taken")
    assert Meeting.objects.filter(status="active").count() == 1
    assert MeetingSeat.objects.filter(registration=requester, is_active=True).count() == 1
    accepted = [r for r in requests if r.meetings.filter(status="active").exists()]
    assert len(accepted) == 1


def test_fifty_colleagues_accepting_one_organisation_request_make_one_meeting(setup):
    conference, _tables, slot = setup
    requester = listed(conference)
    first = listed(conference, OrganisationKind.OEM)
    colleagues = [first] + [
        listed(conference, organisation=first.organisation) for _ in range(THREADS - 1)
    ]
    request = services.request_create(
        conference=conference, requester=requester, target_organisation=first.organisation
    )

    outcomes = run_together(
        lambda i: services.request_accept(request=request, responder=colleagues[i], slot=slot).pk
    )

    assert_one_winner(outcomes, "already been answered")
    assert Meeting.objects.filter(request=request).count() == 1


class Taken(Exception):
    pass


@pytest.mark.parametrize(
    ("columns", "key", "index"),
    [
        pytest.param(
            "registration_id bigint NOT NULL, slot_id bigint NOT NULL, is_active boolean NOT NULL",
            "registration_id",
            "seat_one_active_meeting_per_person_and_slot",
            id="a-person-in-a-slot",
        ),
        pytest.param(
            "table_id bigint NOT NULL, slot_id bigint NOT NULL, status varchar(10) NOT NULL",
            "table_id",
            "meeting_one_per_table_and_slot",
            id="a-table-in-a-slot",
        ),
    ],
)
@pytest.mark.parametrize("with_index", [False, True], ids=["without-index", "with-index"])
def test_control_booking_without_the_lock_double_books_unless_the_index_refuses(
    columns, key, index, with_index
):
    """
    A booking's check-then-insert (is the person or table free in the slot?
    then take it) with no lock, on a scratch table: without the production
    partial unique index every thread finds the slot free and books it; with
    the index copied on, exactly one booking survives.
    """
    active = "is_active" if "is_active" in columns else "status"
    active_value = True if active == "is_active" else "active"

    def book(i, table):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE {key} = 1 AND slot_id = 1 AND {active} = %s',
                [active_value],
            )
            if cursor.fetchone():
                raise Taken
            time.sleep(parallel.WINDOW_SECONDS)
            cursor.execute(
                f'INSERT INTO "{table}" ({key}, slot_id, {active}) VALUES (1, 1, %s)',
                [active_value],
            )

    with parallel.scratch_table(
        key.removesuffix("_id"), columns, production_index=index if with_index else None
    ) as table:
        outcomes = parallel.run_together(
            lambda i: book(i, table), 20, refusals=(Taken, IntegrityError)
        )
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            (bookings,) = cursor.fetchone()

    assert parallel.crashes(outcomes) == []
    assert bookings == parallel.kinds(outcomes).count("ok")
    if with_index:
        assert bookings == 1
    else:
        assert bookings > 1, "the race did not happen: the control proves nothing"
