"""
The directory at `b2b/`: organisations and people who consented to be
listed, found by facets (kind, country, value chain, topic) and by text in
English and Japanese, paged, ordered by relevance to the reader; a fixed
number of queries whatever the data; nothing about who meets whom, and
nothing of people who did not consent.
"""

import pytest

from b2b_meetings import services
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Suggestion, Topic
from b2b_meetings.views.delegate import DIRECTORY_PAGE_SIZE
from conference.core.models import OrganisationKind, ValueChain
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import listed, login, make_slots, url

pytestmark = pytest.mark.django_db

TOPICS = [
    ("refining", "Refining and processing", "精製・加工"),
    ("black_mass_recycling", "Black mass and recycling", "ブラックマス・リサイクル"),
    ("ev_oem_offtake", "EV OEM offtake", "EVメーカーの引取"),
    ("project_finance", "Project finance", "プロジェクトファイナンス"),
]


@pytest.fixture
def topics(conference):
    return {
        code: Topic.objects.create(
            conference=conference, code=code, label_en=en, label_ja=ja, position=i
        )
        for i, (code, en, ja) in enumerate(TOPICS)
    }


def organisation(conference, name, *, kind=OrganisationKind.OEM, offered=(), sought=(), **fields):
    """An organisation with a listed delegate, and its topics at `conference`."""
    org = OrganisationFactory(name=name, kind=kind, **fields)
    person = listed(conference, organisation=org)
    if offered or sought:
        entry = OrganisationTopics.objects.create(conference=conference, organisation=org)
        entry.offered.set(offered)
        entry.sought.set(sought)
    return org, person


def person(conference, given, family, *, org=None, bio="", interests=(), **kwargs):
    """A delegate (listed unless told otherwise) with a profile."""
    user = UserFactory(given_name=given, family_name=family)
    registration = listed(
        conference,
        organisation=org or OrganisationFactory(kind=OrganisationKind.RESEARCH),
        user=user,
        **kwargs,
    )
    profile = DelegateProfile.objects.create(registration=registration, bio=bio)
    profile.topics.set(interests)
    return registration


def names(response):
    return [item.name for item in response.context["page"].object_list]


def people(response):
    return [item.user.display_name for item in response.context["page"].object_list]


# Fixed query counts ---------------------------------------------------------------------


def grow(conference, topics, viewer, start, count):
    """`count` organisations with topics, two listed people with interests each, suggestions."""
    kinds = [OrganisationKind.OEM, OrganisationKind.FINANCIER, OrganisationKind.RECYCLER]
    codes = list(topics)
    for i in range(start, start + count):
        org, first = organisation(
            conference,
            f"Lithium Works {i:03d}",
            kind=kinds[i % 3],
            country=["IN", "JP", "AU"][i % 3],
            value_chain=ValueChain.REFINING if i % 2 else ValueChain.OEM,
            offers="Battery-grade lithium hydroxide",
            offers_ja="電池グレードの水酸化リチウム",
            offered=[topics[codes[i % 4]]],
            sought=[topics[codes[(i + 1) % 4]]],
        )
        profile = DelegateProfile.objects.create(registration=first, bio="Refinery engineer")
        profile.topics.set([topics[codes[(i + 2) % 4]]])
        second = person(conference, "Aoi", f"Suzuki{i}", org=org, interests=[topics["refining"]])
        Suggestion.objects.create(
            registration=viewer, target=second, rank=i + 1, score=1.0 / (i + 1)
        )


PAGES = {
    "everyone": ("b2b/", 8),
    "kind_and_topic": ("b2b/?kind=oem&topic=refining", 8),
    "english_search": ("b2b/?q=lithium", 9),
    "japanese_search": ("b2b/?q=リチウム", 9),
    "people": ("b2b/?show=people", 9),
    "people_search": ("b2b/?show=people&q=suzuki&value_chain=refining", 10),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_it_has_a_fixed_number_of_queries_for_5_or_50_organisations(
    page, conference, topics, recycler, django_assert_num_queries
):
    """
    The user and the registration with the conference and roles (2), then the
    taxonomy, the directory's data (organisations' topics, people: their
    interests, every listed row: one query each, read again after each change,
    else from the cache), (a search: the matching rows,) the reader's
    suggestions, one page of rows and the reader's pending requests.
    """
    path, expected = page
    client = login(recycler.user)
    grow(conference, topics, recycler, 0, 5)
    with django_assert_num_queries(expected):
        assert client.get(url(conference, path)).status_code == 200
    grow(conference, topics, recycler, 5, 45)
    with django_assert_num_queries(expected):
        response = client.get(url(conference, path))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) > 0


