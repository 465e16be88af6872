"""
The directory: organisations with delegates who consented to be listed, and
those delegates. Closed door: it reads registrations, never their meetings.

A directory page is a fixed number of queries whatever the data (pinned by
tests/b2b_meetings/test_directory.py):

- `directory_topics`: the conference's taxonomy (1);
- `directory_search`: the topics of every listed organisation (1), in the
  People view every listed person's interests (1), the facts of every
  listed organisation or person that matches the text search (1), and for a
  delegate their precomputed suggestions (1). The facets, their counts and
  the order are worked out from these in Python: a few hundred organisations
  and a few thousand people are small rows, and one pass over them answers
  every facet at once, where SQL would need a query per facet;
- `directory_page`: the rows of one page (1) and the viewer's pending
  requests (1).

The search (text matching, facets, order and the shared data it starts
from) is in `directory_search` and re-exported here; this module has one
page's cards, the organisation page, and who may request whom. Callers
import from here.
"""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import get_language

from accounts.models import Registration
from b2b_meetings.matchmaking.selectors.profiles import logo_url, photo_url
from b2b_meetings.models import MeetingRequest, OrganisationTopics, Topic
from b2b_meetings.rules import kind_pair_allowed
from b2b_meetings.selectors.directory_search import (
    DIRECTORY_DATA_SECONDS,
    NAME,
    ORGANISATIONS,
    PEOPLE,
    RELEVANCE,
    DirectoryQuery,
    DirectorySearch,
    FacetOption,
    _listed,
    directory_data_changed,
    directory_search,
    directory_topics,
)
from conference.core.models import Organisation, OrganisationKind, ValueChain

__all__ = [
    "DIRECTORY_DATA_SECONDS",
    "NAME",
    "ORGANISATIONS",
    "PEOPLE",
    "RELEVANCE",
    "DirectoryQuery",
    "DirectorySearch",
    "FacetOption",
    "can_request",
    "directory_data_changed",
    "directory_delegate",
    "directory_delegates",
    "directory_organisation",
    "directory_organisation_profile",
    "directory_page",
    "directory_search",
    "directory_topics",
    "organisation_card",
    "pending_request_targets",
    "person_card",
]


# One page ----------------------------------------------------------------------------


def _in_language(english, japanese):
    """The Japanese text for Japanese readers when there is one, else the English."""
    if (get_language() or "").startswith("ja") and japanese:
        return japanese
    return english or japanese


def _url_prefix(name, slug):
    """The URL of `name` for an object id, less the id: `prefix + f"{id}/"` is the URL."""
    return reverse(name, args=(slug, 0)).removesuffix("0/")


ORGANISATION_CARD_FIELDS = [
    "pk",
    "name",
    "kind",
    "country",
    "value_chain",
    "is_new_entrant",
    "offers",
    "seeks",
    "offers_ja",
    "seeks_ja",
    "logo",
    "logo_small",
]
PERSON_CARD_FIELDS = [
    "pk",
    "job_title",
    "organisation_id",
    "user__given_name",
    "user__family_name",
    "user__family_name_first",
    "user__email",
    "organisation__name",
    "organisation__kind",
    "organisation__country",
    "profile__bio",
    "profile__photo",
    "profile__photo_small",
]


def directory_page(*, conference, search, ids, viewer):
    """
    The organisations or people of one page (`ids`, in order), each with
    what its card shows: topics, texts in the reader's language, a small
    image, and whether `viewer` may request a meeting (or already has).
    """
    if search.query.people:
        rows = (
            _listed(conference)
            .filter(pk__in=ids)
            .select_related("user", "organisation", "profile")
            .only(*PERSON_CARD_FIELDS)
        )
    else:
        rows = (
            Organisation.objects.filter(pk__in=ids)
            .annotate(
                delegate_count=Count(
                    "registrations",
                    filter=Q(
                        registrations__conference=conference,
                        registrations__status=Registration.Status.APPROVED,
                        registrations__directory_consent=True,
                    ),
                )
            )
            .only(*ORGANISATION_CARD_FIELDS)
        )
    by_id = {row.pk: row for row in rows}
    items = [by_id[pk] for pk in ids if pk in by_id]
    pending_people, pending_orgs = (
        pending_request_targets(registration=viewer) if viewer else (set(), set())
    )
    topics = search.topics
    # URLs and labels worked out once a page, not once a card: reversing a URL
    # and get_FOO_display (which hashes every lazy choice) cost per call.
    org_url = _url_prefix("b2b_meetings:organisation", conference.slug)
    request_org_url = _url_prefix("b2b_meetings:request_new_organisation", conference.slug)
    request_person_url = _url_prefix("b2b_meetings:request_new_delegate", conference.slug)
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    chain_labels = {value: str(label) for value, label in ValueChain.choices}

    def labels(ids):
        return [topics[pk] for pk in ids if pk in topics]

    for item in items:
        if search.query.people:
            entry = search.organisation_topics.get(item.organisation_id, {})
            item.topics = labels(search.interests.get(item.pk, ())) or labels(
                entry.get("offered", [])
            )
            profile = getattr(item, "profile", None)
            item.bio = profile.bio if profile else ""
            item.photo_url = photo_url(item, conference=conference)
            item.kind_label = (
                kind_labels.get(item.organisation.kind, "") if item.organisation else ""
            )
            item.organisation_url = f"{org_url}{item.organisation_id}/"
            item.request_url = f"{request_person_url}{item.pk}/"
            item.is_me = viewer is not None and item.pk == viewer.pk
            item.can_request = (
                not item.is_me
                and item.organisation_id is not None
                and can_request(
                    conference=conference, requester=viewer, organisation=item.organisation
                )
            )
            item.pending = item.pk in pending_people
        else:
            entry = search.organisation_topics.get(item.pk, {})
            item.offered_topics = labels(entry.get("offered", []))
            item.sought_topics = labels(entry.get("sought", []))
            item.kind_label = kind_labels.get(item.kind, "")
            item.url = f"{org_url}{item.pk}/"
            item.request_url = f"{request_org_url}{item.pk}/"
            item.value_chain_label = chain_labels.get(item.value_chain, "")
            item.offers_text = _in_language(item.offers, item.offers_ja)
            item.seeks_text = _in_language(item.seeks, item.seeks_ja)
            item.logo_url = logo_url(item, conference)
            item.can_request = can_request(
                conference=conference, requester=viewer, organisation=item
            )
            item.pending = item.pk in pending_orgs
        item.score = search.scores.get(item.pk)
    return items


