"""
The matchmaking benchmark: the suggestion engine against a random and a
"kind only" baseline on seeded instances with planted ground truth
(bench/matchmaking/instances.py), at 200 and 1,000 delegates (and the
engine's time alone at 3,000).

Metrics, per viewer, averaged over the viewers that have at least one
relevant person:
- a suggested person is relevant if their organisation is a true
  counterpart of the viewer's organisation (planted: complementary
  positions, and each offers a topic the other seeks);
- the most relevant people a list may hold is R = the sum over true
  counterpart organisations of min(2, their consenting delegates), since
  a list holds at most 2 people of one organisation;
- recall@10 = relevant people in the top 10 / min(10, R);
- nDCG@10 = DCG / ideal DCG, binary relevance, DCG = sum of
  1 / log2(rank + 1), the ideal having min(10, R) relevant people first.
Every method has the same candidates (others' organisations, consenting,
not the viewer) and the same cap of 2 people per organisation.

Methods: `ours` (engine.suggest, the weights of engine.Weights and the
engine's default matrix, which is also the generator's), `random`
(candidates in a seeded random order) and `kind_only` (by the engine's kind
matrix alone, e.g. recycler -> OEM or financier, ties in a seeded random
order). `precompute_seconds` is the wall time to compute every delegate's
list (for `ours`: fitting the text model, scoring, lists and reasons),
median of the seeds; `precompute_cpu_seconds` the process's CPU time.

Targets (TARGETS): recall@10 >= 0.8 and nDCG@10 >= 2 x kind_only's at 1,000
delegates, and precomputing 1,000 delegates in under 10 s. The suggestions
page's server time (< 100 ms median, fixed query count) is measured against
the portal with `seed_demo --scale large` (bench/matchmaking/page.py).

    .venv/bin/python bench/bench_matchmaking.py [--sizes 200,1000] [--seeds 3] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from b2b_meetings.matchmaking import engine  # noqa: E402
from bench.matchmaking.instances import generate  # noqa: E402
from bench.matchmaking.page import suggestions_page_latency  # noqa: E402
from bench.serving import wait_for_quiet  # noqa: E402

K = 10
PER_ORGANISATION = 2
SIZES = (200, 1000)
TIMING_ONLY_SIZES = (3000,)  # the engine's precompute time only, no baselines
SEEDS = 3
TARGETS = {
    "delegates": 1000,
    "recall_at_10_min": 0.8,
    "ndcg_at_10_over_kind_only_min": 2.0,
    "precompute_seconds_max": 10.0,
    "suggestions_page_server_median_ms_max": 100.0,
}
RESULT = ROOT / "bench" / "results" / "matchmaking.json"


def ours(instance):
    lists = engine.suggest(instance.people, engine.Settings(), k=K)
    return {viewer: [s.target_id for s in suggestions] for viewer, suggestions in lists.items()}


def random_baseline(instance):
    rng = random.Random(instance.seed)
    people = sorted(instance.people, key=lambda p: p.id)
    lists = {}
    for viewer in people:
        candidates = _candidates(viewer, people)
        rng.shuffle(candidates)
        lists[viewer.id] = _capped(candidates, viewer)
    return lists


def kind_only(instance):
    rng = random.Random(instance.seed)
    people = sorted(instance.people, key=lambda p: p.id)
    kinds = engine.DEFAULT_KIND_MATRIX

    def fit(a, b):
        return kinds.get((a.kind, b.kind), kinds.get((b.kind, a.kind), 0))

    lists = {}
    for viewer in people:
        candidates = _candidates(viewer, people)
        tie = {p.id: rng.random() for p in candidates}
        candidates.sort(key=lambda p: (-fit(viewer, p), tie[p.id]))
        lists[viewer.id] = _capped(candidates, viewer)
    return lists


def _candidates(viewer, people):
    return [
        p
        for p in people
        if p.consent and p.organisation_id != viewer.organisation_id and p.id != viewer.id
    ]


def _capped(ordered, viewer):
    out, per_org = [], {}
    for p in ordered:
        if len(out) == K:
            break
        if p.organisation_id == viewer.organisation_id or not p.consent:
            continue
        if per_org.get(p.organisation_id, 0) < PER_ORGANISATION:
            per_org[p.organisation_id] = per_org.get(p.organisation_id, 0) + 1
            out.append(p.id)
    return out


METHODS = {"ours": ours, "random": random_baseline, "kind_only": kind_only}


def evaluate(instance, lists):
    """Mean recall@10 and nDCG@10 over the viewers with a relevant person (definitions above)."""
    by_id = {p.id: p for p in instance.people}
    consenting = {}
    for p in instance.people:
        if p.consent:
            consenting[p.organisation_id] = consenting.get(p.organisation_id, 0) + 1
    recalls, ndcgs = [], []
    for viewer in instance.people:
        true_orgs = instance.truth[viewer.organisation_id]
        most = sum(min(PER_ORGANISATION, consenting.get(org, 0)) for org in true_orgs)
        ideal = min(K, most)
        if not ideal:
            continue
        hits = [by_id[t].organisation_id in true_orgs for t in lists.get(viewer.id, [])[:K]]
        dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
        ideal_dcg = sum(1 / math.log2(rank + 2) for rank in range(ideal))
        recalls.append(sum(hits) / ideal)
        ndcgs.append(dcg / ideal_dcg)
    return {
        "recall_at_10": statistics.fmean(recalls),
        "ndcg_at_10": statistics.fmean(ndcgs),
        "viewers_scored": len(recalls),
    }


def truth_sizes(instance):
    """The mean number of true counterpart organisations, and the viewers without any."""
    sizes = [len(instance.truth[p.organisation_id]) for p in instance.people]
    return {
        "true_counterpart_organisations_mean": round(statistics.fmean(sizes), 1),
        "viewers_without_true_counterparts": sum(1 for s in sizes if s == 0),
    }


def run_size(delegates, seeds):
    rows = []
    per_method = {name: [] for name in METHODS}
    instances = [generate(delegates, seed) for seed in range(seeds)]
    for instance in instances:
        for name, method in METHODS.items():
            started, cpu = time.perf_counter(), time.process_time()
            lists = method(instance)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            per_method[name].append({**evaluate(instance, lists), "seconds": seconds, "cpu": cpu})
    sizes = truth_sizes(instances[0])
    for name, runs in per_method.items():
        rows.append(
            {
                "method": name,
                "delegates": delegates,
                "organisations": instances[0].organisations,
                "recall_at_10": round(statistics.fmean(r["recall_at_10"] for r in runs), 4),
                "ndcg_at_10": round(statistics.fmean(r["ndcg_at_10"] for r in runs), 4),
                "precompute_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
                "recall_at_10_min_of_seeds": round(min(r["recall_at_10"] for r in runs), 4),
                "ndcg_at_10_min_of_seeds": round(min(r["ndcg_at_10"] for r in runs), 4),
                "precompute_seconds_max_of_seeds": round(max(r["seconds"] for r in runs), 3),
                "precompute_cpu_seconds": round(statistics.median(r["cpu"] for r in runs), 3),
                "seeds": seeds,
                "viewers_scored": round(statistics.fmean(r["viewers_scored"] for r in runs)),
                **sizes,
            }
        )
    return rows


def run_timing(delegates, seeds):
    seconds, cpu = [], []
    for seed in range(seeds):
        instance = generate(delegates, seed)
        started, cpu_started = time.perf_counter(), time.process_time()
        ours(instance)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {
        "method": "ours",
        "delegates": delegates,
        "recall_at_10": None,
        "ndcg_at_10": None,
        "precompute_seconds": round(statistics.median(seconds), 3),
        "precompute_seconds_max_of_seeds": round(max(seconds), 3),
        "precompute_cpu_seconds": round(statistics.median(cpu), 3),
        "seeds": seeds,
        "timing_only": True,
    }


def check_targets(rows, page):
    at = TARGETS["delegates"]
    row = {r["method"]: r for r in rows if r["delegates"] == at and not r.get("timing_only")}
    checks = [
        {
            "target": f"recall@10 >= {TARGETS['recall_at_10_min']} at {at} delegates",
            "value": row["ours"]["recall_at_10"],
            "met": row["ours"]["recall_at_10"] >= TARGETS["recall_at_10_min"],
        },
        {
            "target": f"nDCG@10 >= {TARGETS['ndcg_at_10_over_kind_only_min']} x kind_only's",
            "value": round(row["ours"]["ndcg_at_10"] / row["kind_only"]["ndcg_at_10"], 2),
            "met": row["ours"]["ndcg_at_10"]
            >= TARGETS["ndcg_at_10_over_kind_only_min"] * row["kind_only"]["ndcg_at_10"],
        },
        {
            "target": f"precompute {at} delegates < {TARGETS['precompute_seconds_max']:g} s",
            "value": row["ours"]["precompute_seconds_max_of_seeds"],
            "met": row["ours"]["precompute_seconds_max_of_seeds"]
            < TARGETS["precompute_seconds_max"],
        },
        {
            "target": "suggestions page < "
            f"{TARGETS['suggestions_page_server_median_ms_max']:g} ms server median, "
            "fixed query count",
            "value": page,
            "met": None if page is None else page["met"],
            "note": "not measured (BENCH_MATCHMAKING_PAGE=0)" if page is None else "",
        },
    ]
    return checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]

    started_at = datetime.now(UTC)
    waited, quiet = wait_for_quiet(120)
    load_before = [round(x, 2) for x in os.getloadavg()]
    clock = time.monotonic()
    ours(generate(50, seed=99))  # first calls off the clock
    rows = []
    for delegates in sizes:
        rows.extend(run_size(delegates, args.seeds))
    for delegates in TIMING_ONLY_SIZES:
        rows.append(run_timing(delegates, args.seeds))
    page = suggestions_page_latency()
    checks = check_targets(rows, page) if TARGETS["delegates"] in sizes else []
    measured = [c["met"] for c in checks if c["met"] is not None]
    document = {
        "name": "matchmaking",
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - clock, 1),
        "environment": {
            "database": "none (the engine alone, b2b_meetings/matchmaking/engine/)",
            "python": platform.python_version(),
            "django": version("django"),
            "numpy": version("numpy"),
            "scipy": version("scipy"),
            "scikit_learn": version("scikit-learn"),
            "cpus": os.cpu_count(),
            "waited_for_quiet_s": waited,
            "quiet_when_started": quiet,
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "definitions": {
            "relevant": "a suggested person whose organisation is a planted true counterpart "
            "of the viewer's (complementary positions, matrix >= 2, and each offers a "
            "topic the other seeks)",
            "recall_at_10": "relevant people in the top 10 / min(10, R), R = sum over true "
            "counterpart organisations of min(2, consenting delegates); mean over viewers "
            "with R > 0",
            "ndcg_at_10": "binary relevance, DCG = sum 1/log2(rank+1), ideal = min(10, R) "
            "relevant people first; mean over viewers with R > 0",
            "precompute_seconds": "wall time for every delegate's list, median over seeds "
            "(precompute_cpu_seconds: the process's CPU time, less sensitive to a busy machine)",
        },
        "targets": TARGETS,
        "checks": checks,
        # Over the targets measured in this run.
        "met": bool(measured) and all(measured),
        "pending": [c["target"] for c in checks if c["met"] is None],
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(args.out)

    for r in rows:
        quality = (
            ""
            if r.get("timing_only")
            else f"recall@10 {r['recall_at_10']:.3f}  nDCG@10 {r['ndcg_at_10']:.3f}  "
        )
        print(f"{r['delegates']:>5} {r['method']:<10} {quality}{r['precompute_seconds']:.2f} s")
    for c in checks:
        status = {True: "met", False: "NOT MET", None: "not measured"}[c["met"]]
        print(f"{status:>13}: {c['target']} ({c['value']})")
    print(f"Results in {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return document


if __name__ == "__main__":
    main()