def test_an_organiser_reads_it_with_a_fixed_number_of_queries_too(
    conference, topics, organiser, recycler, django_assert_num_queries
):
    """No suggestions or pending requests to read; the second factor's check (2) instead."""
    client = login(organiser)
    grow(conference, topics, recycler, 0, 5)
    with django_assert_num_queries(9):
        client.get(url(conference, "b2b/?show=people"))
    grow(conference, topics, recycler, 5, 30)
    with django_assert_num_queries(9):
        assert client.get(url(conference, "b2b/?show=people")).status_code == 200


# Facets -------------------------------------------------------------------------------


def test_it_filters_organisations_by_kind_country_value_chain_and_topic(
    conference, topics, financier
):
    organisation(
        conference,
        "Kansai Refining",
        kind=OrganisationKind.RECYCLER,
        country="JP",
        value_chain=ValueChain.REFINING,
        offered=[topics["refining"]],
    )
    organisation(
        conference,
        "Deccan Motors",
        kind=OrganisationKind.OEM,
        country="IN",
        value_chain=ValueChain.OEM,
        sought=[topics["refining"]],
    )
    organisation(conference, "Pilbara Finance", kind=OrganisationKind.FINANCIER, country="AU")
    client = login(financier.user)

    def found(query):
        return set(names(client.get(url(conference, f"b2b/?{query}"))))

    assert found("kind=oem") == {"Deccan Motors"}
    assert found("country=JP") == {"Kansai Refining"}
    assert found("value_chain=refining") == {"Kansai Refining"}
    # Offered or sought: both match the topic.
    assert found("topic=refining") == {"Kansai Refining", "Deccan Motors"}
    assert found("topic=refining&country=IN") == {"Deccan Motors"}


def test_each_facet_counts_with_the_other_facets_applied(conference, topics, financier):
    organisation(
        conference, "A", kind=OrganisationKind.OEM, country="JP", offered=[topics["refining"]]
    )
    organisation(conference, "B", kind=OrganisationKind.OEM, country="IN")
    organisation(conference, "C", kind=OrganisationKind.RECYCLER, country="JP")

    response = login(financier.user).get(url(conference, "b2b/?country=JP"))

    facets = response.context["search"].facets
    kinds = {o.value: o.count for o in facets["kind"]}
    countries = {o.value: o.count for o in facets["country"]}
    assert kinds == {"oem": 1, "recycler": 1}  # in Japan
    # Countries are counted across kinds: choosing one country leaves the others on offer.
    assert countries["JP"] == 2 and countries["IN"] == 2  # B and the financier's own org
    assert {o.value: o.count for o in facets["topic"]} == {"refining": 1}
    assert "Refining and processing (1)" in response.content.decode()


def test_a_person_matches_a_topic_of_their_own_or_of_their_organisation(
    conference, topics, financier
):
    org, _ = organisation(conference, "Setouchi Cells", offered=[topics["ev_oem_offtake"]])
    colleague = person(conference, "Rin", "Kato", org=org)
    keen = person(conference, "Mia", "Brown", interests=[topics["ev_oem_offtake"]])
    person(conference, "Jack", "Wilson", interests=[topics["project_finance"]])

    response = login(financier.user).get(url(conference, "b2b/?show=people&topic=ev_oem_offtake"))

    found = set(people(response))
    assert colleague.user.display_name in found and keen.user.display_name in found
    assert "Jack Wilson" not in found


# Text search ----------------------------------------------------------------------------


