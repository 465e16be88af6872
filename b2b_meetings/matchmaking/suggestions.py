"""
Precomputing suggested counterparts: the conference's delegates, profiles,
topics, sign-ups and what is already between people are read in a fixed
number of queries, handed to the engine (`matchmaking.engine`, no Django),
and its ranked lists replace the stored `Suggestion` rows in one
transaction.

"Not interested" teaches the list (`engine.Lesson`: a dismissed person's
colleagues fall, an organisation leaves after two of its people are
dismissed, organisations of the kind and country of several dismissed ones
fall a little). A refresh bakes the lessons into which people are kept and
their ranks; the rows keep the score before the lessons (`untaught`), and
the pages apply the lessons as they are now (`read_time_lessons`), so a
dismissal shows at once and a refresh changes nothing about it.

Refreshed for a whole conference by a Celery task (`suggestions_refresh_soon`
after any profile, consent or request change, debounced) and by the beat
every few minutes; a page reads the stored rows and leaves out, at read
time, whoever was requested, met or dismissed since.
"""

import time
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Registration
from b2b_meetings.matchmaking import engine
from b2b_meetings.matchmaking.models import (
    DelegateProfile,
    OrganisationTopics,
    Suggestion,
    SuggestionDismissal,
)
from b2b_meetings.matchmaking.selectors.taxonomy import matchmaking_settings
from b2b_meetings.models import MeetingRequest, MeetingSeat
from sessions_app.models import SessionSignup

# How many suggestions are kept per delegate.
KEEP = 20
# A refresh asked for within this many seconds of another joins it.
DEBOUNCE_SECONDS = 20


def engine_settings(conference):
    """The organisers' tuning of `conference`, or the defaults, as the engine takes it."""
    matrix, boosts, _saved = matchmaking_settings(conference=conference)
    return engine.Settings.from_stored(matrix=matrix, boosts=boosts)


def engine_people(conference):
    """Every approved delegate of `conference` as an `engine.Person` (six queries)."""
    registrations = list(
        Registration.objects.filter(conference=conference, status=Registration.Status.APPROVED)
        .select_related("organisation")
        .only(
            "pk",
            "directory_consent",
            "organisation__id",
            "organisation__name",
            "organisation__kind",
            "organisation__value_chain",
            "organisation__country",
            "organisation__is_new_entrant",
            "organisation__offers",
            "organisation__seeks",
            "organisation__offers_ja",
            "organisation__seeks_ja",
        )
    )
    ids = [r.pk for r in registrations]
    profiles = {
        p["registration_id"]: p
        for p in DelegateProfile.objects.filter(registration__in=ids).values(
            "pk", "registration_id", "offers", "seeks"
        )
    }
    interests = defaultdict(set)
    for profile_id, code in DelegateProfile.topics.through.objects.filter(
        delegateprofile__registration__in=ids
    ).values_list("delegateprofile__registration_id", "topic__code"):
        interests[profile_id].add(code)
    offered, sought = defaultdict(set), defaultdict(set)
    for relation, into in (
        (OrganisationTopics.offered.through, offered),
        (OrganisationTopics.sought.through, sought),
    ):
        for organisation_id, code in relation.objects.filter(
            organisationtopics__conference=conference
        ).values_list("organisationtopics__organisation_id", "topic__code"):
            into[organisation_id].add(code)
    sessions = defaultdict(set)
    for registration_id, session_id in SessionSignup.objects.filter(
        registration__in=ids, status=SessionSignup.Status.CONFIRMED
    ).values_list("registration_id", "session_id"):
        sessions[registration_id].add(session_id)

    people = []
    for r in registrations:
        org = r.organisation
        profile = profiles.get(r.pk, {})
        own_offers, own_seeks = profile.get("offers", ""), profile.get("seeks", "")
        if org is None:
            people.append(
                engine.Person(
                    id=r.pk,
                    organisation_id=-r.pk,  # without an organisation, a person is their own
                    topics=frozenset(interests.get(r.pk, ())),
                    offers_text=own_offers,
                    seeks_text=own_seeks,
                    sessions=frozenset(sessions.get(r.pk, ())),
                    consent=r.directory_consent,
                )
            )
            continue
        people.append(
            engine.Person(
                id=r.pk,
                organisation_id=org.pk,
                organisation_name=org.name,
                kind=org.kind,
                value_chain=org.value_chain,
                country=str(org.country),
                new_entrant=org.is_new_entrant,
                topics=frozenset(interests.get(r.pk, ())),
                offered=frozenset(offered.get(org.pk, ())),
                sought=frozenset(sought.get(org.pk, ())),
                offers_text=_joined(own_offers, org.offers, org.offers_ja),
                seeks_text=_joined(own_seeks, org.seeks, org.seeks_ja),
                sessions=frozenset(sessions.get(r.pk, ())),
                consent=r.directory_consent,
            )
        )
    return people


