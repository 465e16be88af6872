"""
The B2B auto-scheduler's engine: plain Python, no Django.

A problem is an `Instance`: slots, the tables in use, the requests to place
(each a group of people, usually two, with a weight), who cannot meet when,
the meetings that stay where they are, and the caps. `schedule()` returns a
`Result`: a slot and a concrete table for as many requests as possible,
weighted, and why each of the others got nothing.

How (`schedule()`), within a time limit:
1. greedy: a valid schedule at once (under a second on 10,000 requests);
2. the LP relaxation (OR-Tools' PDLP): the bound, certified by its dual
   whatever PDLP's accuracy, and a second schedule by rounding its solution;
3. local search from the better one: ejection and Kempe chains, swaps,
   then a tabu walk (`improve`);
4. when the bound says every request may fit, CP-SAT asked to place them
   all (a satisfaction problem it answers far faster than it optimises);
5. the exact model on OR-Tools CP-SAT, seeded (AddHint) with the best so
   far, for the time left; it may prove the schedule optimal.
Each phase only runs while the schedule is below the bound, and the best
schedule seen wins: never worse than greedy, always valid. The bound is the
tighter of the LP relaxation and CP-SAT's proven bound, computed on the
clock: the whole run, the bound included, keeps the time limit; the result
reports its gap to it.

The model, over x[r, s] = "request r meets in slot s" for the slots in which
all its people are free:
    each request at most once (exactly once for an existing meeting that may move),
    each person at most once per slot,
    per slot at most as many meetings as free tables (tables are interchangeable:
    concrete tables are assigned after solving),
    per person and per organisation at most the caps, counting the meetings
    that stay,
    maximise the weighted number of meetings, then (for meetings that may
    move) the number left in their current slot.

`validate()` checks any placement against the instance from scratch and is
what the tests and the benchmark run on every schedule the engine returns.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

# Why a request got no meeting.
NO_PARTICIPANTS = "no_participants"  # an organisation's request nobody has taken on
NO_COMMON_SLOT = "no_common_slot"  # no slot in which everyone is available
BUSY = "busy"  # every common free slot already holds a meeting of one of them
NO_TABLE = "no_table"  # every common free slot's tables are taken by meetings that stay
PERSON_CAP = "person_cap"  # someone already has the most meetings allowed
ORGANISATION_CAP = "organisation_cap"  # their organisation already has the most allowed
TAKEN = "taken"  # the common free slots went to other meetings of this schedule
PERSON_CAP_FILLED = "person_cap_filled"  # someone reached the cap with this schedule
ORGANISATION_CAP_FILLED = "organisation_cap_filled"
TABLES_FULL = "tables_full"  # the common free slots' tables all went to other meetings

REASONS = (
    NO_PARTICIPANTS,
    NO_COMMON_SLOT,
    BUSY,
    NO_TABLE,
    PERSON_CAP,
    ORGANISATION_CAP,
    TAKEN,
    PERSON_CAP_FILLED,
    ORGANISATION_CAP_FILLED,
    TABLES_FULL,
)


# Tuning (measured on the benchmark of bench/scheduler/ on a 2-core machine).

# Seconds to build the CP-SAT model, per variable (measured: 2–3 s per 100,000
# on a quiet machine, up to 4.5 on a busy one).
BUILD_S_PER_VARIABLE = 3e-5

# Share of the local search spent on chains before the tabu walk, and how
# deep the walk looks for a new slot for the meetings it drops (0: only a
# slot that is free as it is; deeper costs more than it finds on large
# instances).
CHAINS_SHARE = 0.5
WALK_DEPTH = 0

# How often the tabu walk accepts a step that loses one unit of weight (and
# that to the power of the loss for bigger ones): enough to leave plateaus.
WALK_UPHILL = 0.05

# Shares of the time limit: the LP relaxation gets at most the first 40 %, the
# local search at most half, CP-SAT the rest (and all of it, less margins,
# when the earlier phases finish early). On the benchmark the local search
# does most of the work on large instances, CP-SAT on small ones, where it
# also proves optimality.
LP_SHARE = 0.4
SEARCH_SHARE = 0.5

# Share of the local search spent counting meetings rather than weighing
# them, when the bound says every request may fit.
UNWEIGHTED_SHARE = 0.5

# Share of the time limit for asking CP-SAT to place every request, when the
# bound says they may all fit (planted instances, light days).
PLACE_ALL_SHARE = 0.2

# Share of CP-SAT's time (at most a second) it is told to stop early by, so
# that it has stopped by the end of its time.
STOP_SHARE = 0.05


@dataclass(frozen=True)
class Request:
    """A meeting to place: its people, weight, and where it is now (if it may move)."""

    id: int
    people: tuple[int, ...]
    weight: int = 1
    # (slot, table) of an existing meeting that may move: it must stay
    # scheduled, and staying where it is is preferred.
    current: tuple[int, int] | None = None


@dataclass(frozen=True)
class FixedMeeting:
    """A meeting that stays: it occupies its people, its table and counts toward caps."""

    people: tuple[int, ...]
    slot: int
    table: int | None = None


@dataclass
class Instance:
    slots: tuple[int, ...]  # the slots to schedule into, in time order
    tables: tuple[int, ...]  # the tables in use, in the order they are handed out
    requests: tuple[Request, ...]
    unavailable: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> slots
    fixed: tuple[FixedMeeting, ...] = ()
    person_cap: int | None = None
    organisation_of: dict[int, int] = field(default_factory=dict)  # person -> organisation
    organisation_cap: int | None = None


@dataclass
class Result:
    placements: dict[int, tuple[int, int]]  # request id -> (slot, table)
    unscheduled: dict[int, str]  # request id -> reason
    objective: int  # weighted meetings placed
    bound: int  # upper bound on the objective
    greedy_objective: int
    greedy_scheduled: int
    method: str  # the phase that found it: "greedy", "lp" (rounding), "search" or "solver"
    seconds: float
    moves: int = 0  # existing meetings that changed slot
    lp_bound: float | None = None
    solver_bound: int | None = None
    cancelled: bool = False
    stats: dict = field(default_factory=dict)

    @property
    def scheduled(self):
        return len(self.placements)

    @property
    def gap(self):
        """Share of the bound not reached (0.0 = proven optimal)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


class InvalidInstance(ValueError):
    pass


# Preparation -----------------------------------------------------------------------


