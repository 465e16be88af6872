"""
The auto-scheduler's engine (no database): every schedule it returns is
valid, it never does worse than greedy, it finds planted optima, it keeps
existing meetings where they must stay, and it says why a request got
nothing. Small instances and short limits keep this file fast.
"""

import dataclasses
import random
import time
from collections import Counter

import numpy as np
import pytest
from scipy.optimize import linprog

from b2b_meetings.scheduler import engine
from b2b_meetings.scheduler.engine import FixedMeeting, Instance, Request
from bench.scheduler.instances import generate, planted


def random_instance(seed, *, people=24, requests=60, slots=6, tables=5, density=0.7, caps=True):
    """A small random instance with caps, organisations and meetings that stay."""
    rng = random.Random(seed)
    ids = list(range(1, people + 1))
    slot_ids = tuple(range(100, 100 + slots))
    table_ids = tuple(range(500, 500 + tables))
    unavailable = {p: frozenset(s for s in slot_ids if rng.random() > density) for p in ids}
    organisation_of = {p: 1 + p // 3 for p in ids}
    pairs = set()
    while len(pairs) < requests:
        a, b = rng.sample(ids, 2)
        pairs.add((min(a, b), max(a, b)))
    pairs = sorted(pairs)
    fixed = []
    # A couple of meetings that stay, one of them in a slot outside the instance (the past).
    fixed.append(FixedMeeting(people=pairs[0], slot=slot_ids[0], table=table_ids[0]))
    fixed.append(FixedMeeting(people=pairs[1], slot=99, table=None))
    reqs = tuple(
        Request(id=i + 1, people=pair, weight=rng.choice((1, 2, 3)))
        for i, pair in enumerate(pairs[2:])
    )
    return Instance(
        slots=slot_ids,
        tables=table_ids,
        requests=reqs,
        unavailable=unavailable,
        fixed=tuple(fixed),
        person_cap=4 if caps else None,
        organisation_of=organisation_of,
        organisation_cap=7 if caps else None,
    )


@pytest.mark.parametrize("seed", range(6))
def test_every_schedule_the_engine_returns_is_valid(seed):
    instance = random_instance(seed)
    prep = engine.Prepared(instance)

    for slot_of in (engine.greedy(prep), engine.self_booking(prep, seed=seed)):
        assert engine.validate(instance, engine.assign_tables(prep, slot_of)) == []
    result = engine.schedule(instance, time_limit=3)

    assert engine.validate(instance, result.placements) == []
    assert result.objective >= result.greedy_objective
    assert result.objective <= result.bound
    assert set(result.placements) | set(result.unscheduled) == {r.id for r in instance.requests}


def with_movable_meetings(instance, seed):
    """
    `instance` after a first schedule was committed and the organiser chose
    "re-optimise unlocked meetings": half of what greedy placed is now
    existing meetings that may move (in their place, at their table).
    """
    prep = engine.Prepared(instance)
    placed = engine.assign_tables(prep, engine.greedy(prep))
    rng = random.Random(seed)
    movable = {rid for rid in sorted(placed) if rng.random() < 0.5}
    requests = tuple(
        Request(r.id, r.people, r.weight, current=placed[r.id] if r.id in movable else None)
        for r in instance.requests
    )
    assert any(r.current for r in requests)
    return dataclasses.replace(instance, requests=requests)


@pytest.mark.parametrize("seed", range(6))
def test_every_phase_returns_a_valid_schedule_when_meetings_may_move(seed):
    """Each phase on its own, not only the best of them that `schedule` keeps."""
    instance = with_movable_meetings(random_instance(seed, requests=80, density=0.6), seed)
    prep = engine.Prepared(instance)
    start = engine.greedy(prep)
    _lp, values = engine.lp_relaxation(prep)
    phases = {
        "greedy": start,
        "self_booking": engine.self_booking(prep, seed=seed),
        "lp_rounding": engine.lp_rounding(prep, values),
        "search": engine.improve(prep, start, time_limit=0.5, seed=seed),
        "solver": engine.solve_exact(prep, start, time_limit=2)[0],
    }
    for name, slot_of in phases.items():
        assert engine.validate(instance, engine.assign_tables(prep, slot_of)) == [], name

    result = engine.schedule(instance, time_limit=2, seed=seed)
    assert engine.validate(instance, result.placements) == []
    assert result.objective >= result.greedy_objective
    assert result.moves <= len(prep.movable)


def test_the_lp_bound_is_certified_by_its_dual():
    """Never below the LP optimum (the simplex method's, to its tolerance)."""
    for seed in range(4):
        instance = with_movable_meetings(random_instance(seed, caps=True), seed)
        prep = engine.Prepared(instance)
        lp, _values = engine.lp_relaxation(prep)
        pairs = engine._variables(prep)
        # The same LP, densely, solved by the dual simplex method.
        rows = engine._constraint_groups(prep, pairs)
        a_ub, b_ub, a_eq, b_eq = [], [], [], []
        for i, ks in rows["request"].items():
            row = np.zeros(len(pairs))
            row[ks] = 1
            (a_eq if i in prep.movable else a_ub).append(row)
            (b_eq if i in prep.movable else b_ub).append(1)
        for group, rhs in (
            (rows["person_slot"], lambda key: 1),
            (rows["slot"], lambda s: prep.capacity[s]),
            (rows["person"], lambda p: prep.person_left[p]),
        ):
            for key, ks in group.items():
                row = np.zeros(len(pairs))
                row[ks] = 1
                a_ub.append(row)
                b_ub.append(rhs(key))
        for o, items in rows["org"].items():
            row = np.zeros(len(pairs))
            for k, n in items:
                row[k] = n
            a_ub.append(row)
            b_ub.append(prep.org_left[o])
        exact = linprog(
            [-prep.requests[i].weight for i, _s in pairs],
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq or None,
            b_eq=b_eq or None,
            bounds=(0, 1),
            method="highs-ds",
        )
        assert exact.status == 0
        assert lp >= -exact.fun - 1e-9
        assert lp <= -exact.fun + 1e-3


@pytest.mark.parametrize(("tier", "density"), [("S", 1.0), ("S", 0.8), ("S", 0.5)])
def test_benchmark_sized_schedules_are_valid_and_never_worse_than_greedy(tier, density):
    instance = generate(tier, density, seed=3)
    result = engine.schedule(instance, time_limit=3)

    assert engine.validate(instance, result.placements) == []
    assert result.objective >= result.greedy_objective
    assert result.seconds < 4.5


@pytest.mark.parametrize("density", [1.0, 0.5])
def test_it_places_every_request_of_a_planted_instance(density):
    instance = generate("S", density, planted=True, seed=1)
    result = engine.schedule(instance, time_limit=3)

    assert result.scheduled == len(instance.requests)
    assert result.bound == result.objective
    assert engine.validate(instance, result.placements) == []


def test_the_lp_bound_is_never_below_the_optimum():
    instance = random_instance(11, caps=False)
    prep = engine.Prepared(instance)
    lp, _values = engine.lp_relaxation(prep)
    optimum = engine.schedule(instance, time_limit=3, use_lp=False)

    assert optimum.method in ("solver", "search", "greedy", "lp")
    assert lp >= optimum.objective - 1e-6


# Validation can fail -----------------------------------------------------------------


def two_slot_instance(**kwargs):
    kwargs.setdefault("unavailable", {})
    return Instance(
        slots=(1, 2),
        tables=(10, 11),
        requests=(Request(1, (1, 2)), Request(2, (1, 3)), Request(3, (4, 5))),
        **kwargs,
    )


def test_validate_catches_a_person_in_two_meetings_at_once():
    problems = engine.validate(two_slot_instance(), {1: (1, 10), 2: (1, 11)})
    assert any("person 1 is double-booked" in p for p in problems)


def test_validate_catches_a_table_used_twice_in_a_slot():
    problems = engine.validate(two_slot_instance(), {1: (1, 10), 3: (1, 10)})
    assert any("table 10 is double-booked" in p for p in problems)


def test_validate_catches_a_clash_with_a_meeting_that_stays():
    instance = two_slot_instance(fixed=(FixedMeeting(people=(2, 6), slot=1, table=11),))
    problems = engine.validate(instance, {1: (1, 10), 3: (2, 11)})
    assert any("person 2 is double-booked" in p for p in problems)
    problems = engine.validate(instance, {3: (1, 11)})
    assert any("table 11 is double-booked" in p for p in problems)


def test_validate_catches_unavailability_caps_and_unknown_places():
    instance = two_slot_instance(unavailable={3: frozenset({2})}, person_cap=1)
    problems = engine.validate(instance, {1: (1, 10), 2: (2, 11), 3: (3, 12)})
    text = "\n".join(problems)
    assert "person 3 is unavailable in slot 2" in text
    assert "person 1 has 2 meetings, over the cap 1" in text
    assert "slot 3, which is not schedulable" in text
    assert "table 12, which is not in use" in text


def test_validate_catches_a_dropped_meeting_that_was_only_allowed_to_move():
    instance = Instance(slots=(1, 2), tables=(10,), requests=(Request(1, (1, 2), current=(1, 10)),))
    assert engine.validate(instance, {}) == ["existing meeting of request 1 was dropped"]


# Behaviour ---------------------------------------------------------------------------


def test_a_higher_priority_request_wins_the_last_place():
    # Person 1 has one free slot; both requests want it.
    instance = Instance(
        slots=(1, 2),
        tables=(10,),
        requests=(Request(1, (1, 2), weight=1), Request(2, (1, 3), weight=3)),
        unavailable={1: frozenset({2})},
    )
    result = engine.schedule(instance, time_limit=2)

    assert set(result.placements) == {2}
    assert result.unscheduled == {1: engine.TAKEN}


def test_meetings_that_stay_keep_their_people_and_tables_busy():
    instance = Instance(
        slots=(1, 2),
        tables=(10,),
        requests=(Request(1, (1, 2)), Request(2, (3, 4))),
        fixed=(FixedMeeting(people=(1, 5), slot=1, table=10),),
    )
    result = engine.schedule(instance, time_limit=2)

    # Slot 1's only table is taken, and person 1 is busy then: one meeting fits, in slot 2.
    assert len(result.placements) == 1
    assert all(slot == 2 and table == 10 for slot, table in result.placements.values())


def test_unlocked_meetings_move_only_when_that_fits_more():
    # Request 1 (people 1, 2) fits only in slot 1, where the movable meeting
    # of person 1 and 3 sits; it can move to slot 2.
    movable = Request(-7, (1, 3), weight=2, current=(1, 10))
    instance = Instance(
        slots=(1, 2),
        tables=(10, 11),
        requests=(Request(1, (1, 2)), movable),
        unavailable={2: frozenset({2})},
    )
    result = engine.schedule(instance, time_limit=2)

    assert result.placements[1][0] == 1
    assert result.placements[-7][0] == 2
    assert result.moves == 1

    # With nothing to gain, it stays where it is, at its table.
    alone = Instance(slots=(1, 2), tables=(10, 11), requests=(movable,))
    result = engine.schedule(alone, time_limit=2)
    assert result.placements[-7] == (1, 10)
    assert result.moves == 0


def test_repair_fills_a_freed_slot_without_moving_locked_meetings():
    instance = generate("S", 0.8, seed=5)
    first = engine.schedule(instance, time_limit=2)
    # Commit it, lock every meeting, then cancel a few: the freed places
    # should go to requests that got nothing before, nothing locked moves.
    placed = sorted(first.placements.items())
    cancelled = dict(placed[:5])
    locked = [
        FixedMeeting(
            people=next(r.people for r in instance.requests if r.id == rid),
            slot=slot,
            table=table,
        )
        for rid, (slot, table) in placed[5:]
    ]
    cancelled_people = {p for r in instance.requests if r.id in cancelled for p in r.people}
    waiting = tuple(
        r
        for r in instance.requests
        if r.id not in first.placements and set(r.people) & cancelled_people
    )
    repair = Instance(
        slots=instance.slots,
        tables=instance.tables,
        requests=waiting,
        unavailable=instance.unavailable,
        fixed=tuple(locked),
    )
    result = engine.schedule(repair, time_limit=2)

    assert engine.validate(repair, result.placements) == []
    assert result.scheduled > 0
    assert result.moves == 0


def test_caps_hold_and_explain_what_got_nothing():
    instance = Instance(
        slots=(1, 2, 3),
        tables=(10, 11, 12),
        requests=(Request(1, (1, 2)), Request(2, (1, 3)), Request(3, (1, 4))),
        fixed=(FixedMeeting(people=(1, 9), slot=99),),
        person_cap=2,
    )
    result = engine.schedule(instance, time_limit=2)

    assert len(result.placements) == 1
    assert sorted(result.unscheduled.values()) == [engine.PERSON_CAP_FILLED] * 2

    full = Instance(
        slots=(1,),
        tables=(10,),
        requests=(Request(1, (1, 2)),),
        fixed=(FixedMeeting(people=(1, 9), slot=99),),
        person_cap=1,
    )
    assert engine.schedule(full, time_limit=1).unscheduled == {1: engine.PERSON_CAP}


def test_organisation_caps_count_every_seat():
    # People 1 and 2 are colleagues: their organisation may have two seats.
    instance = Instance(
        slots=(1, 2),
        tables=(10, 11),
        requests=(Request(1, (1, 3)), Request(2, (2, 4)), Request(3, (1, 4))),
        organisation_of={1: 100, 2: 100},
        organisation_cap=2,
    )
    result = engine.schedule(instance, time_limit=2)

    assert engine.validate(instance, result.placements) == []
    assert len(result.placements) == 2


def test_it_says_why_a_request_has_no_slot():
    instance = Instance(
        slots=(1, 2),
        tables=(10,),
        requests=(
            Request(1, (1, 2)),  # never both available
            Request(2, (3, 4)),  # 3 is in a meeting that stays in the only common slot
            Request(3, (5, 6)),  # the only common slot has no table left
            Request(4, (7,)),  # nobody took the organisation's request on
        ),
        unavailable={1: frozenset({1}), 2: frozenset({2}), 4: frozenset({2}), 6: frozenset({1})},
        fixed=(FixedMeeting(people=(3, 8), slot=1, table=10),),
    )
    result = engine.schedule(instance, time_limit=1)

    assert result.unscheduled[1] == engine.NO_COMMON_SLOT
    assert result.unscheduled[2] == engine.BUSY
    assert result.unscheduled[4] == engine.NO_PARTICIPANTS
    instance = Instance(
        slots=(1,),
        tables=(10,),
        requests=(Request(1, (5, 6)),),
        fixed=(FixedMeeting(people=(7, 8), slot=1, table=10),),
    )
    assert engine.schedule(instance, time_limit=1).unscheduled == {1: engine.NO_TABLE}


def test_a_cancelled_run_still_returns_a_valid_schedule_at_once():
    instance = generate("M", 0.5, seed=2)
    result = engine.schedule(instance, time_limit=30, should_stop=lambda: True)

    assert result.cancelled
    assert result.seconds < 5
    assert engine.validate(instance, result.placements) == []


def test_progress_is_reported_from_start_to_end():
    seen = []
    engine.schedule(
        generate("S", 0.5, seed=4),
        time_limit=2,
        on_progress=lambda phase, fraction, objective, bound: seen.append((phase, fraction)),
    )

    assert seen[0][0] == "prepare" and seen[0][1] < 0.1
    assert seen[-1] == ("done", 1.0)
    assert all(0.0 <= fraction <= 1.0 for _phase, fraction in seen)


@pytest.mark.parametrize(("person_cap", "organisation_cap"), [(2, None), (3, None), (2, 4)])
def test_under_caps_it_reaches_the_bound_that_greedy_misses(person_cap, organisation_cap):
    instance = dataclasses.replace(
        generate("S", 0.8, seed=0), person_cap=person_cap, organisation_cap=organisation_cap
    )
    prep = engine.Prepared(instance)
    start = engine.greedy(prep)

    # The local search alone trades meetings under the caps...
    searched = engine.improve(prep, start, time_limit=1)
    assert len(searched) > len(start)
    assert engine.validate(instance, engine.assign_tables(prep, searched)) == []
    # ... and the whole run proves the optimum.
    result = engine.schedule(instance, time_limit=4)
    assert result.objective == result.bound > result.greedy_objective
    assert engine.validate(instance, result.placements) == []


# The bound and the time limit ---------------------------------------------------------


def highs_lp(prep):
    """The LP relaxation by another solver (HiGHS), to check the engine's (PDLP)."""
    _pairs, weights, a_ub, b_ub, a_eq, b_eq = engine.lp_matrix(prep)
    exact = linprog(-weights, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1))
    assert exact.status == 0
    return -exact.fun


