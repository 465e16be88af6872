"""
Fifty people booking the same slot at once, for real: 50 threads, each with
its own PostgreSQL connection, released together by a barrier. Exactly one
booking wins; every other gets a clear "just taken" (or "already answered")
message, and nobody gets a 500. The control tests run the same
check-then-insert on scratch tables without the database's partial unique
indexes and double-book; with the production index copied on, they do not.

One meeting changed from ten tabs at once (reschedules; an organiser's
moves, locks and cancels): the first change wins, the others get 409 "this
meeting just changed", never a 500, and the seats follow the meeting. The
control shows why the meeting lock reads the meeting row alone.

The data is committed (transactional test) so that every thread sees it;
each thread closes its connection when it ends.
"""

import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test import Client

from accounts import services as accounts
from accounts.services import registrations as registration_services
from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat
from b2b_meetings.scheduler import services as scheduler
from b2b_meetings.scheduler.services import commit as scheduler_commit
from b2b_meetings.services import booking
from conference.core.models import AuditLog, OrganisationKind, OutgoingEmail
from tests.factories import (
    ConferenceFactory,
    MeetingRequestFactory,
    OrganisationFactory,
    RoomFactory,
    TableFactory,
)
from tests.helpers import listed, login, make_slots, url
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
        lambda i: (
            services.request_accept(meeting_request=request, responder=colleagues[i], slot=slot).pk
        )
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


# One meeting changed from many tabs at once ------------------------------------------

MOVES = 10
JUST_CHANGED = "This meeting just changed"


@pytest.fixture
def booked(conference):
    """A meeting of two delegates in the first of eleven slots, with three tables free."""
    room = RoomFactory(conference=conference)
    tables = [TableFactory(conference=conference, room=room) for _ in range(3)]
    slots = make_slots(conference, MOVES + 1)
    people = [listed(conference), listed(conference, OrganisationKind.OEM)]
    meeting = services.meeting_create(
        conference=conference, slot=slots[0], table=tables[0], registrations=people
    )
    return conference, meeting, slots, tables, people


def answer(response):
    """(status, body) of a page response; a 5xx is a crash of the thread."""
    if response.status_code >= 500:
        raise RuntimeError(f"HTTP {response.status_code}")
    return response.status_code, response.content.decode()


def assert_consistent(meeting):
    """The seats follow their meeting; no table holds two active meetings in a slot."""
    meeting.refresh_from_db()
    seats = list(MeetingSeat.objects.filter(meeting=meeting))
    assert len(seats) == 2
    assert {seat.slot_id for seat in seats} == {meeting.slot_id}
    assert {seat.is_active for seat in seats} == {meeting.status == Meeting.Status.ACTIVE}
    active = Meeting.objects.filter(status=Meeting.Status.ACTIVE)
    assert active.count() == len({(m.table_id, m.slot_id) for m in active})


def test_ten_reschedules_of_one_meeting_at_once_apply_the_first_and_refuse_the_rest(
    booked, monkeypatch
):
    """
    One participant posts ten reschedules of the same meeting (ten tabs, ten
    different slots) at the same instant. The first to lock the meeting
    moves it; each one that read the meeting before a move it did not make
    gets a 409 "this meeting just changed", never a 500. SEQUENCE grew once
    per move that was applied, and the seats are in the meeting's slot.
    """
    conference, meeting, slots, _tables, (_recycler, oem) = booked
    tabs = [login(oem.user) for _ in range(MOVES)]
    path = url(conference, f"b2b/meetings/{meeting.pk}/reschedule/")
    # Runs under the meeting's lock: the winner holds it while the others wait.
    monkeypatch.setattr(booking, "_pick_table", parallel.slowed(booking, "_pick_table"))

    outcomes = parallel.run_together(
        lambda i: answer(tabs[i].post(path, {"slot": slots[i + 1].pk})), MOVES
    )

    assert parallel.crashes(outcomes) == []
    responses = [value for _kind, value in outcomes]
    moved = [body for status, body in responses if status == 302]
    refused = [body for status, body in responses if status == 409]
    assert len(moved) + len(refused) == MOVES, [status for status, _body in responses]
    assert moved and refused, "the race did not happen: the test proves nothing"
    assert all(JUST_CHANGED in body for body in refused)
    meeting.refresh_from_db()
    assert meeting.sequence == len(moved)
    assert AuditLog.objects.filter(action="meeting.move").count() == len(moved)
    assert meeting.slot_id in {slot.pk for slot in slots[1:]}
    assert_consistent(meeting)


