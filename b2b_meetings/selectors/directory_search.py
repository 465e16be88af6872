"""
The directory's search: which listed organisations or people match a query,
in what order, and each facet's counts (`directory_search`), from the
conference's taxonomy (`directory_topics`) and shared data kept in the cache
until something it shows changes (`directory_data_changed`). Closed door:
it reads registrations that consented to be listed, never their meetings.

Text search: every word of the query must appear (case-insensitive
substring: this is what works for Japanese, which has no spaces, and for
one- or two-character words) in one of the fields, or, on PostgreSQL, the
whole query must be similar to a name or an English text by trigrams
(pg_trgm's word similarity: typos and word forms, e.g. "recyling"). The
GIN trigram indexes of migration 0004_directory_search serve both. SQLite
(`make run`) has substring matching only. A search reads only what listed
people show: a person who did not consent is never matched, not even
through their organisation.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Exists, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Greatest
from django_countries import countries

from accounts.models import Registration
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Suggestion, Topic
from conference.core.models import Organisation, OrganisationKind, ValueChain
from conference.core.release import code_version

ORGANISATIONS, PEOPLE = "organisations", "people"
RELEVANCE, NAME = "relevance", "name"
# Trigrams of a shorter query say little; substring matching covers it.
TRIGRAM_MIN_LENGTH = 3
MAX_TERMS = 6


def _listed(conference):
    """Registrations shown in the directory: approved and consenting."""
    return Registration.objects.filter(
        conference=conference,
        status=Registration.Status.APPROVED,
        directory_consent=True,
    )


# Search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryQuery:
    """What the directory was asked for (parsed by DirectoryFilterForm)."""

    show: str = ORGANISATIONS
    q: str = ""
    kind: str = ""
    country: str = ""
    value_chain: str = ""
    topic: str = ""  # a Topic code of the conference
    sort: str = RELEVANCE

    @property
    def people(self):
        return self.show == PEOPLE


@dataclass
class FacetOption:
    value: str
    label: str
    count: int


@dataclass
class DirectorySearch:
    """The matching organisations or people, in order, with the facets' counts."""

    query: DirectoryQuery
    ids: list
    facets: dict  # facet name -> [FacetOption], each counted with the other facets applied
    topics: dict  # Topic id -> Topic
    # organisation id -> {"offered": [topic ids], "sought": [topic ids]}
    organisation_topics: dict
    interests: dict = field(default_factory=dict)  # registration id -> [topic ids]
    # "suggestions" (the viewer's precomputed matches), "search" or "name"
    ordered_by: str = NAME
    scores: dict = field(default_factory=dict)


def directory_topics(*, conference):
    """The conference's taxonomy, in its order."""
    return list(Topic.objects.filter(conference=conference))


def _terms(q):
    return q.split()[:MAX_TERMS]


def _text_match(q, fields, trigram_fields):
    """Every word in one of `fields`, or (PostgreSQL) `q` similar to one of `trigram_fields`."""
    match = Q()
    for term in _terms(q):
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        match &= any_field
    if connection.vendor == "postgresql" and len(q) >= TRIGRAM_MIN_LENGTH:
        for name in trigram_fields:
            # `field %> q`: word_similarity(q, field) above pg_trgm's threshold (0.6),
            # an operator the GIN trigram indexes serve.
            match |= Q(**{f"{name}__trigram_word_similar": q})
    return match


def _similarity(q, name_field, text_fields, trigram_fields):
    """
    How well a row matches `q`: 1 when its name contains the query, 0.5 when
    one of its texts does, plus (PostgreSQL) the trigram word similarity of
    its name. Only short fields are compared by trigrams: word similarity
    against long texts costs far more and finds little that substrings miss.
    """

    def contains(fields, weight):
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": q})
        return Case(
            When(condition, then=Value(weight)), default=Value(0.0), output_field=FloatField()
        )

    score = contains([name_field], 1.0) + contains(text_fields, 0.5)
    if connection.vendor != "postgresql":
        return score
    similar = [TrigramWordSimilarity(q, name) for name in trigram_fields]
    return score + (Greatest(*similar) if len(similar) > 1 else similar[0])


ORGANISATION_TEXT = ["name", "description", "offers", "seeks", "offers_ja", "seeks_ja"]
ORGANISATION_TRIGRAM = ["name"]
# What a listed person shows about themselves, read from a Registration.
PERSON_TEXT = [
    "user__given_name",
    "user__family_name",
    "job_title",
    "profile__bio",
    "profile__offers",
    "profile__seeks",
]
PERSON_TRIGRAM = ["user__family_name", "user__given_name", "organisation__name"]


def _topic_ids_labelled(topics, q):
    """Topics whose English or Japanese label contains the whole query."""
    needle = q.casefold()
    return {t.pk for t in topics if needle in t.label_en.casefold() or needle in t.label_ja}