def test_the_bound_reported_is_within_one_percent_of_the_lp_relaxation():
    """Weighted wishes, a gap that stays open: the bound is the LP's, not a looser fallback."""
    instance = generate("M", 0.5, seed=2)
    result = engine.schedule(instance, time_limit=4, use_solver=False)
    lp = highs_lp(engine.Prepared(instance))

    assert len({r.weight for r in instance.requests}) > 3
    assert result.objective <= lp + 1e-6
    assert result.bound <= lp * 1.01
    assert result.bound >= result.objective


def test_the_time_limit_holds_with_the_bound_included():
    instance = generate("L", 0.8, seed=1)
    started = time.monotonic()
    result = engine.schedule(instance, time_limit=6)
    wall = time.monotonic() - started

    assert wall <= 6.0
    assert result.lp_bound is not None
    assert result.bound <= result.lp_bound + 1
    assert engine.validate(instance, result.placements) == []


def test_it_reaches_the_optimum_of_a_small_planted_instance_with_popular_targets():
    instance, optimum = planted("popular-S-0.5")
    counts = Counter(p for r in instance.requests for p in r.people)
    popular = [p for p, _n in counts.most_common(3)]
    assert (
        sum(1 for r in instance.requests if set(r.people) & set(popular))
        > len(instance.requests) / 2
    )

    result = engine.schedule(instance, time_limit=3)

    assert result.objective == optimum
    assert result.bound == optimum
    assert engine.validate(instance, result.placements) == []
