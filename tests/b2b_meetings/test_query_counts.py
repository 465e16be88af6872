"""
The directory, a delegate's requests page and the organisers' grid use a
fixed number of queries: the same with three times the data. If a count
changes, the failure prints the SQL; fix the N+1 rather than the number.
"""

import pytest

from b2b_meetings import services
from conference.models import OrganisationKind
from tests.b2b_meetings.conftest import listed, login, make_slots, url
from tests.factories import TableFactory

pytestmark = pytest.mark.django_db

KINDS = [OrganisationKind.OEM, OrganisationKind.FINANCIER, OrganisationKind.RESEARCH]


@pytest.fixture
def world(conference, room, recycler):
    """
    `grow()` adds one round of data around the delegate `recycler`: three
    organisations with two listed delegates each, a request from each of
    them (one to the organisation), a request to each, a meeting with each,
    and a slot and two tables for them.
    """
    state = {"round": 0}

    def grow():
        n = state["round"]
        state["round"] += 1
        slots = make_slots(conference, 3, hour=9 + n)
        tables = [TableFactory(conference=conference, room=room) for _ in range(2)]
        for i, kind in enumerate(KINDS):
            first = listed(conference, kind)
            second = listed(conference, organisation=first.organisation)
            services.request_create(
                conference=conference, requester=first, target_registration=recycler
            )
            services.request_create(
                conference=conference,
                requester=second,
                target_organisation=recycler.organisation,
            )
            services.request_create(
                conference=conference, requester=recycler, target_organisation=first.organisation
            )
            services.meeting_create(
                conference=conference,
                slot=slots[i],
                table=tables[0],
                registrations=[recycler, second],
                notify=False,
            )
            services.meeting_create(
                conference=conference,
                slot=slots[i],
                table=tables[1],
                registrations=[first, listed(conference)],
                notify=False,
            )

    return grow


def count_then_triple(page, client, world, django_assert_num_queries, expected):
    world()
    with django_assert_num_queries(expected):
        assert client.get(page).status_code == 200
    world()
    world()
    with django_assert_num_queries(expected):
        response = client.get(page)
        assert response.status_code == 200
    return response


def test_the_directory_has_a_fixed_number_of_queries(
    conference, recycler, world, django_assert_num_queries
):
    response = count_then_triple(
        url(conference, "b2b/?kind="),
        login(recycler.user),
        world,
        django_assert_num_queries,
        expected=9,
    )
    assert response.context["page"].paginator.count == 1 + 3 * 3 * 2


def test_the_requests_page_has_a_fixed_number_of_queries(
    conference, recycler, world, django_assert_num_queries
):
    response = count_then_triple(
        url(conference, "b2b/requests/"),
        login(recycler.user),
        world,
        django_assert_num_queries,
        expected=9,
    )
    assert len(response.context["incoming"]) == 3 * 3 * 2
    assert len(response.context["outgoing"]) == 3 * 3
    assert len(response.context["meetings"]) == 3 * 3


def test_the_organiser_grid_has_a_fixed_number_of_queries(
    conference, organiser, world, django_assert_num_queries
):
    response = count_then_triple(
        url(conference, "manage/b2b/"),
        login(organiser),
        world,
        django_assert_num_queries,
        expected=10,
    )
    grid = response.context["grid"]
    assert len(grid.slots) == 9 and len(grid.tables) == 6
    assert sum(1 for _slot, cells in grid.rows for _t, meeting in cells if meeting) == 18


def test_accepting_a_request_has_a_fixed_number_of_queries(
    conference, tables, slots, recycler, world, django_assert_num_queries
):
    """The hot path of the benchmark: locks, checks, inserts and two outbox rows."""
    from b2b_meetings.models import Meeting

    world()
    world()
    world()
    partner = listed(conference, OrganisationKind.OEM)
    request = services.request_create(
        conference=conference, requester=partner, target_registration=recycler
    )
    client = login(recycler.user)

    with django_assert_num_queries(28):
        response = client.post(
            url(conference, f"b2b/requests/{request.pk}/accept/"), {"slot": slots[5].pk}
        )

    assert response.status_code == 302
    assert Meeting.objects.filter(request=request, status="active").count() == 1