def _organisation_topics(conference):
    """{organisation id: {"offered": [...], "sought": [...]}} for the conference (one query)."""
    through_offered = OrganisationTopics.offered.through.objects.filter(
        organisationtopics__conference=conference
    )
    through_sought = OrganisationTopics.sought.through.objects.filter(
        organisationtopics__conference=conference
    )
    rows = through_offered.annotate(side=Value("offered")).values_list(
        "organisationtopics__organisation_id", "topic_id", "side"
    )
    rows = rows.union(
        through_sought.annotate(side=Value("sought")).values_list(
            "organisationtopics__organisation_id", "topic_id", "side"
        ),
        all=True,
    )
    result = {}
    for organisation_id, topic_id, side in rows:
        entry = result.setdefault(organisation_id, {"offered": [], "sought": []})
        entry[side].append(topic_id)
    return result


def _interests(conference):
    """{registration id: [topic ids]} of the listed people (one query)."""
    rows = DelegateProfile.topics.through.objects.filter(
        delegateprofile__registration__in=_listed(conference)
    ).values_list("delegateprofile__registration_id", "topic_id")
    result = {}
    for registration_id, topic_id in rows:
        result.setdefault(registration_id, []).append(topic_id)
    return result


def _suggestion_scores(conference, viewer):
    """{listed registration id: (organisation id, score)} of `viewer`'s suggestions."""
    if viewer is None:
        return {}
    rows = Suggestion.objects.filter(
        registration=viewer,
        target__conference=conference,
        target__status=Registration.Status.APPROVED,
        target__directory_consent=True,
    ).values_list("target_id", "target__organisation_id", "score")
    return {target: (organisation, score) for target, organisation, score in rows}


def _organisation_facts(conference, q, topic_matches):
    """(id, name, kind, country, value chain, similarity) of the listed organisations matching q."""
    listed = _listed(conference)
    organisations = Organisation.objects.filter(Exists(listed.filter(organisation=OuterRef("pk"))))
    if not q:
        return [
            (*row, 0.0)
            for row in organisations.order_by("name", "pk").values_list(
                "pk", "name", "kind", "country", "value_chain"
            )
        ]
    # A listed person's name or bio finds their organisation; nobody else's does.
    people = listed.filter(organisation=OuterRef("pk")).filter(_text_match(q, PERSON_TEXT[:4], []))
    match = (
        _text_match(q, ORGANISATION_TEXT, ORGANISATION_TRIGRAM)
        | Exists(people)
        | Q(pk__in=topic_matches)
    )
    return list(
        organisations.filter(match)
        .annotate(similarity=_similarity(q, "name", ORGANISATION_TEXT[1:], ORGANISATION_TRIGRAM))
        .order_by("name", "pk")
        .values_list("pk", "name", "kind", "country", "value_chain", "similarity")
    )


def _people_facts(conference, q, topic_matches):
    """(id, organisation id, name, kind, country, value chain, similarity) of listed people."""
    people = _listed(conference).order_by("user__family_name", "user__given_name", "pk")
    columns = [
        "pk",
        "organisation_id",
        "user__family_name",
        "user__given_name",
        "organisation__kind",
        "organisation__country",
        "organisation__value_chain",
    ]
    if not q:
        rows = people.values_list(*columns)
        return [
            (pk, org, f"{family} {given}", *rest, 0.0) for pk, org, family, given, *rest in rows
        ]
    match = (
        _text_match(q, [*PERSON_TEXT, "organisation__name"], PERSON_TRIGRAM)
        | Q(pk__in=topic_matches["people"])
        | Q(organisation__in=topic_matches["organisations"])
    )
    rows = (
        people.filter(match)
        .annotate(similarity=_similarity(q, "user__family_name", PERSON_TEXT[2:], PERSON_TRIGRAM))
        .values_list(*columns, "similarity")
    )
    return [(pk, org, f"{family} {given}", *rest) for pk, org, family, given, *rest in rows]


# What every reader's search starts from: the conference's listed
# organisations (or people), their topics and interests. The same for
# everyone, so it is read once and kept until something it shows changes
# (b2b_meetings/directory_signals.py forgets it), or at the latest after
# DIRECTORY_DATA_SECONDS.
DIRECTORY_DATA_SECONDS = 60


def _data_key(conference_id, people):
    return f"directory-data:{code_version()}:{conference_id}:{'people' if people else 'orgs'}"