def _joined(*texts):
    return "\n".join(t for t in texts if t)


def engine_exclusions(conference):
    """
    Pairs never suggested, both ways: people who meet or met, and asked each
    other (in person or through the organisation) whatever became of it.
    ("Not interested" is `engine_dismissals`: the engine learns from it.)
    """
    pairs = set()
    seats = defaultdict(list)
    for meeting_id, registration_id in MeetingSeat.objects.filter(
        meeting__conference=conference
    ).values_list("meeting_id", "registration_id"):
        seats[meeting_id].append(registration_id)
    for members in seats.values():
        pairs.update((a, b) for a in members for b in members if a != b)
    members_of = defaultdict(list)
    for pk, organisation_id in Registration.objects.filter(
        conference=conference, organisation__isnull=False
    ).values_list("pk", "organisation_id"):
        members_of[organisation_id].append(pk)
    for requester, target, target_org in MeetingRequest.objects.filter(
        conference=conference
    ).values_list("requester_id", "target_registration_id", "target_organisation_id"):
        targets = [target] if target else members_of.get(target_org, [])
        for other in targets:
            pairs.update({(requester, other), (other, requester)})
    return pairs


def engine_dismissals(conference):
    """(delegate, dismissed person) pairs of "not interested" at `conference` (one query)."""
    return set(
        SuggestionDismissal.objects.filter(registration__conference=conference).values_list(
            "registration_id", "target_id"
        )
    )


def suggestions_refresh(*, conference):
    """
    Recompute every approved delegate's suggestions at `conference` and
    replace the stored ones in one transaction. Returns (delegates, seconds).
    """
    started = time.monotonic()
    people = engine_people(conference)
    ranked = engine.suggest(
        people,
        engine_settings(conference),
        exclude=engine_exclusions(conference),
        k=KEEP,
        dismissed=engine_dismissals(conference),
    )
    now = timezone.now()
    rows = [
        Suggestion(
            registration_id=viewer,
            target_id=item.target_id,
            rank=rank,
            # Before the lessons of "not interested": the pages apply them as they are now.
            score=item.score if item.untaught is None else item.untaught,
            reasons=[{"code": r.code, "params": r.params} for r in item.reasons],
            computed_at=now,
        )
        for viewer, items in ranked.items()
        for rank, item in enumerate(items, start=1)
    ]
    with transaction.atomic():
        Suggestion.objects.filter(registration__conference=conference).delete()
        Suggestion.objects.bulk_create(rows, batch_size=2000)
    return len(people), time.monotonic() - started


def suggestions_refresh_soon(conference_id):
    """
    Ask for a refresh of `conference_id` once the current transaction
    commits; requests within DEBOUNCE_SECONDS of each other make one run.
    """

    def enqueue():
        # Imported here: the task module imports this one.
        from b2b_meetings.tasks import suggestions_refresh_task

        if cache.add(f"suggestions-refresh:{conference_id}", 1, timeout=DEBOUNCE_SECONDS):
            suggestions_refresh_task.apply_async(args=[conference_id], countdown=5)

    transaction.on_commit(enqueue)


def read_time_lessons(registration):
    """
    (whom `registration` asked, was asked by, meets or dismissed: left out at
    read time; what their dismissals teach, an `engine.Lesson`), in three
    queries. The lesson counts only the dismissed people the engine sees
    (approved delegates), as a refresh would.
    """
    left_out, dismissed = set(), set()
    for target_id, status, organisation_id, kind, country in SuggestionDismissal.objects.filter(
        registration=registration
    ).values_list(
        "target_id",
        "target__status",
        "target__organisation_id",
        "target__organisation__kind",
        "target__organisation__country",
    ):
        left_out.add(target_id)
        if status == Registration.Status.APPROVED:
            dismissed.add(engine.Dismissed(target_id, organisation_id, kind or "", country or ""))
    mine = Q(requester=registration) | Q(target_registration=registration)
    for requester, target in MeetingRequest.objects.filter(mine).values_list(
        "requester_id", "target_registration_id"
    ):
        left_out.update({requester, target})
    left_out.update(
        MeetingSeat.objects.filter(meeting__seats__registration=registration).values_list(
            "registration_id", flat=True
        )
    )
    left_out.discard(registration.pk)
    return left_out, engine.Lesson.of(dismissed)
