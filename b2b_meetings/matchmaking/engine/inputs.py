"""
What the suggestion engine reads and returns, no Django: the reason codes
(each with its parameters), the default value-chain and organisation-kind
matrices, a `Person`, the signals' `Weights`, the organisers' `Settings`, and
a `Suggestion` with its `Reason`s. The rule they feed: engine/__init__.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from b2b_meetings.matchmaking.engine.lessons import Lessons

# Reason codes, each with its parameters (JSON-serialisable, rendered by the UI
# in the reader's language; organisation names as given, codes untranslated).
VALUE_CHAIN = "value_chain"  # {"a": viewer's position, "b": target's position}
KIND = "kind"  # {"a": viewer's organisation kind, "b": target's}
# One organisation seeks what the other offers. direction "they_offer": the
# target's organisation offers what the viewer's seeks; "they_seek": the reverse.
# {"direction", "seeker_org", "offerer_org", "topic" (the first), "topics" (all, sorted)}
TOPIC_OFFER = "topic_offer"
# The viewer's own topics of interest that the target's organisation offers.
TOPIC_INTEREST = "topic_interest"  # {"offerer_org", "topic", "topics"}
# Texts that match. direction "they_offer": the snippet is from the target's
# offers and matches the viewer's seeks; "they_seek": from the target's seeks,
# matching the viewer's offers. {"direction", "snippet"}
TEXT = "text"
SESSIONS = "sessions"  # {"session_ids": sorted list of sessions both signed up for}
# An organiser boost: {"a": the viewer's segment, "b": the target's segment}
BOOST = "boost"

REASON_CODES = (VALUE_CHAIN, KIND, TOPIC_OFFER, TOPIC_INTEREST, TEXT, SESSIONS, BOOST)

NEW_ENTRANT = "new_entrant"  # the boost segment of organisations marked as new entrants

# A default for conferences whose organisers have not tuned the matrix: how
# much two value-chain positions complement each other, 0–3, unordered.
DEFAULT_MATRIX: dict[tuple[str, str], float] = {
    ("mining", "refining"): 3,
    ("mining", "finance"): 3,
    ("mining", "oem"): 2,
    ("mining", "services"): 2,
    ("mining", "precursor"): 1,
    ("refining", "precursor"): 3,
    ("refining", "recycling"): 3,
    ("refining", "finance"): 3,
    ("refining", "oem"): 2,
    ("refining", "cells"): 2,
    ("refining", "research"): 2,
    ("refining", "services"): 1,
    ("precursor", "cells"): 3,
    ("precursor", "finance"): 2,
    ("precursor", "research"): 2,
    ("precursor", "oem"): 1,
    ("cells", "oem"): 3,
    ("cells", "recycling"): 2,
    ("cells", "finance"): 2,
    ("cells", "research"): 2,
    ("oem", "recycling"): 3,
    ("oem", "research"): 2,
    ("oem", "finance"): 1,
    ("oem", "policy"): 1,
    ("recycling", "finance"): 3,
    ("recycling", "research"): 2,
    ("recycling", "policy"): 2,
    ("recycling", "services"): 2,
    ("finance", "research"): 1,
    ("finance", "policy"): 1,
    ("finance", "services"): 1,
    ("policy", "research"): 2,
    ("policy", "services"): 1,
    ("research", "services"): 1,
}

# The same for organisation kinds (conference.core.models.OrganisationKind).
DEFAULT_KIND_MATRIX: dict[tuple[str, str], float] = {
    ("recycler", "oem"): 3,
    ("recycler", "financier"): 3,
    ("recycler", "research"): 2,
    ("recycler", "government"): 1,
    ("recycler", "other"): 1,
    ("oem", "financier"): 1,
    ("oem", "research"): 2,
    ("oem", "other"): 1,
    ("financier", "other"): 2,
    ("financier", "research"): 1,
    ("government", "oem"): 1,
    ("government", "financier"): 1,
    ("government", "research"): 1,
    ("industry_body", "recycler"): 1,
    ("industry_body", "oem"): 1,
    ("industry_body", "government"): 1,
}


@dataclass(frozen=True)
class Person:
    """A delegate as matchmaking sees them, their organisation's profile folded in."""

    id: int
    organisation_id: int
    organisation_name: str = ""
    kind: str = ""  # the organisation's kind
    value_chain: str = ""  # the organisation's position
    country: str = ""  # not a signal; "not interested" learns from it (`Lesson`)
    new_entrant: bool = False
    topics: frozenset[str] = frozenset()  # the delegate's topics of interest
    offered: frozenset[str] = frozenset()  # topics the organisation offers
    sought: frozenset[str] = frozenset()  # topics the organisation seeks
    # The delegate's and the organisation's texts joined, English and/or Japanese.
    offers_text: str = ""
    seeks_text: str = ""
    sessions: frozenset[int] = frozenset()  # sessions signed up for
    consent: bool = True  # listed in the directory: may be suggested to others


@dataclass(frozen=True)
class Weights:
    """How much each signal counts (tuned on bench/bench_matchmaking.py)."""

    value_chain: float = 0.5  # per unit of the matrix (0–3)
    kind: float = 0.15  # per unit of the kind matrix (0–3)
    topic_they_offer: float = 1.0  # per topic the viewer's organisation seeks and theirs offers
    topic_they_seek: float = 1.0  # per topic their organisation seeks and the viewer's offers
    interest: float = 0.3  # per topic of the viewer's interest their organisation offers
    text: float = 2.0  # per unit of cosine similarity, in each direction
    sessions: float = 0.2  # per session both signed up for, at most `MAX_SESSIONS`
    boost: float = 1.0  # per unit of an organiser boost


@dataclass(frozen=True)
class Settings:
    """The organisers' tuning of one conference (MatchmakingSettings) and the weights."""

    matrix: Mapping[tuple[str, str], float] = field(default_factory=lambda: dict(DEFAULT_MATRIX))
    kinds: Mapping[tuple[str, str], float] = field(
        default_factory=lambda: dict(DEFAULT_KIND_MATRIX)
    )
    # (segment, segment, weight), a segment being a value-chain position or "new_entrant".
    boosts: Sequence[tuple[str, str, float]] = ()
    weights: Weights = field(default_factory=Weights)
    per_organisation: int = 2  # the most people of one organisation in a viewer's list
    lessons: Lessons = field(default_factory=Lessons)  # what "not interested" teaches

    @classmethod
    def from_stored(cls, matrix=None, boosts=None, **kwargs):
        """
        From MatchmakingSettings' JSON: `matrix` as {"a:b": weight} (None or
        empty: DEFAULT_MATRIX), `boosts` as [[segment, segment, weight], ...].
        """
        pairs = dict(DEFAULT_MATRIX)
        if matrix:
            pairs = {}
            for key, weight in matrix.items():
                a, _, b = key.partition(":")
                pairs[(a, b)] = float(weight)
        stored = tuple((str(a), str(b), float(w)) for a, b, w in boosts or ())
        return cls(matrix=pairs, boosts=stored, **kwargs)


class Reason(NamedTuple):
    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Suggestion:
    target_id: int
    score: float  # what the list is ranked by, after the lessons of "not interested"
    reasons: tuple[Reason, ...]
    # The score before those lessons (None: the same as `score`).
    untaught: float | None = None
