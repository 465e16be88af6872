"""
The profile page, the organisation's profile page and the taxonomy page use
a fixed number of queries, whatever the size of the taxonomy and how many
people chose each topic; and a list of people with their photos and topics
costs two queries, however long. If a count changes, fix the N+1 rather
than the number.
"""

import pytest

from accounts.models import Registration
from b2b_meetings.matchmaking import selectors
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from tests.helpers import listed, login, url

pytestmark = pytest.mark.django_db

ROUNDS = 4


@pytest.fixture
def grow(conference, delegate):
    """
    `grow()` adds three topics to the taxonomy, and a listed delegate whose
    profile chose all topics so far, at an organisation offering and
    seeking them; the delegate's own profile and organisation choose them too.
    """

    def add_round():
        start = Topic.objects.filter(conference=conference).count()
        for i in range(start, start + 3):
            Topic.objects.create(conference=conference, code=f"t{i}", label_en=f"Topic {i}")
        every = list(Topic.objects.filter(conference=conference))
        for registration in (listed(conference), delegate.registration):
            profile, _ = DelegateProfile.objects.get_or_create(registration=registration)
            profile.topics.set(every)
            row, _ = OrganisationTopics.objects.get_or_create(
                conference=conference, organisation=registration.organisation
            )
            row.offered.set(every)
            row.sought.set(every[:2])

    return add_round


def counts_the_same(client, page, grow, django_assert_num_queries, expected):
    grow()
    with django_assert_num_queries(expected):
        assert client.get(page).status_code == 200
    for _ in range(ROUNDS - 1):
        grow()
    with django_assert_num_queries(expected):
        response = client.get(page)
        assert response.status_code == 200
    return response


def test_the_profile_page_has_a_fixed_number_of_queries(
    conference, delegate, grow, django_assert_num_queries
):
    """
    The user and the registration (with conference and roles); the profile and
    its topics; the taxonomy.
    """
    response = counts_the_same(
        login(delegate), url(conference, "b2b/profile/"), grow, django_assert_num_queries, 5
    )
    assert len(response.context["form"].fields["topics"].choices) == 3 * ROUNDS


def test_the_organisation_profile_page_has_a_fixed_number_of_queries(
    conference, delegate, grow, django_assert_num_queries
):
    page = url(conference, f"b2b/organisations/{delegate.registration.organisation_id}/edit/")
    # The five of every page; the organisation, the taxonomy, its topics row,
    # offered and sought.
    response = counts_the_same(login(delegate), page, grow, django_assert_num_queries, 7)
    assert len(response.context["form"]["offered"].value()) == 3 * ROUNDS


def test_the_taxonomy_page_has_a_fixed_number_of_queries(
    conference, organiser, grow, django_assert_num_queries
):
    response = counts_the_same(
        login(organiser),
        url(conference, "manage/b2b/taxonomy/"),
        grow,
        django_assert_num_queries,
        5,  # the three of every page, the second-factor check, the topics with their usage
    )
    rows = response.context["rows"]
    assert len(rows) == 3 * ROUNDS
    assert rows[0][0].people == ROUNDS + 1


def test_people_with_their_photos_and_topics_cost_two_queries(
    conference, grow, django_assert_num_queries
):
    for _ in range(ROUNDS):
        grow()

    with django_assert_num_queries(2):
        people = list(
            selectors.registrations_with_profiles(
                Registration.objects.filter(conference=conference).select_related("conference"),
                topics=True,
            )
        )
        shown = [
            (selectors.photo_url(p), [t.label for t in p.profile.topics.all()]) for p in people
        ]

    assert len(shown) == ROUNDS + 1
    # Each round's delegate chose the topics there were by then; the delegate, all.
    assert sorted(len(labels) for _url, labels in shown) == [3, 6, 9, 12, 12]