def organisation_card(org):
    """What an organisation's card shows (b2b_meetings/_directory_organisation.html), as data."""
    return {
        "pk": org.pk,
        "name": org.name,
        "url": org.url,
        "logo_url": org.logo_url or "",
        "suggested": org.score is not None,
        "kind": org.kind,
        "kind_label": org.kind_label,
        "value_chain_label": org.value_chain_label if org.value_chain else "",
        "country_name": str(org.country.name) if org.country else "",
        "delegate_count": org.delegate_count,
        "is_new_entrant": org.is_new_entrant,
        "offered_topics": [str(topic.label) for topic in org.offered_topics],
        "sought_topics": [str(topic.label) for topic in org.sought_topics],
        "offers_text": org.offers_text or "",
        "seeks_text": org.seeks_text or "",
        "pending": org.pending,
        "can_request": bool(org.can_request),
        "request_url": org.request_url,
    }


def person_card(person):
    """What a person's card shows (b2b_meetings/_directory_person.html), as data."""
    organisation = person.organisation
    return {
        "pk": person.pk,
        "display_name": person.user.display_name,
        "photo_url": person.photo_url or "",
        "job_title": person.job_title or "",
        "suggested": person.score is not None,
        "organisation_name": organisation.name if organisation else "",
        "organisation_url": person.organisation_url if organisation else "",
        "organisation_kind": organisation.kind if organisation else "",
        "kind_label": person.kind_label,
        "country_name": str(organisation.country.name)
        if organisation and organisation.country
        else "",
        "topics": [str(topic.label) for topic in person.topics],
        "bio": person.bio or "",
        "is_me": person.is_me,
        "pending": person.pending,
        "can_request": bool(person.can_request),
        "request_url": person.request_url,
    }


# The organisation page ------------------------------------------------------------------


def directory_organisation(*, conference, organisation_id):
    """An organisation with a listed delegate at `conference`, or None."""
    return (
        Organisation.objects.filter(pk=organisation_id)
        .filter(Exists(_listed(conference).filter(organisation=OuterRef("pk"))))
        .first()
    )


def directory_organisation_profile(*, conference, organisation):
    """
    What the organisation page shows besides the organisation's own fields:
    its topics offered and sought in the conference's taxonomy, its texts
    in the reader's language and its logo (one query).
    """
    rows = (
        Topic.objects.filter(conference=conference)
        .annotate(
            offered=Exists(
                OrganisationTopics.offered.through.objects.filter(
                    topic_id=OuterRef("pk"),
                    organisationtopics__conference=conference,
                    organisationtopics__organisation=organisation,
                )
            ),
            sought=Exists(
                OrganisationTopics.sought.through.objects.filter(
                    topic_id=OuterRef("pk"),
                    organisationtopics__conference=conference,
                    organisationtopics__organisation=organisation,
                )
            ),
        )
        .filter(Q(offered=True) | Q(sought=True))
    )
    topics = list(rows)
    return {
        "offered_topics": [t for t in topics if t.offered],
        "sought_topics": [t for t in topics if t.sought],
        "offers_text": _in_language(organisation.offers, organisation.offers_ja),
        "seeks_text": _in_language(organisation.seeks, organisation.seeks_ja),
        "logo_url": logo_url(organisation, conference, "large"),
    }


def directory_delegates(*, conference, organisation):
    """An organisation's listed delegates: no schedules, only what they chose to show."""
    delegates = list(
        _listed(conference)
        .filter(organisation=organisation)
        .select_related("user", "organisation", "profile")
        .order_by("user__family_name", "user__given_name")
    )
    for person in delegates:
        profile = getattr(person, "profile", None)
        person.bio = profile.bio if profile else ""
        person.photo_url = photo_url(person, conference=conference)
    return delegates


def directory_delegate(*, conference, registration_id):
    """A listed delegate, or None."""
    return (
        _listed(conference)
        .filter(pk=registration_id)
        .select_related("user", "organisation")
        .first()
    )


def can_request(*, conference, requester, organisation):
    """Whether `requester` may send a request to (a delegate of) `organisation`."""
    if requester is None or not requester.is_approved:
        return False
    if requester.organisation_id == organisation.pk:
        return False
    own_kind = requester.organisation.kind if requester.organisation_id else None
    return kind_pair_allowed(conference, own_kind, organisation.kind)


def pending_request_targets(*, registration):
    """(delegate ids, organisation ids) `registration` has a pending request to."""
    rows = MeetingRequest.objects.filter(
        requester=registration, status=MeetingRequest.Status.PENDING
    ).values_list("target_registration_id", "target_organisation_id")
    people, organisations = set(), set()
    for person, organisation in rows:
        if person:
            people.add(person)
        if organisation:
            organisations.add(organisation)
    return people, organisations
