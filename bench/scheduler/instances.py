"""
Seeded B2B scheduling instances for the benchmark (and the engine's tests).

Four tiers (participants / accepted requests / slots / tables):
S 40/150/12/10, M 150/800/24/40, L 400/3,000/32/100, XL 1,000/10,000/40/250.

People belong to organisations of a kind; financiers are few and heavily
requested, OEMs next, so popular people, not tables, are what runs out.
Availability: each person is free in each slot with probability `density`
(independently), so at 0.5 two people share a quarter of the slots.

Every request is a meeting wish: its sender's priority (1 if time allows,
2 would like, 3 must; mostly "would like") and, for a quarter of them, the
other side's wish too (a mutual request); its weight is
`constants.wish_weight` of the two, as the portal computes it. The wishes
are drawn from their own random stream, so the pairs are the same as
without them.

Planted instances are made the other way round: a valid schedule first
(in every slot, people free then are paired, popular ones more often, up to
the tables), then one request per planted meeting. Every request fits, so
the optimum is their total weight. `planted()` builds the wider family of
`PLANTED_SHAPES` (see there) with a known optimum, decoy requests included.
"""

import random
from dataclasses import dataclass

from b2b_meetings.scheduler.constants import wish_weight
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


# How often a wish has each priority, and the share of requests that are mutual.
PRIORITY_SHARES = {1: 0.3, 2: 0.5, 3: 0.2}
MUTUAL_SHARE = 0.25


def _wish(rng):
    """(priority, counter priority or None) of one request."""
    priorities = list(PRIORITY_SHARES)
    shares = list(PRIORITY_SHARES.values())
    priority = rng.choices(priorities, weights=shares)[0]
    counter = rng.choices(priorities, weights=shares)[0] if rng.random() < MUTUAL_SHARE else None
    return priority, counter


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
    wishes = random.Random(f"{tier}:{density}:{planted}:{seed}:wishes")
    requests = tuple(
        Request(id=i + 1, people=(a, b), weight=wish_weight(*_wish(wishes)))
        for i, (a, b) in enumerate(pairs)
    )
    return Instance(
        slots=slots,
        tables=tables,
        requests=requests,
        unavailable=unavailable,
        organisation_of=organisation_of,
    )