def test_it_searches_english_japanese_and_short_words(conference, topics, financier):
    organisation(
        conference,
        "Kyushu Materials",
        offers="Battery-grade nickel sulphate",
        offers_ja="電池グレードの硫酸ニッケル",
    )
    organisation(conference, "Riverina Capital", seeks="Bankable recycling projects")
    client = login(financier.user)

    def found(q):
        return names(client.get(url(conference, "b2b/"), {"q": q}))

    assert found("nickel") == ["Kyushu Materials"]
    assert found("ニッケル") == ["Kyushu Materials"]
    assert found("硫酸") == ["Kyushu Materials"]  # two characters: substring matching
    assert found("bankable RECYCLING") == ["Riverina Capital"]
    # A typo still finds it (pg_trgm word similarity).
    assert found("Riverna") == ["Riverina Capital"]
    # The taxonomy's labels, in either language.
    organisation(conference, "Gippsland Fund", offered=[topics["project_finance"]])
    assert found("プロジェクトファイナンス") == ["Gippsland Fund"]


def test_it_finds_people_by_name_job_title_and_bio(conference, financier):
    yuki = person(conference, "Yuki", "Takahashi", bio="Leads cathode precursor sourcing")
    person(conference, "Emma", "Garcia", bio="Policy work on battery passports")
    client = login(financier.user)

    def found(q):
        return people(client.get(url(conference, "b2b/"), {"show": "people", "q": q}))

    assert found("takahashi") == [yuki.user.display_name]
    assert found("precursor") == [yuki.user.display_name]
    # An organisation is found by its listed people's names too.
    orgs = names(client.get(url(conference, "b2b/"), {"q": "Takahashi"}))
    assert orgs == [yuki.organisation.name]


def test_a_search_never_matches_people_who_did_not_consent(conference, financier):
    org, listed_person = organisation(conference, "Chubu Battery")
    hidden = person(
        conference,
        "Hanako",
        "Zetterberg",
        org=org,
        bio="Secret gigafactory plans",
        directory_consent=False,
    )
    pending = person(conference, "Kenji", "Quarrington", status="pending", bio="Secret too")
    client = login(financier.user)

    for q in ("Zetterberg", "gigafactory", "Quarrington"):
        assert names(client.get(url(conference, "b2b/"), {"q": q})) == []
        assert people(client.get(url(conference, "b2b/"), {"show": "people", "q": q})) == []
    everyone = client.get(url(conference, "b2b/"), {"show": "people"}).content.decode()
    assert listed_person.user.display_name in everyone
    assert hidden.user.display_name not in everyone
    assert pending.user.display_name not in everyone
    assert pending.organisation.name not in client.get(url(conference, "b2b/")).content.decode()


def test_it_says_nothing_about_who_meets_whom(conference, tables, recycler, oem, financier):
    slots = make_slots(conference, 2)
    services.meeting_create(
        conference=conference,
        slot=slots[0],
        table=tables[0],
        registrations=[recycler, oem],
        notify=False,
    )
    client = login(financier.user)
    for path in ("b2b/", "b2b/?show=people", f"b2b/organisations/{oem.organisation_id}/"):
        html = client.get(url(conference, path)).content.decode()
        assert "T01" not in html
        assert "/b2b/meetings/" not in html


# Order ------------------------------------------------------------------------------------


def test_it_puts_my_suggestions_first_by_score_and_organisations_by_their_best(
    conference, recycler
):
    _alpha, a_person = organisation(conference, "Alpha Motors")
    b, b_person = organisation(conference, "Bravo Motors")
    organisation(conference, "Charlie Motors")
    b_second = person(conference, "Sota", "Mori", org=b)
    Suggestion.objects.create(registration=recycler, target=a_person, rank=1, score=0.5)
    Suggestion.objects.create(registration=recycler, target=b_person, rank=2, score=0.2)
    Suggestion.objects.create(registration=recycler, target=b_second, rank=3, score=0.9)
    client = login(recycler.user)

    response = client.get(url(conference, "b2b/"))
    # Bravo's best delegate (0.9) beats Alpha's (0.5); Charlie has none.
    assert names(response)[:3] == ["Bravo Motors", "Alpha Motors", "Charlie Motors"]
    assert response.context["search"].ordered_by == "suggestions"
    assert "Suggested for you" in response.content.decode()

    found = people(client.get(url(conference, "b2b/?show=people")))
    assert found[:3] == [
        b_second.user.display_name,
        a_person.user.display_name,
        b_person.user.display_name,
    ]
    by_name = names(client.get(url(conference, "b2b/?sort=name")))
    assert by_name == sorted(by_name, key=str.casefold)


