"""
Suggested meetings: for each delegate, the counterparts worth meeting, ranked,
each with the reasons why. Plain Python (numpy, scipy, scikit-learn), no Django.

Input: the `Person`s of one conference (a delegate with their organisation's
profile folded in), the organisers' `Settings` and the pairs to leave out
(`exclude`: already met, requested, declined, "not interested").
`suggest()` returns, per viewer, at most `k` `Suggestion`s: a target, a score
and at most three `Reason`s, strongest first.

The score of a viewer v for a target t is a sum of signals (`Weights`):
- value chain: the organisers' matrix of complementary positions (0–3, e.g.
  recycling ↔ oem 3), and the same for organisation kinds;
- topics, in both directions: topics v's organisation seeks that t's offers,
  topics t's organisation seeks that v's offers, and v's own topics of
  interest that t's organisation offers;
- text, in both directions: TF-IDF cosine similarity of v's seeks with t's
  offers and of v's offers with t's seeks, on character n-grams within words
  (`char_wb`), so that English and Japanese (no spaces) both work and
  inflections and compounds still meet; fitted on the conference's own
  texts, nothing is downloaded. And the topics read from the texts
  (`read_topics`): profiles often leave out a topic their text speaks of, in
  words other than the seeker's or in the other language, so a model learnt
  from what the other organisations ticked and wrote reads each text's
  topics; what they add to the ticked topics counts as text;
- sessions both signed up for;
- organiser boosts between segments (a value-chain position or
  "new_entrant"), in either direction.

Left out as targets: the viewer, their own organisation, people who did not
consent to the directory, and the pairs in `exclude` (as given: pass both
orders for a rule that holds both ways) and in `dismissed`. A target with no
positive signal is not suggested. At most `Settings.per_organisation` (2)
people of one organisation are in a viewer's list. Ties go to the lower
person id, and the input order does not matter: the same input gives the
same output.

"Not interested" teaches the list (`dismissed`, (viewer, target) pairs; the
rule is `Lesson`, its parameters `Settings.lessons`, one viewer's lessons
never touch another's list). After the score is summed, it is multiplied:
- by 0.25 (`Lessons.colleague_factor`) for the other people of an
  organisation one of whose people the viewer dismissed; once the viewer
  has dismissed 2 (`organisation_out_after`) of its people, the
  organisation leaves the viewer's list;
- by 0.8 (`similar_factor`) for every organisation of one kind and country
  once the viewer has dismissed people of 2 (`similar_after`) organisations
  of that kind and country, and by 0.8 again for each further one (3: 0.64);
the factors multiply. A list without dismissals is exactly what it would be
without this rule. The stored rows keep the score before the factors
(`Suggestion.untaught`), so that the pages apply the current lessons at
read time with the same `Lesson` (selectors/suggestions.py).

All viewers are scored at once, a block of rows at a time: the signals are
sparse and dense matrix products, so 1,000 delegates take about a second
(bench/bench_matchmaking.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse
from scipy.linalg import lapack
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from threadpoolctl import threadpool_limits

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


MAX_SESSIONS = 3
# Texts (`texts_to_vectors`): character n-grams, and the document frequencies kept.
NGRAMS = (2, 4)
MIN_DF = 2
MAX_DF = 0.5  # a share of the texts
# Reading topics from texts (`read_topics`): the ridge, and the (centred)
# prediction that counts as a topic surely spoken of.
RIDGE = 1.0
TICKED_LEVEL = 0.5


@dataclass(frozen=True)
class Lessons:
    """
    What "not interested" teaches a viewer's list (the rule: `Lesson`). A
    dismissed person is always left out; these are about the others.
    """

    # One dismissed person of an organisation: its other people's scores × this.
    colleague_factor: float = 0.25
    # This many dismissed people of one organisation: it leaves the list.
    organisation_out_after: int = 2
    # This many dismissed organisations of one kind and country: every
    # organisation of that kind and country × similar_factor, and × it again
    # for each further one dismissed.
    similar_after: int = 2
    similar_factor: float = 0.8


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


class Dismissed(NamedTuple):
    """Whom a viewer said "not interested" to, as the lessons see them."""

    person_id: int
    organisation_id: int | None  # None: no organisation (teaches nothing beyond the person)
    kind: str = ""
    country: str = ""


@dataclass(frozen=True)
class Lesson:
    """
    What one viewer's dismissals teach (`Lessons` gives the numbers): how
    many of each organisation's people they dismissed, and how many
    organisations of each (kind, country) they dismissed people of. The one
    rule for the engine's precomputed lists and the pages' read-time
    re-ranking, so that both agree.
    """

    people: Mapping[int, int]  # organisation id -> people of it dismissed
    organisations: Mapping[tuple[str, str], int]  # (kind, country) -> organisations dismissed

    @classmethod
    def of(cls, dismissed: Iterable[Dismissed]) -> Lesson:
        people, seen, organisations = {}, set(), {}
        for person_id, organisation_id, kind, country in set(dismissed):
            if organisation_id is None or (organisation_id, person_id) in seen:
                continue
            seen.add((organisation_id, person_id))
            if people.get(organisation_id) is None and kind and country:
                organisations[(kind, country)] = organisations.get((kind, country), 0) + 1
            people[organisation_id] = people.get(organisation_id, 0) + 1
        return cls(people=people, organisations=organisations)

    def __bool__(self):
        return bool(self.people)

    def removes(self, organisation_id, lessons: Lessons) -> bool:
        """Whether the viewer's list leaves out every person of `organisation_id`."""
        return self.people.get(organisation_id, 0) >= lessons.organisation_out_after

    def factor(self, organisation_id, kind, country, lessons: Lessons) -> float:
        """What a person's score is multiplied by (0: their organisation leaves the list)."""
        if organisation_id is None:
            return 1.0
        if self.removes(organisation_id, lessons):
            return 0.0
        factor = 1.0
        if self.people.get(organisation_id, 0):
            factor *= lessons.colleague_factor
        similar = self.organisations.get((kind, country), 0) if kind and country else 0
        if similar >= lessons.similar_after:
            factor *= lessons.similar_factor ** (similar - lessons.similar_after + 1)
        return factor


