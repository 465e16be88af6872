"""
A delegate's suggested counterparts as the pages show them: the stored
ranking, less whoever was asked, met or dismissed since it was computed,
re-ranked by what their "not interested" teaches now (`engine.Lesson`, the
rule the refresh bakes in), with each reason in plain words in the reader's
language. A fixed number of queries whatever the size of the conference.

Closed doors hold: only approved delegates who consented to the directory
are ever shown, and nothing says who meets whom (someone who meets a third
person simply stays suggested).
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Registration
from b2b_meetings.matchmaking import engine
from b2b_meetings.matchmaking.models import MeetingProposal, Suggestion, Topic
from b2b_meetings.matchmaking.reasons import Labels, reasons_text
from b2b_meetings.matchmaking.selectors.profiles import photo_url
from b2b_meetings.matchmaking.suggestions import KEEP, read_time_lessons
from sessions_app.models import Session

# Suggestions shown per page.
SHOWN = 10


@dataclass
class Shown:
    target: Registration
    score: float
    rank: int
    reasons: list  # sentences
    reason_codes: list  # the stored reasons ({"code", "params"})
    photo: str | None


def _labels(conference, suggestions):
    topics, sessions = set(), set()
    for suggestion in suggestions:
        for reason in suggestion.reasons:
            params = reason.get("params", {})
            topics.update(params.get("topics", []))
            if params.get("topic"):
                topics.add(params["topic"])
            sessions.update(params.get("session_ids", []))
    labels = Labels()
    if topics:
        labels.topics = {
            t.code: t.label for t in Topic.objects.filter(conference=conference, code__in=topics)
        }
    if sessions:
        labels.sessions = dict(
            Session.objects.filter(conference=conference, pk__in=sessions).values_list(
                "pk", "title"
            )
        )
    return labels


def suggestions_for(*, registration, limit=SHOWN):
    """
    `registration`'s suggestions, best first, at most `limit`: each target an
    approved, consenting delegate of the same conference, not asked, met or
    dismissed, nor of an organisation their dismissals took off the list
    (eight queries at most).

    The stored score is the one before the lessons of "not interested"; the
    score shown and ranked by is it times the lessons' factor now, so a
    dismissal re-ranks at once, and the same as the next refresh would
    (equal scores keep the stored order).
    """
    left_out, lesson = read_time_lessons(registration)
    # The engine's lessons (not tuned per conference: the refresh uses the same).
    rules = engine.Lessons()
    shown = (
        Suggestion.objects.filter(
            registration=registration,
            target__status=Registration.Status.APPROVED,
            target__directory_consent=True,
            target__conference_id=registration.conference_id,
        )
        .exclude(target__in=left_out)
        .select_related("target__user", "target__organisation", "target__profile")
        .order_by("rank")
    )
    removed = [org for org in lesson.people if lesson.removes(org, rules)]
    if removed:
        shown = shown.exclude(target__organisation__in=removed)
    # With lessons, every stored row may rise or fall: all of them (at most KEEP).
    rows = list(shown[: max(limit, KEEP)] if lesson else shown[:limit])
    if lesson:
        for row in rows:
            organisation = row.target.organisation
            row.score = round(
                row.score
                * lesson.factor(
                    row.target.organisation_id,
                    organisation.kind if organisation else "",
                    str(organisation.country) if organisation else "",
                    rules,
                ),
                4,
            )
        rows = sorted(rows, key=lambda row: (-row.score, row.rank))[:limit]
    conference = registration.conference
    labels = _labels(conference, rows)
    return [
        Shown(
            target=row.target,
            score=row.score,
            rank=row.rank,
            reasons=reasons_text(row.reasons, target=row.target, labels=labels),
            reason_codes=row.reasons,
            photo=photo_url(row.target, conference=conference),
        )
        for row in rows
    ]


def proposals_for(*, registration):
    """The organisers' open proposals that `registration` has not answered yet (one query)."""
    waiting = list(
        MeetingProposal.objects.filter(
            Q(first=registration, first_accepted_at__isnull=True)
            | Q(second=registration, second_accepted_at__isnull=True),
            conference_id=registration.conference_id,
            status=MeetingProposal.Status.OPEN,
        )
        .select_related(
            "first__user", "first__organisation", "second__user", "second__organisation"
        )
        .order_by("created_at")
    )
    for proposal in waiting:
        proposal.other = proposal.second if proposal.first_id == registration.pk else proposal.first
    return waiting


def proposal_for(*, registration, proposal_id):
    """A proposal addressed to `registration` (as either side), or None."""
    proposal = (
        MeetingProposal.objects.filter(pk=proposal_id, conference_id=registration.conference_id)
        .select_related(
            "first__user", "first__organisation", "second__user", "second__organisation"
        )
        .first()
    )
    if proposal is None or registration.pk not in (proposal.first_id, proposal.second_id):
        return None
    proposal.other = proposal.second if registration.pk == proposal.first_id else proposal.first
    proposal.accepted_by_me = bool(
        proposal.first_accepted_at
        if registration.pk == proposal.first_id
        else proposal.second_accepted_at
    )
    return proposal


def organiser_proposals(*, conference, limit=50):
    """The conference's latest proposals, for the organisers."""
    return list(
        MeetingProposal.objects.filter(conference=conference)
        .select_related(
            "first__user",
            "first__organisation",
            "second__user",
            "second__organisation",
            "created_by",
        )
        .order_by("-created_at")[:limit]
    )


def delegates_for_matchmaking(*, conference):
    """Approved, listed delegates of `conference`, for the organisers' picker."""
    return (
        Registration.objects.filter(
            conference=conference,
            status=Registration.Status.APPROVED,
            directory_consent=True,
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__family_name", "user__given_name")
    )


def suggested_agenda(*, registration, target):
    """
    An opening line for a request to `target` made from a suggestion: its
    strongest reason in plain words, or "" (two queries).
    """
    row = Suggestion.objects.filter(registration=registration, target=target).first()
    if row is None or not row.reasons:
        return ""
    # What the two would talk about (topics, texts) opens better than why
    # the portal paired them (value chain, boosts).
    concrete = [r for r in row.reasons if r.get("code") in _AGENDA_CODES] or row.reasons
    sentences = reasons_text(
        concrete[:1], target=target, labels=_labels(registration.conference, [row])
    )
    return sentences[0] if sentences else ""


_AGENDA_CODES = (engine.TOPIC_OFFER, engine.TOPIC_INTEREST, engine.TEXT)