class Prepared:
    """The instance reduced to indices: candidate slots per request, capacities, caps."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.slots = list(instance.slots)
        self.slot_index = {s: i for i, s in enumerate(self.slots)}
        self.requests = list(instance.requests)
        ids = [r.id for r in self.requests]
        if len(set(ids)) != len(ids):
            raise InvalidInstance("request ids must be unique")
        n_slots = len(self.slots)

        # Tables free per slot (index): every table in use minus those of meetings that stay.
        self.pool = [list(instance.tables) for _ in range(n_slots)]
        taken_tables = defaultdict(set)
        blocked = defaultdict(set)  # person -> slot indexes with a meeting that stays
        fixed_count = Counter()
        fixed_org = Counter()
        org_of = instance.organisation_of
        for meeting in instance.fixed:
            for person in meeting.people:
                fixed_count[person] += 1
                if person in org_of:
                    fixed_org[org_of[person]] += 1
            index = self.slot_index.get(meeting.slot)
            if index is None:
                continue
            for person in meeting.people:
                blocked[person].add(index)
            if meeting.table is not None:
                taken_tables[index].add(meeting.table)
        for index, taken in taken_tables.items():
            self.pool[index] = [t for t in self.pool[index] if t not in taken]
        self.capacity = [len(p) for p in self.pool]

        unavailable = {
            person: {self.slot_index[s] for s in slots if s in self.slot_index}
            for person, slots in instance.unavailable.items()
        }
        self.unavailable = unavailable
        self.blocked = blocked

        # Caps left for what the solver places, counting the meetings that
        # stay. Existing meetings that may move must all stay scheduled, so a
        # cap already exceeded by them is raised to what they need.
        mandatory = Counter()
        mandatory_org = Counter()
        for r in self.requests:
            if r.current is not None:
                for person in r.people:
                    mandatory[person] += 1
                    if person in org_of:
                        mandatory_org[org_of[person]] += 1
        self.mandatory = mandatory
        self.mandatory_org = mandatory_org
        self.person_left = None
        self.org_left = None
        if instance.person_cap is not None:
            people = {p for r in self.requests for p in r.people}
            self.person_left = {
                p: max(instance.person_cap - fixed_count[p], mandatory[p]) for p in people
            }
        if instance.organisation_cap is not None:
            orgs = {org_of[p] for r in self.requests for p in r.people if p in org_of}
            self.org_left = {
                o: max(instance.organisation_cap - fixed_org[o], mandatory_org[o]) for o in orgs
            }

        # Candidate slots of every request, and why a request has none.
        self.candidates: list[list[int]] = []
        self.excluded: dict[int, str] = {}
        all_slots = range(n_slots)
        for i, r in enumerate(self.requests):
            if len(r.people) < 2 or len(set(r.people)) != len(r.people):
                if r.current is not None:
                    raise InvalidInstance(f"request {r.id}: a meeting needs two distinct people")
                self.candidates.append([])
                self.excluded[i] = NO_PARTICIPANTS
                continue
            if r.current is None:
                reason = self._cap_reason(r)
                if reason:
                    self.candidates.append([])
                    self.excluded[i] = reason
                    continue
            off = set()
            for person in r.people:
                off |= unavailable.get(person, set())
                off |= blocked.get(person, set())
            cands = [s for s in all_slots if s not in off and self.capacity[s] > 0]
            if r.current is not None:
                current = self.slot_index.get(r.current[0])
                if current is None or r.current[1] not in self.pool[current]:
                    raise InvalidInstance(f"request {r.id}: its current place is not schedulable")
                if current not in cands:
                    # Its people may have marked the slot since; it may stay all the same.
                    cands.append(current)
                    cands.sort()
            self.candidates.append(cands)
            if not cands:
                self.excluded[i] = self._no_slot_reason(r)
        self.movable = [i for i, r in enumerate(self.requests) if r.current is not None]

    def _cap_reason(self, r):
        if self.person_left is not None and any(
            self.person_left[p] - self.mandatory[p] <= 0 for p in r.people
        ):
            return PERSON_CAP
        if self.org_left is not None:
            need = Counter(
                self.instance.organisation_of[p]
                for p in r.people
                if p in self.instance.organisation_of
            )
            if any(self.org_left[o] - self.mandatory_org[o] < n for o, n in need.items()):
                return ORGANISATION_CAP
        return None

    def _no_slot_reason(self, r):
        common = [
            s
            for s in range(len(self.slots))
            if not any(s in self.unavailable.get(p, ()) for p in r.people)
        ]
        if not common:
            return NO_COMMON_SLOT
        free = [s for s in common if not any(s in self.blocked.get(p, ()) for p in r.people)]
        if not free:
            return BUSY
        return NO_TABLE

    def people_of(self, i):
        return self.requests[i].people

    def org_need(self, i):
        org_of = self.instance.organisation_of
        return Counter(org_of[p] for p in self.requests[i].people if p in org_of)


class _State:
    """Who is where in a schedule being built: the checks of greedy and self-booking."""

    def __init__(self, prep: Prepared):
        self.prep = prep
        self.used = defaultdict(set)  # person -> slot indexes
        self.count = Counter()
        self.org_count = Counter()
        self.tables_left = list(prep.capacity)
        self.slot_of: dict[int, int] = {}

    def fits(self, i, s):
        prep = self.prep
        if self.tables_left[s] <= 0:
            return False
        people = prep.people_of(i)
        if any(s in self.used[p] for p in people):
            return False
        if prep.person_left is not None and any(
            self.count[p] >= prep.person_left[p] for p in people
        ):
            return False
        if prep.org_left is not None:
            for org, n in prep.org_need(i).items():
                if self.org_count[org] + n > prep.org_left[org]:
                    return False
        return True

    def place(self, i, s):
        prep = self.prep
        for p in prep.people_of(i):
            self.used[p].add(s)
            self.count[p] += 1
        for org, n in prep.org_need(i).items():
            self.org_count[org] += n
        self.tables_left[s] -= 1
        self.slot_of[i] = s

    def place_movable_where_they_are(self):
        """
        Existing meetings that may move start where they are: that schedule
        is valid, and their seats then count toward the caps before anything
        new is placed.
        """
        for i in self.prep.movable:
            self.place(i, self.prep.slot_index[self.prep.requests[i].current[0]])


# Heuristics ------------------------------------------------------------------------


def greedy(prep: Prepared, *, first=()) -> dict[int, int]:
    """
    Place requests one by one, heaviest first and, among equals, the ones
    with the fewest candidate slots first; each goes to the feasible slot
    where its people's other requests and the slot's tables are least in
    demand. Existing meetings that may move stay where they are. `first`:
    (request index, slot index) pairs to place before anything else where
    they fit (the LP rounding). Returns {request index: slot index}.
    """
    state = _State(prep)
    state.place_movable_where_they_are()
    for i, s in first:
        if i not in state.slot_of and state.fits(i, s):
            state.place(i, s)
    pending = [
        i for i in range(len(prep.requests)) if i not in state.slot_of and prep.candidates[i]
    ]
    # Demand for each person's time and each slot's tables by requests not yet handled.
    demand = defaultdict(Counter)
    slot_demand = Counter()
    for i in pending:
        for s in prep.candidates[i]:
            slot_demand[s] += 1
            for p in prep.people_of(i):
                demand[p][s] += 1
    pending.sort(key=lambda i: (-prep.requests[i].weight, len(prep.candidates[i]), i))
    for i in pending:
        people = prep.people_of(i)
        cands = prep.candidates[i]
        for s in cands:
            slot_demand[s] -= 1
            for p in people:
                demand[p][s] -= 1
        best = None
        best_score = None
        for s in cands:
            if not state.fits(i, s):
                continue
            score = sum(demand[p][s] for p in people) + slot_demand[s] / state.tables_left[s]
            if best_score is None or score < best_score:
                best, best_score = s, score
        if best is not None:
            state.place(i, best)
    return state.slot_of


def self_booking(prep: Prepared, *, seed=0) -> dict[int, int]:
    """
    What first-come self-booking would give: requests are accepted in a
    random order and each picks, at random, one of the slots still free for
    everyone in it (with a table left and under the caps). The baseline the
    benchmark compares with.
    """
    rng = random.Random(seed)  # noqa: S311 (a simulation, not a secret)
    state = _State(prep)
    state.place_movable_where_they_are()
    order = [
        i
        for i in range(len(prep.requests))
        if prep.requests[i].current is None and prep.candidates[i]
    ]
    rng.shuffle(order)
    for i in order:
        free = [s for s in prep.candidates[i] if state.fits(i, s)]
        if free:
            state.place(i, rng.choice(free))
    return state.slot_of


class _Chains:
    """
    Local search by ejection chains: a request without a slot goes into a
    slot where it is blocked by at most two meetings of its people, which
    move to other slots, recursively, up to a depth. A chain either
    succeeds whole (one more meeting, nobody dropped) or is undone.
    """

    def __init__(self, prep: Prepared, slot_of: dict[int, int], rng):
        self.prep = prep
        self.rng = rng
        self.slot_of = dict(slot_of)
        self.at = defaultdict(dict)  # person -> {slot index: request index}
        self.count = Counter()
        self.org_count = Counter()
        self.tables_left = list(prep.capacity)
        self.org_need = [prep.org_need(i) for i in range(len(prep.requests))]
        # Placed requests per organisation, for trading a meeting under an
        # organisation's cap (only kept when there is such a cap).
        self.org_placed = defaultdict(set) if prep.org_left is not None else None
        self.capped = prep.person_left is not None or prep.org_left is not None
        self.log = []
        for i, s in slot_of.items():
            self._put(i, s, log=False)
        self.budget = 0
        self.candidate_sets = [frozenset(c) for c in prep.candidates]
        self.by_person = defaultdict(list)
        for i, r in enumerate(prep.requests):
            if prep.candidates[i] and r.current is None:
                for p in r.people:
                    self.by_person[p].append(i)

    def _put(self, i, s, log=True):
        for p in self.prep.requests[i].people:
            self.at[p][s] = i
            self.count[p] += 1
        for org, n in self.org_need[i].items():
            self.org_count[org] += n
            if self.org_placed is not None:
                self.org_placed[org].add(i)
        self.tables_left[s] -= 1
        self.slot_of[i] = s
        if log:
            self.log.append((i, None))

    def _take(self, i, log=True):
        s = self.slot_of.pop(i)
        for p in self.prep.requests[i].people:
            del self.at[p][s]
            self.count[p] -= 1
        for org, n in self.org_need[i].items():
            self.org_count[org] -= n
            if self.org_placed is not None:
                self.org_placed[org].discard(i)
        self.tables_left[s] += 1
        if log:
            self.log.append((i, s))
        return s

    def _rollback(self, mark):
        """Undo every move since `mark` (a length of the log), newest first."""
        while len(self.log) > mark:
            i, old = self.log.pop()
            if old is None:
                self._take(i, log=False)
            else:
                self._put(i, old, log=False)

    def _caps_ok(self, i):
        prep = self.prep
        if prep.person_left is not None and any(
            self.count[p] >= prep.person_left[p] for p in prep.requests[i].people
        ):
            return False
        if prep.org_left is not None:
            for org, n in self.org_need[i].items():
                if self.org_count[org] + n > prep.org_left[org]:
                    return False
        return True

    def insert(self, i, depth, chain):
        """Place request i (not placed now), moving others; True if done, else no change."""
        if not self._caps_ok(i):
            return False
        people = self.prep.requests[i].people
        options = []
        for s in self.prep.candidates[i]:
            blockers = {self.at[p][s] for p in people if s in self.at[p]}
            if not blockers and self.tables_left[s] > 0:
                self._put(i, s)
                return True
            # A full slot nobody blocks would need some other meeting moved
            # out: rare where people, not tables, are scarce; not tried.
            if depth > 0 and blockers and len(blockers) <= 2 and not (blockers & chain):
                options.append((len(blockers), self.rng.random(), s, blockers))
        if depth == 0:
            return False
        options.sort()
        for _n, _r, s, blockers in options:
            if self.budget <= 0:
                return False
            self.budget -= 1
            mark = len(self.log)
            for b in blockers:
                self._take(b)
            if self.tables_left[s] > 0:
                self._put(i, s)
                inner = chain | blockers | {i}
                if all(self.insert(b, depth - 1, inner) for b in blockers):
                    return True
            self._rollback(mark)
        return False

    def gain(self, i, depth):
        """Try to place request i without dropping anything, else by a swap; the weight gained."""
        self.budget = 200
        if self.insert(i, depth, frozenset()):
            return self.prep.requests[i].weight
        self.budget = 200
        if self.kempe(i):
            return self.prep.requests[i].weight
        self.budget = 400
        return self.swap(i, depth - 1)

    def walk(self, deadline, *, target=None, should_stop=None):
        """
        Tabu walk until `deadline`: a random request without a slot takes
        the candidate slot whose blockers weigh least, if they weigh no more
        than it does; the blockers are dropped (each tries another slot at
        once) and may not return to their slot for a while. Blockers are
        its people's meetings in that slot and, under caps, the lightest
        other meetings of whoever is at a cap. Returns the best schedule
        seen.
        """
        prep = self.prep
        rng = self.rng
        objective = sum(prep.requests[i].weight for i in self.slot_of)
        best, best_objective = dict(self.slot_of), objective
        unplaced = _waiting(prep, self.slot_of)
        tabu = {}
        step = 0
        while unplaced and (target is None or best_objective < target):
            step += 1
            if step % 64 == 0 and (
                time.monotonic() >= deadline or (should_stop is not None and should_stop())
            ):
                break
            k = rng.randrange(len(unplaced))
            i = unplaced[k]
            if i in self.slot_of:
                unplaced[k] = unplaced[-1]
                unplaced.pop()
                continue
            request = prep.requests[i]
            options = []
            least = None
            for s in prep.candidates[i]:
                if tabu.get((i, s), 0) > step:
                    continue
                blockers = {self.at[p][s] for p in request.people if s in self.at[p]}
                if not blockers and self.tables_left[s] <= 0:
                    continue
                if any(prep.requests[b].current is not None for b in blockers):
                    continue
                if self.capped:
                    extra = self._cap_blockers(i, blockers)
                    if extra is None:
                        continue
                    blockers = blockers | extra
                cost = sum(prep.requests[b].weight for b in blockers) - request.weight
                if least is None or cost < least:
                    least, options = cost, [(s, blockers)]
                elif cost == least:
                    options.append((s, blockers))
            if not options or (least > 0 and rng.random() >= WALK_UPHILL**least):
                continue
            s, blockers = rng.choice(options)
            self.log.clear()
            left = {b: self._take(b) for b in blockers}
            if self.tables_left[s] <= 0 or not self._caps_ok(i):
                self._rollback(0)
                continue
            self._put(i, s)
            objective -= least
            tenure = 10 + rng.randrange(len(unplaced) + 10)
            for b in blockers:
                tabu[(b, left[b])] = step + tenure
                self.budget = 30
                self.log.clear()
                if self.insert(b, WALK_DEPTH, frozenset({i})):
                    objective += prep.requests[b].weight
                else:
                    unplaced.append(b)
            self.log.clear()
            if objective > best_objective:
                best, best_objective = dict(self.slot_of), objective
        return best

    def _cap_blockers(self, i, removed):
        """
        The meetings to drop, besides `removed`, for request i to fit under
        the caps: for each of its people and organisations at the cap, the
        lightest of their other meetings (ties at random). None when only
        meetings that may not be dropped (existing ones) would do.
        """
        prep = self.prep
        requests = prep.requests
        extra = set()
        gone = set(removed)

        def lightest(pool):
            options = [j for j in pool if j not in gone and requests[j].current is None]
            if not options:
                return None
            low = min(requests[j].weight for j in options)
            return self.rng.choice([j for j in options if requests[j].weight == low])

        if prep.person_left is not None:
            for p in requests[i].people:
                freed = sum(1 for b in gone if p in requests[b].people)
                if self.count[p] - freed + 1 > prep.person_left[p]:
                    j = lightest(self.at[p].values())
                    if j is None:
                        return None
                    extra.add(j)
                    gone.add(j)
        if prep.org_left is not None:
            for org, n in self.org_need[i].items():
                while (
                    self.org_count[org] - sum(self.org_need[b].get(org, 0) for b in gone) + n
                    > prep.org_left[org]
                ):
                    j = lightest(self.org_placed[org])
                    if j is None:
                        return None
                    extra.add(j)
                    gone.add(j)
        return extra

    def kempe(self, i):
        """
        Place a two-person request (not placed now) by a Kempe chain: in a
        candidate slot s1 where one of them (x) is free and the other (y)
        is not, take a slot s2 where y is free and swap s1 and s2 along the
        path of meetings that starts with y's meeting in s1 and alternates
        between the two slots. Afterwards y is free in s1, and every meeting
        on the path meets in the other slot (if it can). True if placed.
        """
        prep = self.prep
        people = prep.requests[i].people
        if len(people) != 2 or not self._caps_ok(i):
            return False
        n_slots = len(prep.slots)
        for s1 in prep.candidates[i]:
            for x, y in (people, people[::-1]):
                if s1 in self.at[x] or s1 not in self.at[y]:
                    continue
                for s2 in range(n_slots):
                    if s2 == s1 or s2 in self.at[y]:
                        continue
                    if self.budget <= 0:
                        return False
                    self.budget -= 1
                    path = self._kempe_path(y, s1, s2, x)
                    if path is None:
                        continue
                    moving_out = sum(1 for _j, slot in path if slot == s1)
                    moving_in = len(path) - moving_out
                    if self.tables_left[s2] - moving_out + moving_in < 0:
                        continue
                    if self.tables_left[s1] + moving_out - moving_in < 1:
                        continue
                    for j, _slot in path:
                        self._take(j)
                    for j, slot in path:
                        self._put(j, s2 if slot == s1 else s1)
                    self._put(i, s1)
                    return True
        return False

    def _kempe_path(self, start, s1, s2, avoid):
        """The (request, slot) path from `start` alternating s1/s2, or None if it cannot flip."""
        prep = self.prep
        path = []
        person, slot, other = start, s1, s2
        while slot in self.at[person]:
            j = self.at[person][slot]
            people = prep.requests[j].people
            if len(people) != 2 or other not in self.candidate_sets[j]:
                return None
            path.append((j, slot))
            person = people[1] if people[0] == person else people[0]
            if person == avoid or len(path) > 200:
                return None
            slot, other = other, slot
        return path

    def swap(self, i, depth):
        """
        Place request i (not placed now) in a slot where it is blocked, and
        drop the blockers that cannot move elsewhere, if the people they
        free then take other requests worth more than what was dropped.
        Returns the weight gained (0: nothing changed).
        """
        prep = self.prep
        if not self._caps_ok(i):
            return 0
        weight = prep.requests[i].weight
        people = prep.requests[i].people
        for s in prep.candidates[i]:
            blockers = {self.at[p][s] for p in people if s in self.at[p]}
            if not blockers or len(blockers) > 2:
                continue
            if any(prep.requests[b].current is not None for b in blockers):
                continue  # an existing meeting may move but never drop
            if sum(prep.requests[b].weight for b in blockers) > weight + 1:
                continue
            if self.budget <= 0:
                return 0
            self.budget -= 1
            mark = len(self.log)
            for b in blockers:
                self._take(b)
            if self.tables_left[s] <= 0 or not self._caps_ok(i):
                self._rollback(mark)
                continue
            self._put(i, s)
            gain = weight
            chain = frozenset(blockers | {i})
            for b in blockers:
                if self.insert(b, depth, chain):
                    continue
                gain -= prep.requests[b].weight
                # b's other people are free at s now: one of their requests may fit.
                for p in prep.requests[b].people:
                    if p in people:
                        continue
                    for j in self.by_person[p]:
                        if j in self.slot_of or j == b or j in chain:
                            continue
                        if self.insert(j, depth, chain):
                            gain += prep.requests[j].weight
                            break
            if gain > 0:
                return gain
            self._rollback(mark)
        return 0


def improve(
    prep: Prepared,
    slot_of: dict[int, int],
    *,
    time_limit: float,
    seed=0,
    depth=3,
    target: int | None = None,
    should_stop: Callable[[], bool] | None = None,
):
    """
    Better `slot_of` by local search (see `_Chains`). First in rounds over
    the requests without a slot, heaviest first: an ejection chain or a
    Kempe chain (one more meeting, nobody dropped), else a swap that drops
    a blocker but places more weight in its stead, until a round gains
    nothing. Then, for the time left, a tabu walk that also accepts swaps
    of equal weight, to leave the local optimum. Returns the best schedule
    seen: valid whenever the input is, and never lighter. Stops early
    once it weighs `target` (the bound).
    """
    rng = random.Random(seed)  # noqa: S311 (a search order, not a secret)
    search = _Chains(prep, slot_of, rng)
    deadline = time.monotonic() + time_limit
    chains_until = time.monotonic() + CHAINS_SHARE * time_limit
    while time.monotonic() < chains_until:
        gained = 0
        for n, i in enumerate(_waiting(prep, search.slot_of)):
            if time.monotonic() >= chains_until:
                break
            if should_stop is not None and n % 50 == 0 and should_stop():
                return search.slot_of
            if i in search.slot_of:
                continue
            gained += search.gain(i, depth)
            search.log.clear()
        if gained <= 0:
            break
    return search.walk(deadline, target=target, should_stop=should_stop)


def _waiting(prep, slot_of):
    waiting = [
        i
        for i in range(len(prep.requests))
        if i not in slot_of and prep.candidates[i] and prep.requests[i].current is None
    ]
    waiting.sort(key=lambda i: (-prep.requests[i].weight, len(prep.candidates[i]), i))
    return waiting


# The exact model -----------------------------------------------------------------


def _variables(prep: Prepared):
    """The (request index, slot index) pairs of the model, in a fixed order."""
    return [(i, s) for i, cands in enumerate(prep.candidates) for s in cands]


def _objective_scale(prep: Prepared):
    # Lexicographic: one more (weight) unit of meetings is worth more than
    # keeping every movable meeting in place.
    return len(prep.movable) + 1


def _constraint_groups(prep: Prepared, pairs):
    """
    The rows of the model as lists of variable positions (with coefficients
    where not all 1): requests, people per slot, tables per slot, caps.
    """
    by_request = defaultdict(list)
    by_person_slot = defaultdict(list)
    by_slot = defaultdict(list)
    by_person = defaultdict(list)
    by_org = defaultdict(list)  # (position, coefficient)
    org_of = prep.instance.organisation_of
    for k, (i, s) in enumerate(pairs):
        by_request[i].append(k)
        by_slot[s].append(k)
        people = prep.people_of(i)
        for p in people:
            by_person_slot[(p, s)].append(k)
            by_person[p].append(k)
        if prep.org_left is not None:
            need = Counter(org_of[p] for p in people if p in org_of)
            for org, n in need.items():
                by_org[org].append((k, n))
    rows = {
        "request": by_request,
        "person_slot": {key: ks for key, ks in by_person_slot.items() if len(ks) > 1},
        "slot": {s: ks for s, ks in by_slot.items() if len(ks) > prep.capacity[s]},
        "person": {},
        "org": {},
    }
    if prep.person_left is not None:
        rows["person"] = {
            p: ks
            for p, ks in by_person.items()
            if len({pairs[k][0] for k in ks}) > prep.person_left[p]
        }
    if prep.org_left is not None:
        rows["org"] = {
            o: items for o, items in by_org.items() if sum(n for _k, n in items) > prep.org_left[o]
        }
    return rows


def solve_exact(
    prep: Prepared,
    hint: dict[int, int],
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    on_tick: Callable[[float, int | None, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    place_all: bool = False,
    target: int | None = None,
):
    """
    Solve the model with CP-SAT, seeded with `hint` ({request index: slot
    index}, a complete valid schedule), in at most `time_limit` seconds
    including building the model (status "SKIPPED" if that leaves under
    half a second). The solver runs in a thread while this one reports progress through
    `on_tick(elapsed, objective, bound)` and stops the search when
    `should_stop()` says so. With `place_all`, every request that has a
    candidate slot must be placed: a satisfaction problem, on which CP-SAT's
    propagation finds a schedule the optimisation does not (its "INFEASIBLE"
    then says that not everything fits). It stops once a schedule weighs
    `target` (the bound). Returns (assignment or None, status name,
    objective bound on the weighted meetings, cancelled).
    """
    from ortools.sat.python import cp_model

    entered = time.monotonic()
    skipped = None, "SKIPPED", None, False

    def building_too_long():
        # Building the model is not interruptible, but its steps are: on a
        # loaded machine it can take longer than planned (XL: 18 s, not 12).
        return time.monotonic() - entered > time_limit - 0.5

    pairs = _variables(prep)
    if not pairs:
        return {}, "OPTIMAL", 0, False
    scale = _objective_scale(prep)
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _k in range(len(pairs))]
    rows = _constraint_groups(prep, pairs)
    if building_too_long():
        return skipped
    movable = set(prep.movable)
    for i, ks in rows["request"].items():
        if i in movable or place_all:
            model.add_exactly_one([x[k] for k in ks])
        elif len(ks) > 1:
            model.add_at_most_one([x[k] for k in ks])
    for ks in rows["person_slot"].values():
        model.add_at_most_one([x[k] for k in ks])
    if building_too_long():
        return skipped
    total = cp_model.LinearExpr.sum
    for s, ks in rows["slot"].items():
        model.add(total([x[k] for k in ks]) <= prep.capacity[s])
    for p, ks in rows["person"].items():
        model.add(total([x[k] for k in ks]) <= prep.person_left[p])
    for o, items in rows["org"].items():
        model.add(
            cp_model.LinearExpr.weighted_sum([x[k] for k, _n in items], [n for _k, n in items])
            <= prep.org_left[o]
        )

    coefficients = []
    for i, s in pairs:
        r = prep.requests[i]
        stay = 1 if r.current is not None and prep.slot_index[r.current[0]] == s else 0
        coefficients.append(r.weight * scale + stay)
    model.maximize(cp_model.LinearExpr.weighted_sum(x, coefficients))
    if building_too_long():
        return skipped
    for k, (i, s) in enumerate(pairs):
        model.add_hint(x[k], hint.get(i) == s)

    remaining = time_limit - (time.monotonic() - entered)
    if remaining < 0.5:
        return skipped
    solver = cp_model.CpSolver()
    # Stopping takes CP-SAT a moment on a large model (measured: up to a
    # second at XL): its own limit comes first, the watcher below is the net.
    solver.parameters.max_time_in_seconds = remaining - min(1.0, STOP_SHARE * remaining)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = False

    progress = {"objective": None, "bound": None}

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            progress["objective"] = round(self.objective_value) // scale
            progress["bound"] = _weighted_bound(self.best_objective_bound, prep)
            if target is not None and progress["objective"] >= target:
                self.stop_search()

    outcome = {}

    def run():
        try:
            outcome["status"] = solver.solve(model, Callback())
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, name="cp-sat", daemon=True)
    thread.start()
    cancelled = False
    overdue = False
    while thread.is_alive():
        thread.join(0.25)
        if not thread.is_alive():
            break
        if should_stop is not None and not cancelled and should_stop():
            cancelled = True
            solver.stop_search()
        # CP-SAT's own limit slips on a loaded machine (presolve, a busy
        # core): the caller's time limit is what counts.
        if not overdue and time.monotonic() > entered + time_limit:
            overdue = True
            solver.stop_search()
        if on_tick is not None:
            on_tick(time.monotonic() - started, progress["objective"], progress["bound"])
    if "error" in outcome:
        raise outcome["error"]
    status = outcome["status"]
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, name, None, cancelled
    chosen = solver.boolean_values(x).to_numpy().nonzero()[0]
    assignment = {pairs[k][0]: pairs[k][1] for k in chosen.tolist()}
    return assignment, name, _weighted_bound(solver.best_objective_bound, prep), cancelled


def _weighted_bound(raw_bound, prep):
    """The solver's bound on M·(weighted meetings) + stays, as a bound on weighted meetings."""
    scale = _objective_scale(prep)
    # stays <= number of movable meetings < scale.
    return math.floor((raw_bound + 1e-6) / scale)