MAX_REASONS = 3
# A signal is a reason if it is the strongest or at least this share of the score.
MIN_REASON_SHARE = 0.1
SNIPPET_CHARS = 140
BLAS_THREADS = 1
# Viewers scored per block: a few dense (block × people) float arrays at a time.
BLOCK = 512

# Signals, in the order that breaks ties between reasons of equal weight.
_SIGNALS = (
    "topic_they_offer",
    "topic_they_seek",
    "text_they_offer",
    "text_they_seek",
    "interest",
    "value_chain",
    "boost",
    "sessions",
    "kind",
)

_TEXT_SIGNALS = {"text_they_offer": "they_offer", "text_they_seek": "they_seek"}

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*|\n+")


def suggest(
    people: Iterable[Person],
    settings: Settings | None = None,
    exclude: Collection[tuple[int, int]] = frozenset(),
    k: int = 10,
    for_ids: Iterable[int] | None = None,
    dismissed: Collection[tuple[int, int]] = frozenset(),
) -> dict[int, list[Suggestion]]:
    """
    The top `k` suggestions for each viewer in `for_ids` (default: everyone;
    ids not among `people` are ignored), best first; a viewer with nothing to
    suggest maps to an empty list. `dismissed`: (viewer, target) pairs of
    "not interested", left out and learnt from (`Lesson`).
    """
    # One BLAS thread: spinning threads cost far more than they give when
    # the web workers share the cores (measured: 3.4 s instead of 0.9 s to
    # build the model for 1,000 people on a busy 2-core machine).
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return _suggest(people, settings, exclude, k, for_ids, dismissed)


