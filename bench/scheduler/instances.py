"""
Seeded B2B scheduling instances for the benchmark (and the engine's tests).

Four tiers (participants / accepted requests / slots / tables):
S 40/150/12/10, M 150/800/24/40, L 400/3,000/32/100, XL 1,000/10,000/40/250.

People belong to organisations of a kind; financiers are few and heavily
requested, OEMs next, so popular people, not tables, are what runs out.
Availability: each person is free in each slot with probability `density`
(independently), so at 0.5 two people share a quarter of the slots.

Planted instances are made the other way round: a valid schedule first
(in every slot, people free then are paired, popular ones more often, up to
the tables), then one request per planted meeting. Every request fits, so
the optimum is the number of requests.
"""

import random

from b2b_meetings.scheduler.engine import Instance, Request

TIERS = {
    "S": (40, 150, 12, 10),
    "M": (150, 800, 24, 40),
    "L": (400, 3000, 32, 100),
    "XL": (1000, 10000, 40, 250),
}

# Kind: (share of participants, how often they send requests, how often they are asked).
KINDS = {
    "financier": (0.08, 0.3, 10.0),
    "oem": (0.15, 1.0, 4.0),
    "recycler": (0.45, 3.0, 1.0),
    "government": (0.12, 0.5, 1.5),
    "other": (0.20, 1.0, 0.5),
}


def _people(rng, n):
    kinds = []
    for kind, (share, _sends, _asked) in KINDS.items():
        kinds += [kind] * round(share * n)
    while len(kinds) < n:
        kinds.append("recycler")
    kinds = kinds[:n]
    rng.shuffle(kinds)
    people = list(range(1, n + 1))
    # Organisations of one to three people of one kind.
    organisation_of = {}
    org = 0
    by_kind = {}
    for person, kind in zip(people, kinds, strict=True):
        by_kind.setdefault(kind, []).append(person)
    for members in by_kind.values():
        i = 0
        while i < len(members):
            size = rng.choice((1, 1, 2, 3))
            org += 1
            for person in members[i : i + size]:
                organisation_of[person] = org
            i += size
    return people, dict(zip(people, kinds, strict=True)), organisation_of


def _availability(rng, people, slots, density):
    unavailable = {}
    for person in people:
        off = frozenset(s for s in slots if rng.random() >= density)
        if off:
            unavailable[person] = off
    return unavailable


def generate(tier, density, *, planted=False, seed=0):
    """One instance of `tier` at availability `density`; the same seed gives the same one."""
    n_people, n_requests, n_slots, n_tables = TIERS[tier]
    rng = random.Random(f"{tier}:{density}:{planted}:{seed}")
    people, kind_of, organisation_of = _people(rng, n_people)
    slots = tuple(range(1, n_slots + 1))
    tables = tuple(range(1, n_tables + 1))
    unavailable = _availability(rng, people, slots, density)
    asked = [KINDS[kind_of[p]][2] for p in people]
    sends = [KINDS[kind_of[p]][1] for p in people]
    pairs = []
    seen = set()
    if planted:
        per_slot = -(-n_requests // n_slots)
        for slot in slots:
            free = [p for p in people if slot not in unavailable.get(p, ())]
            # A weighted shuffle: popular people come first more often.
            free.sort(key=lambda p: rng.random() ** (1.0 / asked[p - 1]), reverse=True)
            placed = 0
            for a, b in zip(free[0::2], free[1::2], strict=False):
                if placed >= min(per_slot, n_tables) or len(pairs) >= n_requests:
                    break
                key = (min(a, b), max(a, b))
                if key in seen or organisation_of[a] == organisation_of[b]:
                    continue
                seen.add(key)
                pairs.append((a, b))
                placed += 1
        rng.shuffle(pairs)
    else:
        attempts = 0
        while len(pairs) < n_requests and attempts < n_requests * 50:
            attempts += 1
            a = rng.choices(people, weights=sends)[0]
            b = rng.choices(people, weights=asked)[0]
            key = (min(a, b), max(a, b))
            if a == b or key in seen or organisation_of[a] == organisation_of[b]:
                continue
            seen.add(key)
            pairs.append((a, b))
    requests = tuple(Request(id=i + 1, people=(a, b), weight=1) for i, (a, b) in enumerate(pairs))
    return Instance(
        slots=slots,
        tables=tables,
        requests=requests,
        unavailable=unavailable,
        organisation_of=organisation_of,
    )
