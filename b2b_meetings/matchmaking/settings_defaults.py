"""
The pairing matrix and boosts a conference starts with, before its
organisers tune them (MatchmakingSettings). The suggestion engine reads the
saved settings, or these when none are saved.

The matrix says how much two value-chain positions complement each other,
0 (no reason to meet) to 3 (the reason the conference exists): each
unordered pair once, keyed "a:b" with a <= b. A boost adds weight between
two segments, a segment being a value-chain position or "new_entrant".
"""

from b2b_meetings.matchmaking import engine
from conference.core.models import ValueChain

MAX_WEIGHT = 3
NEW_ENTRANT = "new_entrant"


def pair_key(a, b):
    """The matrix key of an unordered pair: "a:b" with a <= b."""
    return ":".join(sorted((a, b)))


def value_chain_pairs():
    """Every unordered pair of positions once, as (a, b) with a <= b, in the choices' order."""
    values = [choice.value for choice in ValueChain]
    pairs = []
    for i, first in enumerate(values):
        for second in values[i:]:
            pairs.append(tuple(sorted((first, second))))
    return pairs


def default_matrix():
    """
    {"a:b": weight} over every pair of value-chain positions (0 where there is
    no reason to meet): the engine's default, the one its benchmark measures
    (the conference's story: recyclers and refiners find anchor off-takers and
    financiers; the chain mine → refinery → precursor → cells → OEM holds).
    """
    pairs = engine.DEFAULT_MATRIX
    return {
        pair_key(a, b): int(pairs.get((a, b), pairs.get((b, a), 0))) for a, b in value_chain_pairs()
    }


def default_boosts():
    """[[segment, segment, weight]]: new entrants and financiers first."""
    return [[NEW_ENTRANT, ValueChain.FINANCE.value, 2]]


def segment_values():
    """The segments a boost may name: every value-chain position, and new entrants."""
    return [*ValueChain.values, NEW_ENTRANT]