def _suggest(people, settings, exclude, k, for_ids, dismissed=()):
    settings = settings or Settings()
    people = sorted(people, key=lambda p: p.id)
    if not people:
        return {}
    index = {p.id: i for i, p in enumerate(people)}
    if len(index) != len(people):
        raise ValueError("people must have distinct ids")
    if for_ids is None:
        viewers = list(range(len(people)))
    else:
        viewers = sorted(index[i] for i in set(for_ids) if i in index)
    model = _Model(people, settings)
    excluded = {}
    for viewer_id, target_id in exclude:
        if viewer_id in index and target_id in index:
            excluded.setdefault(index[viewer_id], []).append(index[target_id])
    lessons = {}
    for viewer_id, target_id in dismissed:
        if viewer_id in index and target_id in index:
            excluded.setdefault(index[viewer_id], []).append(index[target_id])
            target = people[index[target_id]]
            lessons.setdefault(index[viewer_id], set()).add(
                Dismissed(target.id, target.organisation_id, target.kind, target.country)
            )
    lessons = {viewer: Lesson.of(seen) for viewer, seen in lessons.items()}

    picks = []  # (viewer, target, score, the signals that count, strongest first)
    for start in range(0, len(viewers), BLOCK):
        block = np.array(viewers[start : start + BLOCK], dtype=np.int64)
        parts = model.signals(block)
        total = sum(parts.values())
        eligible = model.eligible(block, excluded)
        # What "not interested" taught (None: nothing, for any viewer of the block).
        factors = model.taught(block, lessons)
        if factors is not None:
            untaught = total.copy()
            total *= factors
            eligible &= factors > 0
        total[~eligible] = -np.inf
        # Stable on columns in id order: equal scores go to the lower id.
        order = np.argsort(-total, axis=1, kind="stable")
        rows, targets = [], []
        for row in range(len(block)):
            picked = _pick(order[row], total[row], model.organisation, k, settings)
            rows.extend([row] * len(picked))
            targets.extend(picked)
        if not rows:
            continue
        names = [name for name in _SIGNALS if name in parts]
        contributions = np.stack([parts[name][rows, targets] for name in names], axis=1)
        if factors is not None:  # each signal's share of the score as it was
            contributions *= factors[rows, targets][:, None]
        # Strongest first; equals in `_SIGNALS` order (a stable sort).
        ranking = np.argsort(-contributions, axis=1, kind="stable")
        for i, (row, target) in enumerate(zip(rows, targets, strict=True)):
            score = float(total[row, target])
            # The strongest signal, and the others that carry some weight.
            counted = [
                names[j]
                for rank, j in enumerate(ranking[i])
                if contributions[i, j] > 0
                and (rank == 0 or contributions[i, j] >= MIN_REASON_SHARE * score)
            ]
            before = score if factors is None else float(untaught[row, target])
            picks.append((int(block[row]), target, score, counted, before))

    # Texts may be among the reasons shown (a text or boost reason may turn
    # out to have nothing to show: one spare).
    snippets = model.snippets(
        (viewer, target, name)
        for viewer, target, _, counted, _ in picks
        for name in counted[: MAX_REASONS + 1]
        if name in _TEXT_SIGNALS
    )
    result = {people[viewer].id: [] for viewer in viewers}
    for viewer, target, score, counted, before in picks:
        reasons = []
        for name in counted:
            reason = model.reason(name, viewer, target, snippets)
            if reason is not None:
                reasons.append(reason)
                if len(reasons) == MAX_REASONS:
                    break
        result[people[viewer].id].append(
            Suggestion(
                target_id=people[target].id,
                score=round(score, 4),
                reasons=tuple(reasons),
                untaught=round(before, 4),
            )
        )
    return result


def _pick(order, scores, organisation, k, settings):
    """The first k targets in `order` with a positive score, at most per_organisation each."""
    picked = []
    per_org = {}
    for target in order:
        if len(picked) == k or not scores[target] > 0:
            break
        org = organisation[target]
        if per_org.get(org, 0) >= settings.per_organisation:
            continue
        per_org[org] = per_org.get(org, 0) + 1
        picked.append(int(target))
    return picked


