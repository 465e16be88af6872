"""
Fifty people booking the same slot at once, for real: 50 threads, each with
its own PostgreSQL connection, released together by a barrier. Exactly one
booking wins; every other gets a clear "just taken" (or "already answered")
message, and nobody gets a 500.

The data is committed (transactional test) so that every thread sees it;
each thread closes its connection when it ends.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingSeat
from conference.models import OrganisationKind
from tests.b2b_meetings.conftest import listed, make_slots, url
from tests.factories import ConferenceFactory, RoomFactory, TableFactory

THREADS = 50

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work, count=THREADS):
    """Run work(i) in `count` threads started at the same instant; return their outcomes."""
    barrier = threading.Barrier(count, timeout=60)
    outcomes = [None] * count

    def target(i):
        try:
            barrier.wait()
            outcomes[i] = ("ok", work(i))
        except services.B2BError as exc:
            outcomes[i] = ("refused", str(exc))
        except Exception as exc:  # anything else is a bug: report it, do not hang
            outcomes[i] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


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