def lp_matrix(prep: Prepared):
    """
    The LP relaxation as arrays: (pairs, weights, A_ub, b_ub, A_eq, b_eq) of
    max{weights·x : A_ub x <= b_ub, A_eq x = b_eq, 0 <= x <= 1} over the
    (request index, slot index) `pairs`; a matrix and its right-hand side
    are None when there are no such rows.
    """
    import numpy as np
    from scipy.sparse import coo_matrix

    pairs = _variables(prep)
    rows = _constraint_groups(prep, pairs)
    movable = set(prep.movable)
    ub_rows, ub_cols, ub_vals, ub_rhs = [], [], [], []
    eq_rows, eq_cols, eq_rhs = [], [], []

    def add_ub(items, rhs):
        row = len(ub_rhs)
        for k, coefficient in items:
            ub_rows.append(row)
            ub_cols.append(k)
            ub_vals.append(coefficient)
        ub_rhs.append(rhs)

    for i, ks in rows["request"].items():
        if i in movable:
            row = len(eq_rhs)
            eq_rows.extend([row] * len(ks))
            eq_cols.extend(ks)
            eq_rhs.append(1)
        elif len(ks) > 1:
            add_ub(((k, 1) for k in ks), 1)
    for ks in rows["person_slot"].values():
        add_ub(((k, 1) for k in ks), 1)
    for s, ks in rows["slot"].items():
        add_ub(((k, 1) for k in ks), prep.capacity[s])
    for p, ks in rows["person"].items():
        add_ub(((k, 1) for k in ks), prep.person_left[p])
    for o, items in rows["org"].items():
        add_ub(items, prep.org_left[o])

    n = len(pairs)
    weights = np.array([prep.requests[i].weight for i, _s in pairs], dtype=float)
    a_ub = b_ub = a_eq = b_eq = None
    if ub_rhs:
        a_ub = coo_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(ub_rhs), n)).tocsr()
        b_ub = np.array(ub_rhs, dtype=float)
    if eq_rhs:
        a_eq = coo_matrix(([1.0] * len(eq_rows), (eq_rows, eq_cols)), shape=(len(eq_rhs), n))
        a_eq = a_eq.tocsr()
        b_eq = np.array(eq_rhs, dtype=float)
    return pairs, weights, a_ub, b_ub, a_eq, b_eq