def directory_data_changed(conference_ids):
    """Forget the directory data of `conference_ids` (now, and when the change commits)."""
    keys = [_data_key(pk, people) for pk in conference_ids for people in (False, True)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _directory_data(conference, people):
    """The organisations' topics, (people:) the interests, and every listed row, unsearched."""
    key = _data_key(conference.pk, people)
    data = cache.get(key)
    if data is None:
        if people:
            facts = _people_facts(conference, "", None)
        else:
            rows = _organisation_facts(conference, "", [])
            facts = [(pk, pk, name, *rest) for pk, name, *rest in rows]
        data = {
            "organisation_topics": _organisation_topics(conference),
            "interests": _interests(conference) if people else {},
            "facts": facts,
        }
        cache.set(key, data, DIRECTORY_DATA_SECONDS)
    return data


def directory_search(*, conference, viewer, query, topics):
    """
    The organisations (or, with `query.people`, the people) listed at
    `conference` that match `query`, in order, with each facet's counts.

    Order by relevance: by the viewer's precomputed suggestions when they
    have any (an organisation by its best-scored listed delegate), then by
    how well the search matches, then by name; or by name alone.
    """
    topic_by_id = {t.pk: t for t in topics}
    topic_by_code = {t.code: t.pk for t in topics}
    data = _directory_data(conference, query.people)
    organisation_topics = data["organisation_topics"]
    interests = data["interests"]
    labelled = _topic_ids_labelled(topics, query.q) if query.q else set()
    labelled_orgs = [
        pk
        for pk, entry in organisation_topics.items()
        if labelled & {*entry["offered"], *entry["sought"]}
    ]

    if not query.q:
        facts = data["facts"]
    elif query.people:
        labelled_people = [pk for pk, ids in interests.items() if labelled & set(ids)]
        matches = {"people": labelled_people, "organisations": labelled_orgs}
        facts = _people_facts(conference, query.q, matches)
    else:
        facts = [
            (pk, pk, name, *rest)
            for pk, name, *rest in _organisation_facts(conference, query.q, labelled_orgs)
        ]

    # Each row: (id, organisation id, name, kind, country, value chain, similarity).
    org_topic_sets = {
        pk: frozenset((*entry["offered"], *entry["sought"]))
        for pk, entry in organisation_topics.items()
    }
    interest_sets = {pk: frozenset(ids) for pk, ids in interests.items()}
    no_topics = frozenset()
    want_kind, want_country, want_chain = query.kind, query.country, query.value_chain
    want_topic = topic_by_code.get(query.topic)
    wanted = {"kind": want_kind, "country": want_country, "value_chain": want_chain}
    wanted["topic"] = want_topic

    # One pass: a row counts towards a facet's options when it passes every
    # other chosen facet, and is listed when it passes them all.
    kinds, countries_found, chains, topic_counts = Counter(), Counter(), Counter(), Counter()
    matching = []
    for row in facts:
        row_topics = org_topic_sets.get(row[1], no_topics)
        if interest_sets:
            row_topics = row_topics | interest_sets.get(row[0], no_topics)
        failed = (
            (want_kind and row[3] != want_kind and "kind"),
            (want_country and row[4] != want_country and "country"),
            (want_chain and row[5] != want_chain and "value_chain"),
            (want_topic and want_topic not in row_topics and "topic"),
        )
        failed = [name for name in failed if name]
        if len(failed) > 1:
            continue
        if not failed:
            matching.append(row)
        only = failed[0] if failed else None
        if only in (None, "kind"):
            kinds[row[3]] += 1
        if only in (None, "country"):
            countries_found[row[4]] += 1
        if only in (None, "value_chain"):
            chains[row[5]] += 1
        if only in (None, "topic"):
            topic_counts.update(row_topics)
    counts = {
        "kind": kinds,
        "country": countries_found,
        "value_chain": chains,
        "topic": topic_counts,
    }

    suggestions = _suggestion_scores(conference, viewer)
    if query.people:
        scores = {target: score for target, (_org, score) in suggestions.items()}
    else:
        scores = {}
        for _target, (organisation, score) in suggestions.items():
            scores[organisation] = max(score, scores.get(organisation, -math.inf))
    # The facts come ordered by name: a stable sort keeps that as the tie-break.
    searching = bool(query.q)
    if query.sort == NAME:
        ordered_by = NAME
    else:
        ordered_by = "suggestions" if scores else ("search" if searching else NAME)
        if ordered_by != NAME:

            def key(row):
                score = scores.get(row[0])
                return (score is None, -(score or 0.0), -(row[6] or 0.0))

            matching.sort(key=key)
    return DirectorySearch(
        query=query,
        ids=[row[0] for row in matching],
        facets=_facet_options(counts, topics, wanted),
        topics=topic_by_id,
        organisation_topics=organisation_topics,
        interests=interests,
        ordered_by=ordered_by,
        scores=scores,
    )


def _facet_options(counts, topics, wanted):
    """Every facet's options with their counts; a chosen option stays even at zero."""

    def options(pairs, name):
        found = [FacetOption(value, label, counts[name].get(value, 0)) for value, label in pairs]
        return [o for o in found if o.count or o.value == wanted[name]]

    country_codes = sorted(
        {code for code in counts["country"] if code} | ({wanted["country"]} - {""})
    )
    country_pairs = sorted(
        ((code, countries.name(code) or code) for code in country_codes),
        key=lambda pair: pair[1],
    )
    return {
        "kind": options(OrganisationKind.choices, "kind"),
        "country": options(country_pairs, "country"),
        "value_chain": options(ValueChain.choices, "value_chain"),
        "topic": [
            FacetOption(t.code, t.label, counts["topic"].get(t.pk, 0))
            for t in topics
            if counts["topic"].get(t.pk) or t.pk == wanted["topic"]
        ],
    }