def normalise_text(text: str) -> str:
    """NFKC (full-width Latin and digits to half-width, half-width kana to full), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def sentences(text: str) -> list[str]:
    """A text split into its sentences (English and Japanese punctuation, line breaks)."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def texts_to_vectors(texts: Sequence[str]):
    """
    TF-IDF vectors of character 2–4-grams within words (`char_wb`): English
    and Japanese alike, no word lists, nothing downloaded. What
    TfidfVectorizer does, in its two steps (CountVectorizer, TfidfTransformer)
    so that each distinct sentence is read once: a text's counts are the sum
    of its sentences', and the sentences get vectors of their own (for the
    snippets). Returns (text vectors, the distinct sentences, their vectors,
    each text's sentence rows), vectors L2-normalised; None when no n-gram is
    shared by two texts.
    """
    rows_of = {}
    text_sentences = []
    for text in texts:
        text_sentences.append([rows_of.setdefault(s, len(rows_of)) for s in sentences(text)])
    if not rows_of:
        return None
    counter = CountVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, preprocessor=normalise_text, dtype=np.float32
    )
    try:
        sentence_counts = counter.fit_transform(list(rows_of)).tocsc()
    except ValueError:  # no n-gram at all (e.g. only punctuation)
        return None
    assignment = _incidence(text_sentences, range(len(rows_of)))
    counts = (assignment @ sentence_counts).tocsr()
    # Document frequencies over the texts: n-grams in one text only, or in
    # most texts (boilerplate), say nothing about who matches whom.
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = np.flatnonzero((frequency >= MIN_DF) & (frequency <= MAX_DF * len(texts)))
    if not len(keep):
        return None
    tfidf = TfidfTransformer(sublinear_tf=True)
    vectors = tfidf.fit_transform(counts[:, keep]).astype(np.float32).tocsr()
    sentence_vectors = tfidf.transform(sentence_counts[:, keep].tocsr()).astype(np.float32)
    return vectors, list(rows_of), sentence_vectors.tocsr(), text_sentences