def lp_relaxation(prep: Prepared, *, time_limit: float = 30.0, tolerance: float | None = None):
    """
    The LP relaxation of the model, solved by OR-Tools' PDLP (a first-order
    primal-dual method: on these problems seconds where HiGHS's interior
    point method takes tens of seconds at XL, and its iterates are usable
    when it stops on the time limit). Returns (bound, [((request index, slot
    index), value)]): the bound is certified by PDLP's dual (`_dual_bound`),
    so an upper bound on the weighted number of meetings whatever the
    accuracy; it is within `tolerance` (relative; by default 1e-6 on small
    models, 1e-4 on large ones) of the LP optimum when PDLP converges, and
    looser when it stops on `time_limit` (building the matrix included).
    (None, []) when not even building the matrix fits in the time.
    """
    entered = time.monotonic()
    import numpy as np
    from ortools.pdlp import solvers_pb2
    from ortools.pdlp.python import pdlp
    from scipy.sparse import vstack

    pairs, weights, a_ub, b_ub, a_eq, b_eq = lp_matrix(prep)
    if not pairs:
        return 0.0, []
    n = len(pairs)
    blocks, lower, upper = [], [], []
    if a_ub is not None:
        blocks.append(a_ub)
        lower.append(np.full(len(b_ub), -np.inf))
        upper.append(b_ub)
    if a_eq is not None:
        blocks.append(a_eq)
        lower.append(b_eq)
        upper.append(b_eq)
    if not blocks:
        # Nothing shared: every request takes its one slot.
        return float(weights.sum()), [(pair, 1.0) for pair in pairs]
    program = pdlp.QuadraticProgram()
    program.objective_vector = -weights
    program.constraint_matrix = vstack(blocks).tocsc()
    program.constraint_lower_bounds = np.concatenate(lower)
    program.constraint_upper_bounds = np.concatenate(upper)
    program.variable_lower_bounds = np.zeros(n)
    program.variable_upper_bounds = np.ones(n)
    if tolerance is None:
        tolerance = 1e-6 if n < 20000 else 1e-4
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.num_threads = 1
    criteria = params.termination_criteria
    criteria.simple_optimality_criteria.eps_optimal_relative = tolerance
    criteria.simple_optimality_criteria.eps_optimal_absolute = tolerance
    remaining = time_limit - (time.monotonic() - entered)
    if remaining <= 0.05:
        return None, []
    criteria.time_sec_limit = remaining
    result = pdlp.primal_dual_hybrid_gradient(program, params)
    dual = np.asarray(result.dual_solution, dtype=float)
    primal = np.clip(np.asarray(result.primal_solution, dtype=float), 0.0, 1.0)
    n_ub = 0 if b_ub is None else len(b_ub)
    n_eq = 0 if b_eq is None else len(b_eq)
    if dual.shape != (n_ub + n_eq,) or not np.isfinite(dual).all():
        return None, []
    # PDLP's duals are of the minimisation of -w, in the same signs as scipy's marginals.
    bound = _dual_bound(weights, a_ub, b_ub, a_eq, b_eq, dual[:n_ub], dual[n_ub:])
    return bound, list(zip(pairs, primal.tolist(), strict=True))


