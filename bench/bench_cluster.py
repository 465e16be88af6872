"""
Cluster benchmark: the busiest pages at `seed_demo --scale large`, measured
through the load balancer of the one-machine cluster (cluster/run.py:
haproxy on 127.0.0.2 in round robin, gunicorn web nodes on 127.0.0.3 and
127.0.0.4, two Celery workers, two beats, pgbouncer), first with ONE web
node behind haproxy, then with TWO.

Pages, each measured on its own at `--clients` (50) for `--duration`
seconds after a warm-up, with bench/load/run.py's phases and clients:
    agenda         GET  agenda/              anonymous
    directory      GET  b2b/                 delegates, one login per client
    my_schedule    GET  me/                  the busiest delegates
    dashboard      GET  manage/              the organiser
    registrations  GET  manage/registrations/  the organiser
    accept         POST b2b/requests/<id>/accept/  prepared meeting requests
                   (bench/bench_b2b.py's prepare_accepts), made afresh for each
                   node count; ends when they run out or the time is up.

Each web node runs what `make cluster` runs: gunicorn with 2 worker
processes of 4 threads (gthread), timeout 30 s (`--web-workers`,
`--web-threads` change it). CPU per request: before and after each phase,
the CPU time (utime + stime, /proc/<pid>/stat) of each node's gunicorn
master, its live workers and its reaped children, divided by the requests
haproxy sent that node in the phase (its per-server response counters).

Writes `--out` (default bench/results/cluster.json), bench/README.md's
convention: name, started_at, duration_s, environment and `results`, a list
of rows with the keys nodes, page, clients, rps, p50_ms, p95_ms, p99_ms,
errors, cpu_ms_per_request ({node: ms}) and requests_by_node; and
`scaling`, per page: rps with two nodes over rps with one (on this 2-core
machine, where every node, haproxy, pgbouncer, PostgreSQL and the load
generator share the cores, that shows overhead more than gain), and the
projection with a core per node: one node serves 1000 / cpu_ms_per_request
requests/s per core, two nodes in round robin twice what the slower of them
serves, so projected_factor = 2 * min(1000 / cpu_ms of each node with two)
/ (1000 / cpu_ms with one). It leaves out PostgreSQL, which all nodes
share.

    .venv/bin/python bench/bench_cluster.py [--clients 50] [--duration 20]
        [--warmup 3] [--accepts 400] [--nodes 1,2] [--out PATH]
    --smoke: 3-second phases and 100 accepts, to check that it works.

Database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/portal_bench_cluster), which must be
named portal_bench_*: created afresh, migrated, seeded and dropped at the
end (unless BENCH_KEEP_DB=1). Redis: BENCH_REDIS_URL (default REDIS_URL,
else db 0), with a cache key prefix of the run's own. Before each node
count it waits up to BENCH_QUIET_WAIT seconds (default 300, 0 with
--smoke) for the load average to drop below the CPU count. Bounded by
DEADLINE_SECONDS (40 min); every process of the cluster is stopped whatever
happens, and traffic stays on 127.0.0.x.

A full run takes about 8 to 10 minutes on the 2-core machine, plus up to
twice BENCH_QUIET_WAIT waiting for a quiet machine: migrate and seed about
1, each node count about 1 to 1.5 to start the cluster (collectstatic on
each node) and prepare the accepts, then six phases of 23 s (warm-up and
measure) for about 2.5. The smoke run takes about 4 minutes (3m42s here).
"""

import argparse
import asyncio
import collections
import json
import logging
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.bench_b2b import (  # noqa: E402
    clean_previous_runs,
    prepare_accepts,
    purge_queued_deliveries,
)
from bench.load.lean import lean_client  # noqa: E402
from bench.load.run import (  # noqa: E402
    accept_work,
    get_work,
    load_arguments,
    new_client,
    pages,
    phase,
    prepare_logins,
    row,
)
from bench.serving import (  # noqa: E402
    PYTHON,
    drop_database_unless_kept,
    is_bench_database,
    recreate_database,
    run,
    wait_for_quiet,
)
from cluster.run import LB_ADDRESS, Cluster  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cluster.json"
DEADLINE_SECONDS = 40 * 60
P95_MS = 500  # issue 19: every page under it with two nodes
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[bench_cluster] {message}", flush=True)