# The wider planted family ------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """
    A kind of planted instance. Each slot pairs the people free in it, up to
    the tables (and the caps), popular targets first; the rest as above.
    With `decoys`, every person the planted schedule saturates (a meeting in
    each of their free slots, or as many as the person cap) also asks that
    many others saturated like them (the popular targets if there are any)
    for a meeting that cannot be planted, no heavier than the lightest
    planted meeting of either. The planted schedule is still optimal: each
    person's share (half the weight of each of their meetings) is at most
    their `min(free slots, cap)` heaviest requests, and the planted meetings
    are exactly those for a saturated person, and all of them for the others.
    """

    tier: str
    density: float
    person_cap: int | None = None
    organisation_cap: int | None = None
    popular: int = 0  # targets in a meeting whenever free, with the heaviest wishes
    decoys: int = 0  # decoy requests per saturated person
    about: str = ""


PLANTED_SHAPES = {
    "full-L-0.5": Shape(
        "L", 0.5, about="the issue's: every table taken, nearly everyone in a meeting when free"
    ),
    "tables-L-0.8": Shape("L", 0.8, about="tables run out first; two in three free people meet"),
    "tables-M-1.0": Shape("M", 1.0, about="everyone free always, tables run out"),
    "caps-M-0.8": Shape(
        "M",
        0.8,
        person_cap=8,
        organisation_cap=14,
        decoys=3,
        about="tight person and organisation caps, decoys among people at their cap",
    ),
    "popular-L-0.5": Shape(
        "L",
        0.5,
        popular=8,
        decoys=8,
        about="8 popular targets in most requests (decoys), their own meetings heaviest",
    ),
    "popular-S-0.5": Shape(
        "S",
        0.5,
        person_cap=5,
        popular=3,
        decoys=3,
        about="the small one: 3 popular targets in most requests, a person cap",
    ),
}


def planted(name, *, seed=0):
    """(instance, optimum) of planted shape `name`; the same seed gives the same one."""
    shape = PLANTED_SHAPES[name]
    n_people, _n_requests, n_slots, n_tables = TIERS[shape.tier]
    rng = random.Random(f"planted:{name}:{seed}")
    wishes = random.Random(f"planted:{name}:{seed}:wishes")
    people, kind_of, organisation_of = _people(rng, n_people)
    slots = tuple(range(1, n_slots + 1))
    unavailable = _availability(rng, people, slots, shape.density)
    asked = {p: KINDS[kind_of[p]][2] for p in people}
    popular = sorted(people, key=lambda p: (-asked[p], rng.random()))[: shape.popular]
    is_popular = set(popular)
    person_cap = shape.person_cap or n_slots
    org_cap = shape.organisation_cap
    count = dict.fromkeys(people, 0)
    org_count = dict.fromkeys(organisation_of.values(), 0)
    seen = set()
    planted_pairs = []

    def fits(a, b):
        if (min(a, b), max(a, b)) in seen or organisation_of[a] == organisation_of[b]:
            return False
        if count[a] >= person_cap or count[b] >= person_cap:
            return False
        return org_cap is None or (
            org_count[organisation_of[a]] < org_cap and org_count[organisation_of[b]] < org_cap
        )

    for slot in slots:
        free = [p for p in people if slot not in unavailable.get(p, ())]
        rng.shuffle(free)
        free.sort(
            key=lambda p: (p not in is_popular, -(rng.random() ** (1.0 / asked[p]))),
        )
        busy = set()
        placed = 0
        for k, a in enumerate(free):
            if placed >= n_tables:
                break
            if a in busy:
                continue
            for b in free[k + 1 :]:
                if b not in busy and fits(a, b):
                    busy |= {a, b}
                    seen.add((min(a, b), max(a, b)))
                    planted_pairs.append((a, b))
                    for p in (a, b):
                        count[p] += 1
                        org_count[organisation_of[p]] += 1
                    placed += 1
                    break

    weighted = []
    lightest = {}
    for a, b in planted_pairs:
        priority, counter = _wish(wishes)
        if a in is_popular or b in is_popular:
            # Popular people are what most wishes are about, and the strongest ones.
            priority = max(priority, _wish(wishes)[0])
        weight = wish_weight(priority, counter)
        weighted.append(((a, b), weight))
        for p in (a, b):
            lightest[p] = min(lightest.get(p, weight), weight)
    optimum = sum(weight for _pair, weight in weighted)

    free_slots = {p: n_slots - len(unavailable.get(p, ())) for p in people}
    saturated = [p for p in people if count[p] and count[p] == min(free_slots[p], person_cap)]
    targets = [p for p in popular if p in saturated] if popular else saturated
    for a in saturated:
        if a in is_popular:
            continue
        options = [b for b in targets if b != a and organisation_of[a] != organisation_of[b]]
        options = [b for b in options if (min(a, b), max(a, b)) not in seen]
        for b in rng.sample(options, min(shape.decoys, len(options))):
            seen.add((min(a, b), max(a, b)))
            weight = min(wish_weight(*_wish(wishes)), lightest[a], lightest[b])
            weighted.append(((a, b), weight))

    rng.shuffle(weighted)
    requests = tuple(
        Request(id=i + 1, people=pair, weight=weight) for i, (pair, weight) in enumerate(weighted)
    )
    instance = Instance(
        slots=slots,
        tables=tuple(range(1, n_tables + 1)),
        requests=requests,
        unavailable=unavailable,
        person_cap=shape.person_cap,
        organisation_of=organisation_of,
        organisation_cap=shape.organisation_cap,
    )
    return instance, optimum