def _dual_bound(weights, a_ub, b_ub, a_eq, b_eq, ub_marginals, eq_marginals):
    """
    An upper bound on max{w·x : A_ub x <= b_ub, A_eq x = b_eq, 0 <= x <= 1}
    that holds whatever the accuracy of the solver's duals: for any y >= 0
    and z, weak duality gives b_ub·y + b_eq·z + sum(max(0, w - A_ub'y -
    A_eq'z)). With a converged solver's (near-optimal) duals it is the LP
    optimum up to its tolerance, but never below it, unlike the primal
    value, which may stop short of the optimum or overshoot it.
    """
    import numpy as np

    reduced = np.array(weights, dtype=float)
    bound = 0.0
    if a_ub is not None:
        # The duals are of the minimisation of -w (scipy's and PDLP's signs): y = -dual.
        y = np.maximum(0.0, -np.asarray(ub_marginals, dtype=float))
        reduced -= a_ub.T @ y
        bound += float(b_ub @ y)
    if a_eq is not None:
        z = -np.asarray(eq_marginals, dtype=float)
        reduced -= a_eq.T @ z
        bound += float(b_eq @ z)
    return bound + float(np.maximum(0.0, reduced).sum())


def lp_rounding(prep: Prepared, values) -> dict[int, int]:
    """A schedule from the LP solution: the largest values first, then greedy for the rest."""
    first = [pair for pair, value in sorted(values, key=lambda item: -item[1]) if value > 1e-3]
    return greedy(prep, first=first)