# CPU time of a node ------------------------------------------------------------------


def _stat(pid):
    """(ppid, utime + stime, cutime + cstime) of a process in seconds, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    return ppid, own, reaped


def tree_cpu_seconds(pid):
    """
    CPU seconds used so far by process `pid` (a gunicorn master), its live
    children (the workers, with all their threads) and its reaped children.
    """
    master = _stat(pid)
    if master is None:
        return 0.0
    total = master[1] + master[2]
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and entry.name != str(pid):
            child = _stat(entry.name)
            if child is not None and child[0] == pid:
                total += child[1]
    return total


def cpu_snapshot(cluster, names):
    return {
        name: tree_cpu_seconds(cluster.nodes[name].process.pid)
        for name in names
        if name in cluster.nodes
    }


def served_snapshot(cluster):
    """Responses haproxy has had from each web node so far (any status)."""
    counts = {}
    for name, stats in cluster.server_stats().items():
        codes = ("hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other")
        counts[name] = sum(int(stats.get(code) or 0) for code in codes)
    return counts


# Measuring ---------------------------------------------------------------------------


# What went wrong in the current phase: "status path" or the transport error, counted.
FAILURES = collections.Counter()


def _failure(status, location=""):
    path = re.sub(r"\d+", "N", urlsplit(location).path)  # one key per kind of page
    FAILURES[f"{status} {path}".strip()] += 1


def lean_get_client(base, cookie, headers=None):
    """
    bench/load/lean.py's cheap client for `phase`, its answers given httpx's
    `aread()` (the body is read already), which bench/load/run.py's get_work
    calls; a status other than 200 and a transport error go into FAILURES.
    """
    lean = lean_client(base, cookie, headers)
    plain_get = lean.get

    async def get(path, headers=None):
        try:
            response = await plain_get(path, headers)
        except httpx.TransportError as exc:
            _failure(repr(exc.__cause__))
            raise
        if response.status_code != 200:
            _failure(response.status_code, response.headers.get("location", ""))
        response.aread = _nothing
        return response

    lean.get = get
    return lean


async def _nothing():
    return None


def accept_client(base, cookie, headers=None):
    """bench/load/run.py's httpx client; an answer other than the new meeting goes into FAILURES."""
    client = new_client(base, cookie, headers)

    async def check(response):
        location = response.headers.get("location", "")
        if response.status_code != 302 or "/b2b/meetings/" not in location:
            _failure(response.status_code, location)

    client.event_hooks["response"].append(check)
    plain_post = client.post

    async def post(*args, **kwargs):
        try:
            return await plain_post(*args, **kwargs)
        except httpx.HTTPError as exc:
            _failure(f"{type(exc).__name__}: {exc}")
            raise

    client.post = post
    return client


def measured_phase(cluster, page, clients, duration, work, **options):
    """One phase through the balancer, with each node's requests and CPU time in it."""
    web = list(cluster.web_addresses)
    others = ["haproxy", "pgbouncer"]
    cpu_before = cpu_snapshot(cluster, web + others)
    served_before = served_snapshot(cluster)
    client_cpu = time.process_time()
    FAILURES.clear()
    samples, seconds = asyncio.run(phase(cluster.lb_url, clients, duration, work, **options))
    client_busy = (time.process_time() - client_cpu) / seconds * 100 if seconds else 0.0
    cpu_after = cpu_snapshot(cluster, web + others)
    served_after = served_snapshot(cluster)

    served = {name: served_after.get(name, 0) - served_before.get(name, 0) for name in web}
    total = sum(served.values())

    def per_request(name, count):
        used_ms = (cpu_after[name] - cpu_before[name]) * 1000
        return round(used_ms / count, 2) if count else None

    result = {"nodes": len(web), **row(page, clients, samples, seconds)}
    result["cpu_ms_per_request"] = {name: per_request(name, served[name]) for name in web}
    result["requests_by_node"] = served
    result["other_cpu_ms_per_request"] = {name: per_request(name, total) for name in others}
    result["client_cpu_percent"] = round(client_busy)
    if result["errors"]:
        unexplained = result["errors"] - FAILURES.total()
        result["error_kinds"] = dict(FAILURES, **({"other": unexplained} if unexplained else {}))
    log(f"{len(web)} node(s) {page}: {result}")
    return result


