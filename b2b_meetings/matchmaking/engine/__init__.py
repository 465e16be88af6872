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

The modules, one concern each (callers import from here: `from
b2b_meetings.matchmaking import engine`):
- `inputs`: reason codes, default matrices, `Person`, `Weights`,
  `Settings`, `Reason`, `Suggestion`;
- `lessons`: what "not interested" teaches (`Lessons`, `Dismissed`, `Lesson`);
- `text`: sentences, snippets, TF-IDF vectors and topics read from texts;
- `scoring`: `suggest` and the matrices it scores with.
"""

from b2b_meetings.matchmaking.engine.inputs import (
    BOOST,
    DEFAULT_KIND_MATRIX,
    DEFAULT_MATRIX,
    KIND,
    NEW_ENTRANT,
    REASON_CODES,
    SESSIONS,
    TEXT,
    TOPIC_INTEREST,
    TOPIC_OFFER,
    VALUE_CHAIN,
    Person,
    Reason,
    Settings,
    Suggestion,
    Weights,
)
from b2b_meetings.matchmaking.engine.lessons import Dismissed, Lesson, Lessons
from b2b_meetings.matchmaking.engine.scoring import (
    BLAS_THREADS,
    BLOCK,
    MAX_REASONS,
    MAX_SESSIONS,
    MIN_REASON_SHARE,
    suggest,
)
from b2b_meetings.matchmaking.engine.text import (
    MAX_DF,
    MIN_DF,
    NGRAMS,
    RIDGE,
    SNIPPET_CHARS,
    TICKED_LEVEL,
    normalise_text,
    read_topics,
    sentences,
    snippet,
    texts_to_vectors,
)

__all__ = [
    "BLAS_THREADS",
    "BLOCK",
    "BOOST",
    "DEFAULT_KIND_MATRIX",
    "DEFAULT_MATRIX",
    "KIND",
    "MAX_DF",
    "MAX_REASONS",
    "MAX_SESSIONS",
    "MIN_DF",
    "MIN_REASON_SHARE",
    "NEW_ENTRANT",
    "NGRAMS",
    "REASON_CODES",
    "RIDGE",
    "SESSIONS",
    "SNIPPET_CHARS",
    "TEXT",
    "TICKED_LEVEL",
    "TOPIC_INTEREST",
    "TOPIC_OFFER",
    "VALUE_CHAIN",
    "Dismissed",
    "Lesson",
    "Lessons",
    "Person",
    "Reason",
    "Settings",
    "Suggestion",
    "Weights",
    "normalise_text",
    "read_topics",
    "sentences",
    "snippet",
    "suggest",
    "texts_to_vectors",
]