# Tables, explanations, validation ---------------------------------------------------------


def assign_tables(prep: Prepared, slot_of: dict[int, int]) -> dict[int, tuple[int, int]]:
    """
    Concrete tables for a schedule of slot indexes: a moved-or-kept existing
    meeting that stays in its slot keeps its table; the others take the free
    tables in the instance's order. Returns {request id: (slot, table)}.
    """
    by_slot = defaultdict(list)
    for i, s in slot_of.items():
        by_slot[s].append(i)
    placements = {}
    for s, members in by_slot.items():
        free = list(prep.pool[s])
        kept = set()
        for i in members:
            r = prep.requests[i]
            if r.current is not None and prep.slot_index[r.current[0]] == s:
                kept.add(r.current[1])
                placements[r.id] = (prep.slots[s], r.current[1])
        free = [t for t in free if t not in kept]
        others = sorted(i for i in members if prep.requests[i].id not in placements)
        if len(others) > len(free):
            raise InvalidInstance(f"slot {prep.slots[s]} has more meetings than tables")
        for i, table in zip(others, free, strict=False):
            placements[prep.requests[i].id] = (prep.slots[s], table)
    return placements


def explain(prep: Prepared, slot_of: dict[int, int]) -> dict[int, str]:
    """Why each request without a slot in `slot_of` got none: {request id: reason}."""
    state = _State(prep)
    for i, s in slot_of.items():
        state.place(i, s)
    reasons = {}
    for i, r in enumerate(prep.requests):
        if i in slot_of:
            continue
        if i in prep.excluded:
            reasons[r.id] = prep.excluded[i]
            continue
        people = r.people
        if prep.person_left is not None and any(
            state.count[p] >= prep.person_left[p] for p in people
        ):
            reasons[r.id] = PERSON_CAP_FILLED
            continue
        if prep.org_left is not None and any(
            state.org_count[o] + n > prep.org_left[o] for o, n in prep.org_need(i).items()
        ):
            reasons[r.id] = ORGANISATION_CAP_FILLED
            continue
        free_people = [s for s in prep.candidates[i] if not any(s in state.used[p] for p in people)]
        reasons[r.id] = TABLES_FULL if free_people else TAKEN
    return reasons