def test_without_suggestions_a_search_puts_the_best_match_first(conference, financier):
    organisation(conference, "Aravalli Battery Works", offers="Lithium carbonate, some graphite")
    organisation(conference, "Graphite India")

    response = login(financier.user).get(url(conference, "b2b/?q=graphite"))

    assert names(response) == ["Graphite India", "Aravalli Battery Works"]
    assert response.context["search"].ordered_by == "search"


# Pages and cards ----------------------------------------------------------------------------


def test_pages_keep_the_filters(conference, financier):
    for i in range(DIRECTORY_PAGE_SIZE + 3):
        organisation(conference, f"Motor Works {i:02d}", country="JP")

    response = login(financier.user).get(url(conference, "b2b/?country=JP&sort=name"))

    page = response.context["page"]
    assert page.paginator.count == DIRECTORY_PAGE_SIZE + 3
    assert len(page.object_list) == DIRECTORY_PAGE_SIZE
    assert "?country=JP&amp;sort=name&amp;page=2" in response.content.decode()
    second = login(financier.user).get(url(conference, "b2b/?country=JP&sort=name&page=2"))
    assert names(second) == [
        f"Motor Works {i:02d}" for i in range(DIRECTORY_PAGE_SIZE, DIRECTORY_PAGE_SIZE + 3)
    ]


def test_people_link_to_the_request_form_and_show_a_photo_only_when_there_is_one(
    conference, financier
):
    with_photo = person(conference, "Ruby", "Kelly")
    DelegateProfile.objects.filter(registration=with_photo).update(
        photo="images/x/ruby.jpg", photo_small="images/x/ruby-small.jpg"
    )
    without = person(conference, "Noah", "Smith")

    html = login(financier.user).get(url(conference, "b2b/?show=people")).content.decode()

    for someone in (with_photo, without):
        assert url(conference, f"b2b/requests/new/delegate/{someone.pk}/") in html
    assert url(conference, f"b2b/people/{with_photo.pk}/photo/small/") in html
    assert f"b2b/people/{without.pk}/photo/" not in html
    # Not oneself.
    assert url(conference, f"b2b/requests/new/delegate/{financier.pk}/") not in html


def test_odd_query_strings_show_the_directory(conference, financier):
    client = login(financier.user)
    for query in ("kind=nope&country=XX&topic=nope&sort=up&show=all", "q=" + "x" * 300, "page=-1"):
        assert client.get(url(conference, f"b2b/?{query}")).status_code == 200


# The organisation page ----------------------------------------------------------------------


def test_the_organisation_page_shows_topics_and_an_edit_link_to_those_who_may_edit(
    conference, topics, organiser, recycler, financier
):
    recycler.organisation.offers_ja = "再生リチウム"
    recycler.organisation.save()
    entry = OrganisationTopics.objects.create(
        conference=conference, organisation=recycler.organisation
    )
    entry.offered.set([topics["black_mass_recycling"]])
    page = url(conference, f"b2b/organisations/{recycler.organisation_id}/")
    edit = url(conference, f"b2b/organisations/{recycler.organisation_id}/edit/")

    mine = login(recycler.user).get(page)
    theirs = login(financier.user).get(page)
    staff = login(organiser).get(page)

    assert "Black mass and recycling" in theirs.content.decode()
    assert mine.context["can_edit"] and staff.context["can_edit"]
    assert not theirs.context["can_edit"]
    assert edit not in theirs.content.decode()
    assert edit in mine.content.decode()
