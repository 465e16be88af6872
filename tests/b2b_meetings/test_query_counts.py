"""
The directory, a delegate's requests page and the organisers' grid use a
fixed number of queries: the same after one round of data as after four,
with requests in every state, meetings booked by accepting and by the
organisers, locked meetings and a table taken out of use, and a directory
longer than one page. If a count changes, the failure lists the SQL (run
pytest with -v); fix the N+1 rather than the number.
"""

import datetime

import pytest
from django.utils import timezone

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot, Unavailability
from b2b_meetings.views.delegate import DIRECTORY_PAGE_SIZE
from conference.core.models import OrganisationKind
from tests.factories import TableFactory
from tests.helpers import listed, login, make_slots, url

pytestmark = pytest.mark.django_db

KINDS = [OrganisationKind.OEM, OrganisationKind.FINANCIER, OrganisationKind.RESEARCH]
ROUNDS = 4


@pytest.fixture
def world(conference, room, recycler):
    """
    `grow()` adds one round of data around the delegate `recycler`: three
    slots and three tables (the third then taken out of use with a meeting
    at it), and per organisation kind two listed colleagues, who send
    `recycler` one request in person (left pending) and one to its
    organisation (accepted by `recycler`: a meeting); `recycler` sends one
    to their organisation, which is declined, withdrawn or expired; and a
    meeting between two other delegates, locked in the first slot.
    """
    conference.b2b_max_meetings_per_delegate = 4 * ROUNDS
    conference.save()
    state = {"round": 0}

    def grow():
        n = state["round"]
        state["round"] += 1
        slots = make_slots(conference, 3, hour=9 + n)
        # Labels that sort in creation order: accepting takes the first free table.
        tables = [
            TableFactory(conference=conference, room=room, label=f"W{n:02d}-{k}") for k in range(3)
        ]
        for i, kind in enumerate(KINDS):
            first = listed(conference, kind)
            second = listed(conference, organisation=first.organisation)
            services.request_create(
                conference=conference, requester=first, target_registration=recycler
            )
            to_us = services.request_create(
                conference=conference,
                requester=second,
                target_organisation=recycler.organisation,
            )
            services.request_accept(meeting_request=to_us, responder=recycler, slot=slots[i])
            ours = services.request_create(
                conference=conference, requester=recycler, target_organisation=first.organisation
            )
            if i == 0:
                services.request_decline(meeting_request=ours, responder=first, reason="Not now")
            elif i == 1:
                services.request_withdraw(meeting_request=ours, requester=recycler)
            else:
                MeetingRequest.objects.filter(pk=ours.pk).update(
                    expires_at=timezone.now() - datetime.timedelta(minutes=1)
                )
                services.requests_expire()
            others = services.meeting_create(
                conference=conference,
                slot=slots[i],
                table=tables[1],
                registrations=[first, listed(conference)],
                notify=False,
            )
            if i == 0:
                services.meeting_lock(meeting=others, locked=True, actor=None)
        services.meeting_create(
            conference=conference,
            slot=slots[0],
            table=tables[2],
            registrations=[listed(conference), listed(conference)],
            notify=False,
        )
        services.table_set_active(table=tables[2], is_active=False, actor=None)

    return grow


def count_small_then_large(page, client, world, django_assert_num_queries, expected):
    """The page's queries after one round of data, then after ROUNDS rounds."""
    world()
    with django_assert_num_queries(expected):
        assert client.get(page).status_code == 200
    for _ in range(ROUNDS - 1):
        world()
    with django_assert_num_queries(expected):
        response = client.get(page)
        assert response.status_code == 200
    return response


def test_the_directory_has_a_fixed_number_of_queries(
    conference, recycler, world, django_assert_num_queries
):
    response = count_small_then_large(
        url(conference, "b2b/?kind="),
        login(recycler.user),
        world,
        django_assert_num_queries,
        expected=8,
    )
    page = response.context["page"]
    # The recycler's organisation, and per round and kind two others (each
    # `first`'s, and that of the delegate `first` meets); the meetings of the
    # table out of use are between organisations of their own.
    assert page.paginator.count == 1 + ROUNDS * len(KINDS) * 2 + ROUNDS * 2
    assert page.paginator.count > DIRECTORY_PAGE_SIZE
    assert len(page.object_list) == DIRECTORY_PAGE_SIZE


def test_the_requests_page_has_a_fixed_number_of_queries(
    conference, recycler, world, django_assert_num_queries
):
    response = count_small_then_large(
        url(conference, "b2b/requests/"),
        login(recycler.user),
        world,
        django_assert_num_queries,
        expected=6,
    )
    incoming, outgoing = response.context["incoming"], response.context["outgoing"]
    assert len(incoming) == ROUNDS * len(KINDS) * 2
    assert {r.status for r in incoming} == {"pending", "accepted"}
    assert len(outgoing) == ROUNDS * len(KINDS)
    assert {r.status for r in outgoing} == {"declined", "cancelled", "expired"}
    assert len(response.context["meetings"]) == ROUNDS * len(KINDS)
    assert sum(1 for r in incoming if r.my_meeting) == ROUNDS * len(KINDS)


