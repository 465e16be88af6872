"""
The scoring of the suggestion engine, no Django: all viewers at once, a
block of rows at a time, each signal a sparse or dense matrix product
(`_Model`); the top `k` per viewer with at most `per_organisation` people of
one organisation (`suggest`), and the reasons of each suggestion, strongest
first. The rule itself: engine/__init__.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
from threadpoolctl import threadpool_limits

from b2b_meetings.matchmaking.engine.inputs import (
    BOOST,
    KIND,
    NEW_ENTRANT,
    SESSIONS,
    TEXT,
    TOPIC_INTEREST,
    TOPIC_OFFER,
    VALUE_CHAIN,
    Person,
    Reason,
    Settings,
    Suggestion,
)
from b2b_meetings.matchmaking.engine.lessons import Dismissed, Lesson
from b2b_meetings.matchmaking.engine.text import (
    _incidence,
    read_topics,
    snippet,
    texts_to_vectors,
)

MAX_SESSIONS = 3
MAX_REASONS = 3
# A signal is a reason if it is the strongest or at least this share of the score.
MIN_REASON_SHARE = 0.1
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