def validate(instance: Instance, placements: dict[int, tuple[int, int]]) -> list[str]:
    """
    Everything wrong with `placements` ({request id: (slot, table)}) for
    `instance`, checked from scratch: an empty list means valid. Nobody in
    two meetings at once, no table twice in a slot, only tables in use and
    schedulable slots, nobody placed where they are unavailable, the caps
    held, and every existing meeting that may move still scheduled.
    """
    problems = []
    requests = {r.id: r for r in instance.requests}
    slots = set(instance.slots)
    tables = set(instance.tables)
    person_slot = {}
    table_slot = {}
    count = Counter()
    org_count = Counter()
    org_of = instance.organisation_of
    for meeting in instance.fixed:
        for p in meeting.people:
            count[p] += 1
            if p in org_of:
                org_count[org_of[p]] += 1
            if meeting.slot in slots:
                person_slot[(p, meeting.slot)] = "a meeting that stays"
        if meeting.slot in slots and meeting.table is not None:
            table_slot[(meeting.table, meeting.slot)] = "a meeting that stays"
    for rid, (slot, table) in placements.items():
        r = requests.get(rid)
        if r is None:
            problems.append(f"request {rid} is not in the instance")
            continue
        if len(set(r.people)) < 2:
            problems.append(f"request {rid} has fewer than two people")
        if slot not in slots:
            problems.append(f"request {rid} is in slot {slot}, which is not schedulable")
        if table not in tables:
            problems.append(f"request {rid} is at table {table}, which is not in use")
        if (table, slot) in table_slot:
            problems.append(
                f"table {table} is double-booked in slot {slot} "
                f"(request {rid} and {table_slot[(table, slot)]})"
            )
        table_slot[(table, slot)] = f"request {rid}"
        stays = r.current is not None and r.current[0] == slot
        for p in r.people:
            if (p, slot) in person_slot:
                problems.append(
                    f"person {p} is double-booked in slot {slot} "
                    f"(request {rid} and {person_slot[(p, slot)]})"
                )
            person_slot[(p, slot)] = f"request {rid}"
            if slot in instance.unavailable.get(p, ()) and not stays:
                problems.append(f"person {p} is unavailable in slot {slot} (request {rid})")
            count[p] += 1
            if p in org_of:
                org_count[org_of[p]] += 1
    for r in instance.requests:
        if r.current is not None and r.id not in placements:
            problems.append(f"existing meeting of request {r.id} was dropped")
    mandatory = Counter(p for r in instance.requests if r.current is not None for p in r.people)
    fixed_count = Counter(p for m in instance.fixed for p in m.people)
    if instance.person_cap is not None:
        for p, n in count.items():
            allowed = max(instance.person_cap, fixed_count[p] + mandatory[p])
            if n > allowed:
                problems.append(f"person {p} has {n} meetings, over the cap {allowed}")
    if instance.organisation_cap is not None:
        mandatory_org = Counter(
            org_of[p]
            for r in instance.requests
            if r.current is not None
            for p in r.people
            if p in org_of
        )
        fixed_org = Counter(org_of[p] for m in instance.fixed for p in m.people if p in org_of)
        for o, n in org_count.items():
            allowed = max(instance.organisation_cap, fixed_org[o] + mandatory_org[o])
            if n > allowed:
                problems.append(f"organisation {o} has {n} meeting seats, over the cap {allowed}")
    return problems


# The whole run ---------------------------------------------------------------------


def _objective(prep, slot_of):
    return sum(prep.requests[i].weight for i in slot_of)


def _unweighted(instance):
    """`instance` with every request weighing one: the same requests, in the same order."""
    requests = tuple(replace(r, weight=1) for r in instance.requests)
    return replace(instance, requests=requests)


def _capped_share(prep, slot_of):
    """Of the requests `slot_of` leaves out that could fit, the share a cap keeps out."""
    if prep.person_left is None and prep.org_left is None:
        return 0.0
    reasons = Counter(explain(prep, slot_of).values())
    capped = reasons[PERSON_CAP_FILLED] + reasons[ORGANISATION_CAP_FILLED]
    waiting = capped + reasons[TAKEN] + reasons[TABLES_FULL]
    return capped / waiting if waiting else 0.0