def measure(cluster, clients, duration, warmup, logins, accepts):
    results = []
    for page, path, cookies in pages(logins):
        work = get_work(path, cookies)
        asyncio.run(phase(cluster.lb_url, clients, warmup, work, client=lean_get_client))
        results.append(
            measured_phase(cluster, page, clients, duration, work, client=lean_get_client)
        )
    # bench/load/run.py's httpx client for the POSTs; the cluster knows the host 127.0.0.2.
    results.append(
        measured_phase(
            cluster,
            "accept",
            clients,
            duration,
            accept_work(accepts, clients),
            headers={"Host": LB_ADDRESS},
            client=accept_client,
        )
    )
    results[-1]["prepared"] = len(accepts)
    return results


def scaling(results):
    """Per page: the measured factor from one node to two, and the projection with a core each."""
    by = {(r["nodes"], r["page"]): r for r in results}
    summary = []
    for (nodes, page), one in by.items():
        two = by.get((2, page))
        if nodes != 1 or two is None:
            continue
        cpu_one = one["cpu_ms_per_request"].get("web1")
        cpu_two = [ms for ms in two["cpu_ms_per_request"].values() if ms]
        entry = {
            "page": page,
            "rps_1_node": one["rps"],
            "rps_2_nodes": two["rps"],
            "factor": round(two["rps"] / one["rps"], 2) if one["rps"] else None,
            "cpu_ms_per_request_1_node": cpu_one,
            "cpu_ms_per_request_2_nodes": two["cpu_ms_per_request"],
        }
        if cpu_one and len(cpu_two) == 2:
            single = 1000 / cpu_one
            double = 2 * min(1000 / ms for ms in cpu_two)
            entry["projected_rps_1_node_1_core"] = round(single, 1)
            entry["projected_rps_2_nodes_1_core_each"] = round(double, 1)
            entry["projected_factor"] = round(double / single, 2)
        summary.append(entry)
    return summary


def targets(results):
    """Issue 19's targets: no errors, and every page's p95 under 500 ms with two nodes."""
    two = [r for r in results if r["nodes"] == 2]
    slow = {r["page"]: r["p95_ms"] for r in two if r["p95_ms"] is None or r["p95_ms"] >= P95_MS}
    errors = sum(r["errors"] for r in results)
    return {
        "errors": errors,
        f"pages_at_p95_{P95_MS}_ms_or_more_on_2_nodes": slow,
        "met": bool(two) and not errors and not slow,
    }


# Main ----------------------------------------------------------------------------------


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def _terminated(signum, frame):
    raise KeyboardInterrupt