def test_an_organisers_parallel_moves_locks_and_cancels_of_one_meeting_never_answer_500(
    booked, organiser, monkeypatch
):
    """
    Ten organiser tabs at once: four move the meeting, three lock it, three
    cancel it. Locking applies wherever the meeting is; of the moves and
    cancels, those that read the meeting before another moved it get 409
    "this meeting just changed", those that come after a cancel are told it
    is cancelled. SEQUENCE counts exactly the changes that were applied, and
    the seats follow the meeting.
    """
    conference, meeting, slots, tables, _people = booked
    tabs = [login(organiser) for _ in range(MOVES)]
    monkeypatch.setattr(booking, "_pick_table", parallel.slowed(booking, "_pick_table"))
    monkeypatch.setattr(booking, "audit_record", parallel.slowed(booking, "audit_record"))

    def act(i):
        if i < 4:
            path = f"manage/b2b/meetings/{meeting.pk}/move/"
            data = {"slot": slots[i + 1].pk, "table": tables[i % 3].pk, "confirm": "on"}
        elif i < 7:
            path, data = f"manage/b2b/meetings/{meeting.pk}/lock/", {"locked": "1"}
        else:
            path, data = f"b2b/meetings/{meeting.pk}/cancel/", {"reason": "clash"}
        return answer(tabs[i].post(url(conference, path), data))

    outcomes = parallel.run_together(act, MOVES)

    assert parallel.crashes(outcomes) == []
    responses = [value for _kind, value in outcomes]
    assert {status for status, _body in responses} <= {302, 409}
    refused = [body for status, body in responses if status == 409]
    assert refused, "the race did not happen: the test proves nothing"
    assert all(JUST_CHANGED in body or "has been cancelled" in body for body in refused)
    moves = AuditLog.objects.filter(action="meeting.move").count()
    cancels = AuditLog.objects.filter(action="meeting.cancel").count()
    assert cancels <= 1
    assert AuditLog.objects.filter(action="meeting.lock").count() == 1
    meeting.refresh_from_db()
    assert meeting.locked
    assert meeting.sequence == moves + cancels
    assert_consistent(meeting)


@pytest.mark.parametrize(
    ("joined", "race_happens"),
    [
        pytest.param(True, True, id="locking-with-slot-and-table-joined-loses-the-meeting"),
        pytest.param(False, False, id="locking-the-meeting-row-alone-finds-it"),
    ],
)
def test_control_a_lock_query_joining_the_slot_loses_a_meeting_a_parallel_move_changed(
    booked, joined, race_happens
):
    """
    The meeting lock as it was (the meeting row locked, its slot and table
    joined) against the lock of the row alone, each followed by a move. Under
    READ COMMITTED a waiting lock query re-checks its join once the move
    ahead of it commits: the new meeting row does not join the slot row it
    first read, so the meeting is not found at all (the 500s). Locking the
    row alone, every waiting move finds the meeting as the last move left it.
    """
    _conference, meeting, slots, _tables, _people = booked

    def move(i):
        with transaction.atomic():
            meetings = Meeting.objects.select_for_update(no_key=True, of=("self",)).order_by()
            if joined:
                meetings = meetings.select_related("slot", "table")
            locked = meetings.filter(pk=meeting.pk).first()
            if locked is None:
                raise Meeting.DoesNotExist
            time.sleep(parallel.WINDOW_SECONDS)
            Meeting.objects.filter(pk=meeting.pk).update(
                slot=slots[i + 1], sequence=F("sequence") + 1
            )
            MeetingSeat.objects.filter(meeting=meeting).update(slot=slots[i + 1])

    outcomes = parallel.run_together(move, MOVES, refusals=(Meeting.DoesNotExist,))

    assert parallel.crashes(outcomes) == []
    lost = parallel.kinds(outcomes).count("refused")
    meeting.refresh_from_db()
    assert meeting.sequence == MOVES - lost
    if race_happens:
        assert lost > 0, "the race did not happen: the control proves nothing"
    else:
        assert lost == 0