def schedule(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    use_lp: bool = True,
    use_search: bool = True,
    use_solver: bool = True,
    on_progress: Callable[[str, float, int | None, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """
    Schedule `instance` within `time_limit` seconds of wall time, the bound included.

    1. Greedy: a valid schedule in well under a second.
    2. The LP relaxation: the bound, and a second schedule by rounding it.
    3. Local search (ejection chains and swaps) from the better of the two.
    4. If the bound says everything may fit, CP-SAT asked to place it all.
    5. CP-SAT on the exact model, seeded with the best so far, for the time
       left; it may prove the result optimal.
    Each phase is skipped once the schedule meets the bound. The result is
    the best schedule seen, so never worse than greedy, and always valid.
    `on_progress(phase, fraction of the time limit used, objective, bound)`
    is called along the way; `should_stop()` is polled, and when it says so
    the run ends early with `cancelled` set.
    """
    started = time.monotonic()

    def elapsed():
        return time.monotonic() - started

    def left():
        return time_limit - elapsed()

    state = {"best": None, "objective": 0, "bound": 0, "method": "greedy", "cancelled": False}

    def report(phase, objective=None, bound=None):
        if on_progress is not None:
            fraction = min(1.0, max(0.0, elapsed() / time_limit)) if phase != "done" else 1.0
            on_progress(
                phase,
                fraction,
                max(objective or 0, state["objective"]),
                min(bound or state["bound"], state["bound"]),
            )

    def offer(candidate, method):
        objective = _objective(prep, candidate)
        if objective > state["objective"]:
            state.update(best=candidate, objective=objective, method=method)

    def stopping():
        if not state["cancelled"] and should_stop is not None and should_stop():
            state["cancelled"] = True
        return state["cancelled"]

    def open_gap():
        return state["objective"] < state["bound"] and not stopping()

    report("prepare")
    prep = Prepared(instance)
    stats = {
        "requests": len(prep.requests),
        "variables": sum(len(c) for c in prep.candidates),
        "movable": len(prep.movable),
    }
    total = sum(r.weight for i, r in enumerate(prep.requests) if prep.candidates[i])
    state["bound"] = total
    greedy_slots = greedy(prep)
    state.update(best=greedy_slots, objective=_objective(prep, greedy_slots))
    greedy_objective = state["objective"]
    stats["greedy_s"] = round(elapsed(), 3)
    report("greedy")

    # Kept for explaining the result and assigning tables at the end.
    margin = 0.3 + len(prep.requests) / 10000
    lp = None
    if use_lp and open_gap():
        lp, values = lp_relaxation(prep, time_limit=min(LP_SHARE * time_limit, left() - margin))
        stats["lp_s"] = round(elapsed(), 3)
        if lp is not None:
            # The objective is a whole number: round the bound down (with a
            # margin for rounding in its floating-point arithmetic).
            state["bound"] = min(state["bound"], math.floor(lp + 1e-4))
            rounded = lp_rounding(prep, values)
            stats["lp_rounding"] = _objective(prep, rounded)
            offer(rounded, "lp")
        # Freed now rather than when the run returns (a quarter of a second at XL).
        del values
        report("bound")

    # CP-SAT only when building its model takes a small part of the time
    # left (not on XL instances above density 0.5: it would not get past
    # presolve); the local search then has all of that time.
    solver_planned = use_solver and BUILD_S_PER_VARIABLE * stats["variables"] < 0.15 * left()

    def tick(_elapsed, objective, bound):
        report("solve", objective, bound)

    if use_search and open_gap():
        budget = left() - margin
        if solver_planned:
            # Trading meetings under caps is where the local search is
            # weakest and CP-SAT strongest: the more of the waiting requests
            # a cap keeps out, the more of the time CP-SAT gets (up to
            # three quarters).
            stats["capped_share"] = round(_capped_share(prep, state["best"]), 3)
            share = SEARCH_SHARE * (1.0 - stats["capped_share"] / 2)
            budget = min(share * time_limit, budget)
        if budget > 0.1:

            def poll():
                # The search polls often: report progress on the way.
                report("search")
                return stopping()

            start = state["best"]
            if state["bound"] == total:
                # The bound says every request may fit: then the most meetings
                # are the heaviest, and a search counting meetings trades the
                # light for the heavy, which the weighted one refuses to do;
                # the weighted search goes on from where it ends (measured on
                # the benchmark's planted M and L instances: 10 and 38 requests
                # left out become none, and 120 become 53 on the hardest).
                searching_until = time.monotonic() + budget
                start = improve(
                    Prepared(_unweighted(instance)),
                    start,
                    time_limit=UNWEIGHTED_SHARE * budget,
                    seed=seed,
                    target=sum(1 for c in prep.candidates if c),
                    should_stop=poll,
                )
                offer(start, "search")
                budget = searching_until - time.monotonic()
            if open_gap() and budget > 0.1:
                offer(
                    improve(
                        prep,
                        start,
                        time_limit=budget,
                        seed=seed,
                        target=state["bound"],
                        should_stop=poll,
                    ),
                    "search",
                )
            stats["search_s"] = round(elapsed(), 3)
            report("search")

    if solver_planned and state["bound"] == total and open_gap():
        # The bound says every request may fit: ask CP-SAT for exactly that,
        # which it answers far faster than it optimises (planted instances,
        # light days).
        assignment, status, _bound, _stopped = solve_exact(
            prep,
            state["best"],
            time_limit=min(PLACE_ALL_SHARE * time_limit, left() - margin),
            workers=workers,
            seed=seed,
            on_tick=tick,
            should_stop=stopping,
            place_all=True,
        )
        stats["place_all_status"] = status
        stats["place_all_s"] = round(elapsed(), 3)
        if assignment is not None:
            offer(assignment, "solver")
        elif status == "INFEASIBLE":
            lightest = min(r.weight for i, r in enumerate(prep.requests) if prep.candidates[i])
            state["bound"] = min(state["bound"], total - lightest)

    solver_bound = None
    budget = left() - margin
    if solver_planned and open_gap() and budget > 0.2:
        assignment, status, solver_bound, _stopped = solve_exact(
            prep,
            state["best"],
            time_limit=budget,
            workers=workers,
            seed=seed,
            on_tick=tick,
            should_stop=stopping,
            target=state["bound"],
        )
        stats["solver_status"] = status
        stats["solver_s"] = round(elapsed(), 3)
        if solver_bound is not None:
            state["bound"] = min(state["bound"], solver_bound)
        if assignment is not None:
            offer(assignment, "solver")
            if status == "OPTIMAL":
                state["bound"] = min(state["bound"], _objective(prep, assignment))

    best = state["best"]
    objective = state["objective"]
    placements = assign_tables(prep, best)
    moves = sum(1 for i in prep.movable if prep.slots[best[i]] != prep.requests[i].current[0])
    result = Result(
        placements=placements,
        unscheduled=explain(prep, best),
        objective=objective,
        bound=max(state["bound"], objective),
        greedy_objective=greedy_objective,
        greedy_scheduled=len(greedy_slots),
        method=state["method"],
        seconds=round(elapsed(), 3),
        moves=moves,
        lp_bound=lp,
        solver_bound=solver_bound,
        cancelled=state["cancelled"],
        stats=stats,
    )
    report("done")
    return result
