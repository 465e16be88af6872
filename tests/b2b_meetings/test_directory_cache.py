"""
The directory's shared data and cards (b2b_meetings.selectors.directory,
conference/core/fragments.py): read once for every reader, yet any change to
what the directory shows is seen by the next page view; cards rendered once
per distinct content, never showing one reader's state to another.
"""

import pytest
from django.core.cache import cache

from b2b_meetings import services
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from b2b_meetings.selectors.directory_search import DIRECTORY_DATA_SECONDS, _data_key
from conference.core.models import OrganisationKind
from tests.factories import OrganisationFactory
from tests.helpers import listed, login, url

pytestmark = pytest.mark.django_db

CARD = "b2b_meetings/_directory_organisation.html"


@pytest.fixture
def refining(conference):
    return Topic.objects.create(
        conference=conference, code="refining", label_en="Refining", label_ja="精製", position=0
    )


def directory(client, conference, path="b2b/"):
    response = client.get(url(conference, path))
    assert response.status_code == 200
    return response


def text(response):
    return response.content.decode()


def test_the_shared_data_is_kept_for_a_bounded_time(conference, recycler):
    directory(login(recycler.user), conference)

    key = cache.make_and_validate_key(_data_key(conference.pk, False))
    ttl = cache._cache.get_client(key).ttl(key)  # Redis itself: what it will keep
    assert 0 < ttl <= DIRECTORY_DATA_SECONDS


def test_a_newly_listed_delegate_and_a_renamed_organisation_show_at_once(conference, recycler):
    client = login(recycler.user)
    directory(client, conference)

    newcomer = listed(conference, organisation=OrganisationFactory(name="Hokkaido Cathode"))
    assert "Hokkaido Cathode" in text(directory(client, conference))

    newcomer.organisation.name = "Hokkaido Cathode Materials"
    newcomer.organisation.save()
    assert "Hokkaido Cathode Materials" in text(directory(client, conference))

    newcomer.directory_consent = False
    newcomer.save()
    assert "Hokkaido Cathode" not in text(directory(client, conference))


def test_new_topics_and_interests_count_at_once(conference, recycler, refining):
    client = login(recycler.user)
    org = OrganisationFactory(name="Deccan Refiners", kind=OrganisationKind.RECYCLER)
    person = listed(conference, organisation=org)
    entry = OrganisationTopics.objects.create(conference=conference, organisation=org)
    assert "Deccan Refiners" not in text(directory(client, conference, "b2b/?topic=refining"))

    entry.offered.add(refining)
    assert "Deccan Refiners" in text(directory(client, conference, "b2b/?topic=refining"))

    people = "b2b/?show=people&topic=refining"
    directory(client, conference, people)
    profile = DelegateProfile.objects.create(registration=person)
    profile.topics.add(refining)
    person.user.family_name = "Venkataraman"
    person.user.save()
    assert "Venkataraman" in text(directory(client, conference, people))


def test_cards_are_rendered_once_and_shared_between_readers(conference, recycler):
    listed(conference, organisation=OrganisationFactory(name="Pilbara Lithium"))
    listed(conference, organisation=OrganisationFactory(name="Osaka Cells"))
    colleague = listed(conference, organisation=recycler.organisation)
    first = directory(login(recycler.user), conference)
    again = directory(login(colleague.user), conference)

    # Three cards, the same for two people of one organisation.
    assert [t.name for t in first.templates].count(CARD) == 3
    assert CARD not in [t.name for t in again.templates]
    assert "Pilbara Lithium" in text(again)


def test_a_readers_own_state_changes_their_card_and_no_one_elses(conference, recycler):
    target = listed(conference, organisation=OrganisationFactory(name="Nagoya Motors", kind="oem"))
    bystander = listed(conference, organisation=OrganisationFactory(kind="oem"))
    directory(login(bystander.user), conference)  # the card without a request, cached
    services.request_create(
        conference=conference, requester=recycler, target_organisation=target.organisation
    )

    mine = text(directory(login(recycler.user), conference))
    theirs = text(directory(login(bystander.user), conference))

    nagoya = mine[mine.index("Nagoya Motors") :]
    assert "Request sent" in nagoya[: nagoya.index("</article>")]
    nagoya = theirs[theirs.index("Nagoya Motors") :]
    assert "Request sent" not in nagoya[: nagoya.index("</article>")]