def test_a_booking_waiting_for_a_delegate_who_changes_organisation_sees_the_new_one(
    booked, monkeypatch
):
    """
    A delegate saves a new organisation while an organiser books them: the
    booking waits for the delegate's row and then works with the row as it is
    now. A lock query with the organisation joined would re-check the join
    against the organisation it first read and come back with none, so the
    confirmation would name no organisation (and caps and kind rules would
    see none).
    """
    conference, _meeting, slots, tables, (recycler, _oem) = booked
    # Someone the recycler does not meet yet: two people meet once.
    oem = listed(conference, OrganisationKind.OEM)
    moved_to = OrganisationFactory(name="Lohum Cleantech")
    # Held under the delegate's row lock while the booking waits for it.
    monkeypatch.setattr(
        registration_services,
        "_organisation_from",
        parallel.slowed(registration_services, "_organisation_from"),
    )

    def act(i):
        if i == 0:
            accounts.registration_update(
                registration=recycler,
                actor=recycler.user,
                given_name=recycler.user.given_name,
                family_name=recycler.user.family_name,
                organisation=moved_to,
            )
            return None
        time.sleep(parallel.WINDOW_SECONDS / 3)  # once the update holds the row
        return services.meeting_create(
            conference=conference, slot=slots[5], table=tables[1], registrations=[recycler, oem]
        ).pk

    outcomes = parallel.run_together(act, 2)

    assert parallel.crashes(outcomes) == []
    meeting_id = outcomes[1][1]
    confirmation = OutgoingEmail.objects.get(
        dedup_key__startswith=f"b2b:meeting:{meeting_id}:", recipient=oem.user.email
    )
    assert "Lohum Cleantech" in confirmation.body_text


def test_a_booking_while_the_scheduler_commits_its_preview_deadlocks_neither(
    conference, organiser, monkeypatch
):
    """
    The organisers commit a scheduler preview while an organiser books the
    financier the preview places first into that very slot. The commit locks
    its job (the job row alone, not the conference it joins), then the
    participants; the booking locks the financier and writes a meeting that
    refers to the conference. Were the conference locked by the commit, the
    booking would wait for it holding the financier, while the commit waits
    for the financier: a deadlock. Instead the booking wins and the commit
    says its preview is stale, writing nothing.
    """
    room = RoomFactory(conference=conference)
    slots = make_slots(conference, 3)
    for _ in range(2):
        TableFactory(conference=conference, room=room)
    financier = listed(conference, OrganisationKind.FINANCIER)
    for _ in range(3):
        MeetingRequestFactory(
            conference=conference,
            requester=listed(conference),
            target_registration=financier,
            status=MeetingRequest.Status.SCHEDULING,
        )
    job = scheduler.schedule_start(conference=conference, actor=organiser, time_limit=10)
    job.refresh_from_db()
    assert job.result["state"] == "preview"
    first = next(slot for slot in slots if slot.pk in {p[1] for p in job.result["placements"]})
    partner = listed(conference)
    # With the job locked, before the participants: the booking comes then.
    monkeypatch.setattr(
        scheduler_commit,
        "registrations_lock",
        parallel.slowed(scheduler_commit, "registrations_lock"),
    )

    def act(i):
        if i == 0:
            return scheduler.schedule_commit(job=job, actor=organiser).pk
        time.sleep(parallel.WINDOW_SECONDS / 3)  # once the commit holds its job
        return services.meeting_create(
            conference=conference,
            slot=first,
            table=None,
            registrations=[financier, partner],
            notify=False,
        ).pk

    outcomes = parallel.run_together(act, 2, refusals=(scheduler.SchedulePreviewStale,))

    assert parallel.crashes(outcomes) == []
    assert parallel.kinds(outcomes) == ["refused", "ok"]
    assert Meeting.objects.filter(request__isnull=False).count() == 0
    assert Meeting.objects.get().slot == first