class _Model:
    """The people of one conference as matrices, scored a block of viewers at a time."""

    def __init__(self, people: list[Person], settings: Settings):
        self.people = people
        self.settings = settings
        n = len(people)
        organisations = _dense_ids({p.organisation_id for p in people})
        self.organisation = np.array([organisations[p.organisation_id] for p in people])
        # Each organisation as the lessons see it: its id, kind and country,
        # and the organisations of each (kind, country).
        self.organisation_of = {}
        self.same_kind_and_country = {}
        for p in people:
            if p.organisation_id not in self.organisation_of:
                self.organisation_of[p.organisation_id] = (
                    organisations[p.organisation_id],
                    p.kind,
                    p.country,
                )
                if p.kind and p.country:
                    self.same_kind_and_country.setdefault((p.kind, p.country), []).append(
                        p.organisation_id
                    )
        self.consent = np.array([p.consent for p in people], dtype=bool)

        self.position, self.position_matrix = _pair_matrix(
            [p.value_chain for p in people], settings.matrix
        )
        self.kind, self.kind_matrix = _pair_matrix([p.kind for p in people], settings.kinds)

        topics = sorted(set().union(*(p.topics | p.offered | p.sought for p in people)))
        self.offered = _incidence([p.offered for p in people], topics, dense=True)
        self.sought = _incidence([p.sought for p in people], topics, dense=True)
        self.interests = _incidence([p.topics for p in people], topics, dense=True)

        sessions = sorted(set().union(*(p.sessions for p in people)))
        self.sessions = _incidence([p.sessions for p in people], sessions)

        self.boost = self._boost_matrices(people, settings)

        # Texts 0..n-1 are the people's offers, n..2n-1 their seeks.
        self.texts = [p.offers_text for p in people] + [p.seeks_text for p in people]
        vectors = texts_to_vectors(self.texts)
        self.has_text = vectors is not None
        if self.has_text:
            matrix, self.sentences, self.sentence_vectors, self.text_sentences = vectors
            self.offers_vectors = matrix[:n].tocsr()
            self.seeks_vectors = matrix[n:].tocsr()
            self.seeks_vectors_t = self.seeks_vectors.T.tocsr()
            self.offers_vectors_t = self.offers_vectors.T.tocsr()
            self.offered_read = np.maximum(
                self.offered, read_topics(self.offers_vectors, self.offered, self.organisation)
            )
            self.sought_read = np.maximum(
                self.sought, read_topics(self.seeks_vectors, self.sought, self.organisation)
            )

    def _boost_matrices(self, people, settings):
        """Per boost, the (people × 1) membership of its two segments and its weight."""
        boosts = []
        for a, b, weight in settings.boosts:
            in_a = np.array([_in_segment(p, a) for p in people], dtype=np.float32)
            in_b = np.array([_in_segment(p, b) for p in people], dtype=np.float32)
            if weight and in_a.any() and in_b.any():
                boosts.append((a, b, float(weight), in_a, in_b))
        return boosts

    def signals(self, block):
        """Each signal's contribution, a (len(block) × people) array per signal."""
        w = self.settings.weights
        parts = {}
        parts["value_chain"] = (
            w.value_chain * self.position_matrix[np.ix_(self.position[block], self.position)]
        )
        parts["kind"] = w.kind * self.kind_matrix[np.ix_(self.kind[block], self.kind)]
        parts["topic_they_offer"] = w.topic_they_offer * (self.sought[block] @ self.offered.T)
        parts["topic_they_seek"] = w.topic_they_seek * (self.offered[block] @ self.sought.T)
        parts["interest"] = w.interest * (self.interests[block] @ self.offered.T)
        common = (self.sessions[block] @ self.sessions.T).toarray()
        parts["sessions"] = w.sessions * np.minimum(common, MAX_SESSIONS)
        boost = np.zeros((len(block), len(self.people)), dtype=np.float32)
        for _a, _b, weight, in_a, in_b in self.boost:
            either = np.outer(in_a[block], in_b) + np.outer(in_b[block], in_a)
            boost += weight * np.minimum(either, 1)
        parts["boost"] = w.boost * boost
        if self.has_text:
            # Text: the similarity of the texts themselves, and what the topics
            # read from the texts add to the ticked ones (in both directions).
            sought, offered = self.sought_read[block], self.offered_read[block]
            they_offer = w.text * (self.seeks_vectors[block] @ self.offers_vectors_t).toarray()
            they_offer += w.topic_they_offer * (sought @ self.offered_read.T)
            they_offer -= parts["topic_they_offer"]
            they_offer += w.interest * (self.interests[block] @ self.offered_read.T)
            they_offer -= parts["interest"]
            they_seek = w.text * (self.offers_vectors[block] @ self.seeks_vectors_t).toarray()
            they_seek += w.topic_they_seek * (offered @ self.sought_read.T)
            they_seek -= parts["topic_they_seek"]
            parts["text_they_offer"] = they_offer
            parts["text_they_seek"] = they_seek
        return {name: np.asarray(part, dtype=np.float32) for name, part in parts.items()}

    def taught(self, block, lessons):
        """
        What each viewer's dismissals multiply each person's score by (`Lesson`),
        a (len(block) × people) array; None when no viewer of the block has any.
        """
        rows = [(row, lessons[int(v)]) for row, v in enumerate(block) if lessons.get(int(v))]
        if not rows:
            return None
        rules = self.settings.lessons
        factors = np.ones((len(block), len(self.people)), dtype=np.float32)
        for row, lesson in rows:
            touched = set(lesson.people)
            for profile, count in lesson.organisations.items():
                if count >= rules.similar_after:
                    touched.update(self.same_kind_and_country.get(profile, ()))
            by_organisation = np.ones(len(self.organisation_of), dtype=np.float32)
            for organisation_id in touched:
                dense, kind, country = self.organisation_of[organisation_id]
                by_organisation[dense] = lesson.factor(organisation_id, kind, country, rules)
            factors[row] = by_organisation[self.organisation]
        return factors

    def eligible(self, block, excluded):
        """Who may be suggested to each viewer of the block: consenting, another organisation."""
        mask = self.consent[None, :] & (
            self.organisation[block][:, None] != self.organisation[None, :]
        )
        for row, viewer in enumerate(block):
            for target in excluded.get(int(viewer), ()):
                mask[row, target] = False
        return mask

    def reason(self, name, viewer, target, snippets):
        """The reason for signal `name` of a suggestion (None: nothing to show)."""
        me, them = self.people[viewer], self.people[target]
        if name == "value_chain":
            return Reason(VALUE_CHAIN, {"a": me.value_chain, "b": them.value_chain})
        if name == "kind":
            return Reason(KIND, {"a": me.kind, "b": them.kind})
        if name == "topic_they_offer":
            return _topic_reason("they_offer", me, them, me.sought & them.offered)
        if name == "topic_they_seek":
            return _topic_reason("they_seek", them, me, them.sought & me.offered)
        if name == "interest":
            topics = sorted(me.topics & them.offered)
            params = {"offerer_org": them.organisation_name, "topic": topics[0], "topics": topics}
            return Reason(TOPIC_INTEREST, params)
        if name in _TEXT_SIGNALS:
            text = snippets.get((viewer, target, name))
            if not text:
                return None
            return Reason(TEXT, {"direction": _TEXT_SIGNALS[name], "snippet": text})
        if name == "sessions":
            return Reason(SESSIONS, {"session_ids": sorted(me.sessions & them.sessions)})
        if name == "boost":
            applying = [
                (weight, (a, b) if _in_segment(me, a) and _in_segment(them, b) else (b, a))
                for a, b, weight, *_ in self.boost
                if (_in_segment(me, a) and _in_segment(them, b))
                or (_in_segment(me, b) and _in_segment(them, a))
            ]
            if not applying:
                return None
            _, (mine, theirs) = max(applying, key=lambda item: item[0])  # the first of equals
            return Reason(BOOST, {"a": mine, "b": theirs})
        return None

    def snippets(self, requests):
        """
        For each (viewer, target, text signal), the sentence of the target's
        text (offers for "they_offer", seeks for "they_seek") closest to the
        viewer's opposite text.
        """
        requests = list(requests)
        if not requests or not self.has_text:
            return {}
        n = len(self.people)
        chosen = {}
        for name in _TEXT_SIGNALS:
            # The viewer's side: seeks for "they_offer", offers for "they_seek".
            mine = self.seeks_vectors if name == "text_they_offer" else self.offers_vectors
            theirs = 0 if name == "text_they_offer" else n
            asked = [request for request in requests if request[2] == name]
            viewers = sorted({viewer for viewer, _, _ in asked})
            for start in range(0, len(viewers), BLOCK):
                column = {v: i for i, v in enumerate(viewers[start : start + BLOCK])}
                # (sentences × viewers of the block)
                scores = (self.sentence_vectors @ mine[list(column)].T).toarray()
                for request in asked:
                    viewer, target, _ = request
                    rows = self.text_sentences[theirs + target]
                    if viewer not in column or not rows:
                        continue
                    # The first of equals: deterministic.
                    best = rows[int(np.argmax(scores[rows, column[viewer]]))]
                    chosen[request] = snippet(self.sentences[best])
        return chosen


