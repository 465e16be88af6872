"""
The B2B auto-scheduler benchmark.

For every tier (S, M, L, XL), availability density (1.0, 0.8, 0.5) and kind
of instance (random, planted), it runs (a) simulated first-come
self-booking, (b) greedy and (c) the scheduler (`engine.schedule`, with the
tier's time limit), checks every schedule with `engine.validate`, and
writes one row per method to `bench/results/scheduler.json`:

    tier, density, planted, method, scheduled, bound, seconds
    (+ requests, time_limit_s, percent_of_bound, valid, load_average, detail)

`bound` is the tighter of the LP relaxation and CP-SAT's proven bound (and,
trivially, the number of requests that have a common free slot); for a
planted instance every request fits, so the optimum is the number of
requests. Where the scheduler's LP did not finish within its share of the
time limit (XL at density 1.0), the LP is solved again off the clock, for
the report only. The time limits (S 5 s, M 10 s, L 30 s, XL 60 s), and
planted instances for S, M and L only (XL: one random instance per
density), keep the whole run to about 10 minutes on a 2-core machine.
At the end it checks the issue's targets (M >= 99 % of the bound within
10 s, L >= 97 % within 30 s, a valid XL schedule within 60 s, never fewer
meetings than greedy, 100 % on planted instances) and prints each.

    .venv/bin/python bench/scheduler/run.py [--tiers S,M] [--densities 1.0,0.5]
        [--kinds random,planted] [--out PATH]
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The solvers' libraries load once per process (as in a worker), not on the
# clock of the first instance.
import ortools.sat.python.cp_model  # noqa: E402, F401
import scipy.optimize  # noqa: E402, F401

from b2b_meetings.scheduler import engine  # noqa: E402
from bench.scheduler.instances import TIERS, generate  # noqa: E402

TIME_LIMITS = {"S": 5.0, "M": 10.0, "L": 30.0, "XL": 60.0}
# Off the clock: the LP bound for reporting when the scheduler's own did not finish.
REFERENCE_LP_S = 300.0
DENSITIES = (1.0, 0.8, 0.5)
# Planted instances (known optimum) for these tiers only: on XL they would
# add six minutes to show what the three smaller tiers already show.
PLANTED_TIERS = ("S", "M", "L")
# (tier, least percent of the bound, most seconds) from the issue.
TARGETS = (("M", 99.0, 10.0), ("L", 97.0, 30.0), ("XL", 0.0, 60.0))
RESULT = ROOT / "bench" / "results" / "scheduler.json"


def _row(tier, density, planted, method, scheduled, bound, seconds, **extra):
    return {
        "tier": tier,
        "density": density,
        "planted": planted,
        "method": method,
        "scheduled": scheduled,
        "bound": bound,
        "seconds": round(seconds, 3),
        "percent_of_bound": round(100.0 * scheduled / bound, 2) if bound else 100.0,
        **extra,
    }


def run_instance(tier, density, planted, *, seed=0, time_limit=None):
    """The three rows of one instance (self-booking, greedy, ours)."""
    time_limit = time_limit or TIME_LIMITS[tier]
    instance = generate(tier, density, planted=planted, seed=seed)
    load = round(os.getloadavg()[0], 2)
    prep = engine.Prepared(instance)
    common = {"requests": len(instance.requests), "load_average": load}

    started = time.monotonic()
    booked = engine.self_booking(prep, seed=seed)
    booking_s = time.monotonic() - started
    booked_valid = not engine.validate(instance, engine.assign_tables(prep, booked))

    started = time.monotonic()
    greedy = engine.greedy(prep)
    greedy_s = time.monotonic() - started
    greedy_valid = not engine.validate(instance, engine.assign_tables(prep, greedy))

    result = engine.schedule(instance, time_limit=time_limit, seed=seed)
    problems = engine.validate(instance, result.placements)
    bound = result.bound
    reference_lp_s = None
    if planted:
        # Every planted request fits: the optimum is their number.
        bound = min(bound, len(instance.requests))
    elif result.lp_bound is None:
        # The scheduler's LP did not finish within its share of the time
        # limit (XL at density 1.0): solve it here, off the clock, so the
        # bound reported is the LP's rather than the number of requests.
        started = time.monotonic()
        lp, _values = engine.lp_relaxation(prep, time_limit=REFERENCE_LP_S)
        reference_lp_s = round(time.monotonic() - started, 1)
        if lp is not None:
            bound = min(bound, math.floor(lp + 1e-4))
    ours = _row(
        tier,
        density,
        planted,
        "ours",
        result.scheduled,
        bound,
        result.seconds,
        time_limit_s=time_limit,
        valid=not problems,
        detail={
            "method": result.method,
            "lp_bound": None if result.lp_bound is None else round(result.lp_bound, 3),
            "solver_bound": result.solver_bound,
            "reference_lp_s": reference_lp_s,
            **result.stats,
        },
        **common,
    )
    if problems:
        ours["problems"] = problems[:5]
    return [
        _row(
            tier,
            density,
            planted,
            "self_booking",
            len(booked),
            bound,
            booking_s,
            valid=booked_valid,
            **common,
        ),
        _row(
            tier,
            density,
            planted,
            "greedy",
            len(greedy),
            bound,
            greedy_s,
            valid=greedy_valid,
            **common,
        ),
        ours,
    ]


def check_targets(rows):
    """One line per target of the issue, "ok" or "MISSED", for the rows measured."""
    ours = [r for r in rows if r["method"] == "ours"]
    greedy = {
        (r["tier"], r["density"], r["planted"]): r["scheduled"]
        for r in rows
        if r["method"] == "greedy"
    }
    lines = []
    for tier, percent, seconds in TARGETS:
        measured = [r for r in ours if r["tier"] == tier and not r["planted"]]
        if not measured:
            continue
        worst = min(r["percent_of_bound"] for r in measured)
        slowest = max(r["seconds"] for r in measured)
        ok = worst >= percent and slowest <= seconds and all(r["valid"] for r in measured)
        goal = f">= {percent:g} % of the bound and valid" if percent else "a valid schedule"
        lines.append(
            f"{'ok    ' if ok else 'MISSED'} {tier}: {goal} within {seconds:g} s "
            f"(worst {worst} %, slowest {slowest} s)"
        )
    behind = [
        f"{r['tier']} {r['density']}{' planted' if r['planted'] else ''}"
        for r in ours
        if r["scheduled"] < greedy[(r["tier"], r["density"], r["planted"])]
    ]
    lines.append(
        f"{'MISSED' if behind else 'ok    '} never fewer meetings than greedy"
        + (f" (behind on {', '.join(behind)})" if behind else "")
    )
    planted = [r for r in ours if r["planted"]]
    if planted:
        short = [f"{r['tier']} {r['density']}" for r in planted if r["scheduled"] < r["requests"]]
        lines.append(
            f"{'MISSED' if short else 'ok    '} 100 % on planted instances"
            + (f" (short on {', '.join(short)})" if short else "")
        )
    invalid = [r for r in rows if not r["valid"]]
    lines.append(
        f"{'MISSED' if invalid else 'ok    '} every schedule valid"
        + (f" ({len(invalid)} invalid)" if invalid else "")
    )
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiers", default=",".join(TIERS))
    parser.add_argument("--densities", default=",".join(str(d) for d in DENSITIES))
    parser.add_argument("--kinds", default="random,planted")
    parser.add_argument("--out", default=str(RESULT))
    args = parser.parse_args(argv)
    tiers = [t.strip() for t in args.tiers.split(",") if t.strip()]
    densities = [float(d) for d in args.densities.split(",")]
    kinds = [k.strip() == "planted" for k in args.kinds.split(",")]

    started = time.monotonic()
    rows = []
    print(
        f"{'tier':<4} {'dens':>4} {'kind':<8} {'self':>6} {'greedy':>6} {'ours':>6} "
        f"{'bound':>6} {'ours%':>6} {'secs':>6} {'load':>5} method"
    )
    for tier in tiers:
        for density in densities:
            for planted in kinds:
                if planted and tier not in PLANTED_TIERS:
                    continue
                booking, greedy, ours = run_instance(tier, density, planted)
                rows += [booking, greedy, ours]
                valid = "" if ours["valid"] else " INVALID"
                print(
                    f"{tier:<4} {density:>4} {'planted' if planted else 'random':<8} "
                    f"{booking['scheduled']:>6} {greedy['scheduled']:>6} {ours['scheduled']:>6} "
                    f"{ours['bound']:>6} {ours['percent_of_bound']:>6} {ours['seconds']:>6} "
                    f"{ours['load_average']:>5} {ours['detail']['method']}{valid}",
                    flush=True,
                )
    for line in check_targets(rows):
        print(line)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    tmp.replace(out)
    print(f"{len(rows)} rows in {out} ({time.monotonic() - started:.0f} s)")
    return rows


if __name__ == "__main__":
    main()