def _version(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load_arguments(parser)
    parser.add_argument("--nodes", default="1,2", help="web node counts, in order")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.accepts = 3.0, 1.0, 100
    node_counts = [int(n) for n in args.nodes.split(",")]

    started_at = datetime.now(UTC)
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.signal(signal.SIGTERM, _terminated)
    signal.alarm(DEADLINE_SECONDS)
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_cluster"
    )
    if not is_bench_database(database_url):
        raise SystemExit("BENCH_DATABASE_URL must name a portal_bench_* database.")
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    quiet_limit = int(os.getenv("BENCH_QUIET_WAIT") or (0 if args.smoke else 300))
    base = tempfile.mkdtemp(prefix="bench-cluster-")
    os.chmod(base, 0o755)  # pgbouncer runs as `postgres` (when we are root) and reads inside

    def cluster_of(nodes):
        return Cluster(
            base,
            database_url,
            redis_url,
            free_ports=True,
            web_nodes=nodes,
            web_workers=args.web_workers,
            web_threads=args.web_threads,
            extra_env={
                "CACHE_KEY_PREFIX": f"bench-cluster-{uuid.uuid4().hex[:8]}",
                # The workers deliver the booking confirmations, to nowhere.
                "EMAIL_HOST": "",
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            },
        )

    cluster = cluster_of(node_counts[0])
    env = cluster.direct_env()
    os.environ.update(env)  # this process prepares sessions the nodes accept
    results, waits, email_ids = [], [], set()
    load_before = os.getloadavg()
    try:
        log(f"database {database_url}, redis {redis_url}, cluster in {base}")
        recreate_database(database_url)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)

        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        from django.db import connection

        from conference.core.models import OutgoingEmail

        if connection.vendor != "postgresql":
            raise SystemExit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
        first_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
        logins = prepare_logins(args.clients)

        for index, nodes in enumerate(node_counts):
            if index:
                cluster = cluster_of(nodes)
            # The same bookings for each node count: the earlier run's are undone.
            clean_previous_runs()
            accepts = prepare_accepts(args.accepts)
            connection.close()
            log(f"starting the cluster with {nodes} web node(s)")
            cluster.start()
            try:
                waited, quiet = wait_for_quiet(quiet_limit)
                waits.append({"nodes": nodes, "waited_s": waited, "quiet": quiet})
                log(f"waited {waited} s for a quiet machine (quiet: {quiet}); {os.getloadavg()}")
                results += measure(
                    cluster, args.clients, args.duration, args.warmup, logins, accepts
                )
            finally:
                cluster.stop()
        email_ids = set(
            OutgoingEmail.objects.filter(pk__gt=first_email or 0).values_list("pk", flat=True)
        )
        connection.close()
    finally:
        cluster.stop()
        signal.alarm(0)
        if email_ids:
            log(f"removed {purge_queued_deliveries(redis_url, email_ids)} queued deliveries")
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_database_unless_kept(database_url, log)
        shutil.rmtree(base, ignore_errors=True)

    import django

    report = {
        "name": "cluster",
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "environment": {
            "database": "PostgreSQL, through pgbouncer (transaction pooling)",
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "load_balancer": _version(["haproxy", "-v"]),
            "web_node": (
                f"gunicorn, {args.web_workers} workers x {args.web_threads} threads (gthread), "
                "DEBUG=0, DB_CONN_MAX_AGE=60, as cluster/run.py starts it"
            ),
            "cluster": "cluster/run.py: haproxy round robin, 2 Celery workers, 2 beats, pgbouncer",
            "broker_and_cache": "Redis",
            "data": "seed_demo --scale large",
            "smoke": args.smoke,
            "phase_s": args.duration,
            "warmup_s": args.warmup,
            "client": "bench/load/run.py phases (lean client for GETs, httpx for POSTs)",
            "quiet_waits": waits,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
        "scaling": scaling(results),
        "targets": targets(results),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(args.out)
    log(f"wrote {args.out}")
    for r in results:
        log(
            f"{r['nodes']} node(s) {r['page']:>13}: {r['rps']:7.1f} req/s, p50 {r['p50_ms']} ms, "
            f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}, "
            f"CPU/request {r['cpu_ms_per_request']} ms"
        )
    for s in report["scaling"]:
        log(
            f"{s['page']:>13}: x{s['factor']} measured, "
            f"x{s.get('projected_factor')} projected with a core per node"
        )
    log(f"targets (issue 19): {report['targets']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