def test_the_organiser_grid_has_a_fixed_number_of_queries(
    conference, organiser, world, django_assert_num_queries
):
    response = count_small_then_large(
        url(conference, "manage/b2b/"),
        login(organiser),
        world,
        django_assert_num_queries,
        expected=8,
    )
    grid = response.context["grid"]
    assert len(grid.slots) == 3 * ROUNDS and len(grid.tables) == 2 * ROUNDS
    cells = [meeting for _slot, row in grid.rows for _table, meeting in row if meeting]
    assert len(cells) == ROUNDS * len(KINDS) * 2
    assert sum(1 for meeting in cells if meeting.locked) == ROUNDS
    assert len(grid.off_grid) == ROUNDS


def test_accepting_a_request_has_a_fixed_number_of_queries(
    conference, tables, slots, recycler, world, django_assert_num_queries
):
    """
    The hot path of the benchmark, whatever the data: the session, user,
    roles and registration (5), then one transaction: lock the request, the
    two registrations (the rows alone, then read with their users and
    organisations) and the slot, check both people and that they do not
    already meet, pick a table, insert the meeting and its seats, settle
    other open requests between the two (one skip-locked read), write the
    audit row and both emails (look up their keys, one insert, read the ids
    back), look up the conference's webhook endpoints for the booking's
    event, and mark the request accepted.
    """
    client = login(recycler.user)
    for round_ in range(2):
        if round_:
            for _ in range(ROUNDS - 1):
                world()
        # A new partner each round: two people meet once.
        partner = listed(conference, OrganisationKind.OEM)
        request = services.request_create(
            conference=conference, requester=partner, target_registration=recycler
        )

        with django_assert_num_queries(20):
            response = client.post(
                url(conference, f"b2b/requests/{request.pk}/accept/"),
                {"slot": slots[round_].pk},
            )

        assert response.status_code == 302
        assert Meeting.objects.filter(request=request, status="active").count() == 1


def test_the_scheduler_preview_and_its_csv_have_a_fixed_number_of_queries(
    conference, organiser, room, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """
    A repair run's preview page (the user, registration with conference and roles, and
    second factor; the run; the grid's slots, tables, meetings and seats; the
    wishes; the people left without a meeting; the declined count) and its
    CSV (the same reads, then the audit entry), after one
    round of data and after four. Per round: two slots and two tables, a
    meeting that has to move for a wish to fit, a wish that fits as it is,
    one nobody has taken on and one declined.
    """
    from b2b_meetings.scheduler import services as scheduler

    client = login(organiser)

    def grow(n):
        slots = make_slots(conference, 2, hour=9 + n)
        table, _spare = (
            TableFactory(conference=conference, room=room),
            TableFactory(conference=conference, room=room),
        )
        a, b, c = listed(conference), listed(conference), listed(conference)
        services.meeting_create(
            conference=conference, slot=slots[0], table=table, registrations=[a, b], notify=False
        )
        # c can only meet a in the first slot: a and b move to make room.
        for slot in MeetingSlot.objects.filter(conference=conference).exclude(pk=slots[0].pk):
            Unavailability.objects.create(registration=c, slot=slot)
        for requester, target, status in (
            (c, a, MeetingRequest.Status.SCHEDULING),
            (listed(conference), listed(conference), MeetingRequest.Status.SCHEDULING),
            (listed(conference), a, MeetingRequest.Status.DECLINED),
        ):
            MeetingRequest.objects.create(
                conference=conference,
                requester=requester,
                target_registration=target,
                status=status,
            )
        MeetingRequest.objects.create(
            conference=conference,
            requester=listed(conference),
            target_organisation=listed(conference, OrganisationKind.OEM).organisation,
            status=MeetingRequest.Status.SCHEDULING,
        )

    def measure():
        with django_capture_on_commit_callbacks(execute=True):
            job = scheduler.schedule_start(
                conference=conference, actor=organiser, reoptimise=True, time_limit=10
            )
        job.refresh_from_db()
        counts = job.result["counts"]
        assert counts["new"] and counts["moved"] and counts["unscheduled"] and counts["without"]
        page = url(conference, f"manage/b2b/schedule/{job.pk}/")
        with django_assert_num_queries(12):
            assert client.get(page).status_code == 200
        with django_assert_num_queries(13):
            assert client.get(page + "proposal.csv").status_code == 200
        scheduler.schedule_discard(job=job, actor=organiser)
        return counts

    grow(0)
    small = measure()
    for n in range(1, ROUNDS):
        grow(n)
    large = measure()
    assert large["requests"] > small["requests"]