def read_topics(vectors, ticked, organisation, ridge=None, level=None):
    """
    The topics each text speaks of, learnt from the topics the others ticked:
    kernel ridge regression from the texts (cosine kernel) to the ticked
    topics, each organisation's people predicted by a model fitted on the
    other organisations only (leave-one-organisation-out, in closed form), so
    that a topic its text mentions but its profile omits is read as it is in
    the texts of those who ticked it: synonyms, and Japanese as well as
    English, as far as the others wrote them. A (people × topics) array in
    [0, 1]: 1 as sure as the typical ticker (`level`).

    Identical rows of one organisation (people who added no text of their
    own) count once. One inverse of the (rows × rows) kernel: O(rows³),
    about 0.05 s for 1,000 people on 2 cores.
    """
    ridge = RIDGE if ridge is None else ridge
    level = TICKED_LEVEL if level is None else level
    if not ticked.any() or ticked.shape[0] < 2:
        return np.zeros_like(ticked)
    keys = {}
    row_of = np.empty(ticked.shape[0], dtype=np.int64)
    for person in range(ticked.shape[0]):
        start, end = vectors.indptr[person], vectors.indptr[person + 1]
        key = (
            int(organisation[person]),
            vectors.indices[start:end].tobytes(),
            vectors.data[start:end].tobytes(),
            ticked[person].tobytes(),
        )
        row_of[person] = keys.setdefault(key, len(keys))
    first = np.unique(row_of, return_index=True)[1]
    unique, labels = vectors[first], ticked[first].astype(np.float64)
    n = len(first)
    kernel = (unique @ unique.T).toarray().astype(np.float64)
    kernel[np.diag_indices(n)] += ridge
    inverse = _inverse_spd(kernel)
    mean = labels.mean(axis=0)
    centred = labels - mean
    weighted = inverse @ centred
    held_out = np.empty_like(centred)
    # Leaving out a group G: y_G - (A_GG)^-1 (A y)_G, with A = (K + ridge I)^-1.
    for members in _groups(organisation[first]):
        block = inverse[np.ix_(members, members)]
        held_out[members] = centred[members] - np.linalg.solve(block, weighted[members])
    return np.clip(held_out[row_of] / level, 0, 1).astype(ticked.dtype)


def _inverse_spd(matrix):
    """The inverse of a symmetric positive definite matrix, by Cholesky (LAPACK potrf/potri)."""
    factor, info = lapack.dpotrf(matrix, lower=False)
    if info != 0:
        return np.linalg.inv(matrix)
    inverse, info = lapack.dpotri(factor, lower=False)
    if info != 0:
        return np.linalg.inv(matrix)
    upper = np.triu(inverse)
    return upper + np.triu(upper, 1).T


def _groups(labels):
    """The row indices of each label, in order."""
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, bounds)


def _topic_reason(direction, seeker, offerer, topics):
    topics = sorted(topics)
    return Reason(
        TOPIC_OFFER,
        {
            "direction": direction,
            "seeker_org": seeker.organisation_name,
            "offerer_org": offerer.organisation_name,
            "topic": topics[0],
            "topics": topics,
        },
    )


def _in_segment(person, segment):
    if segment == NEW_ENTRANT:
        return person.new_entrant
    return bool(segment) and person.value_chain == segment


def _dense_ids(values):
    return {value: i for i, value in enumerate(sorted(values))}


def _pair_matrix(values, weights):
    """Each person's value as an index, and the symmetric (values × values) weight matrix."""
    names = sorted(set(values) | {x for pair in weights for x in pair})
    ids = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    for (a, b), weight in weights.items():
        if a and b:
            matrix[ids[a], ids[b]] = matrix[ids[b], ids[a]] = float(weight)
    return np.array([ids[v] for v in values], dtype=np.int64), matrix


def _incidence(sets, vocabulary, dense=False):
    """A (people × vocabulary) 0/1 matrix of who has what, sparse unless `dense`."""
    ids = {value: i for i, value in enumerate(vocabulary)}
    rows, cols = [], []
    for row, values in enumerate(sets):
        for value in values:
            rows.append(row)
            cols.append(ids[value])
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(sets), max(len(vocabulary), 1)))
    return matrix.toarray() if dense else matrix
