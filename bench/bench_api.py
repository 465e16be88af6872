"""
Benchmark of the REST API's main lists at 50 concurrent clients: the
sessions list (`/api/v1/events/bcmec/sessions/`) and the registrations list,
100 per page (`.../registrations/?limit=100`), with the conference detail
(`/api/v1/events/bcmec/`: token check, ninja, ETag and nothing else) as the
floor of the API's cost. Targets of the API issue (16): sessions at least 200
requests/s, registrations at least 100, no errors, p95 under 500 ms.

Setup: the demo conference with `seed_demo --scale large` on PostgreSQL, one
token made by `manage.py api_token --scopes agenda:read,registrations:read`,
gunicorn as production runs it (bench/serving.py: DEBUG=0, whitenoise,
persistent database connections; BENCH_WORKERS sync workers, default 2 per
CPU as the Dockerfile's WEB_CONCURRENCY on the 2-core machine), Redis as
cache. The per-token rate limit (API_RATE_LIMIT_PER_MINUTE, 1200 a minute by
default) would refuse most of a load test, so the server runs with it off
(0); the limit is policy, and its tests check it, not this benchmark.

Load: the phases of bench/load/run.py (`phase`, `row`), with its lean
client (bench/load/lean.py: httpx costs about ten times the CPU per request,
taken from the server on this machine; `--client httpx` to compare): each
client one connection, `Authorization: Bearer <token>`, no If-None-Match
(full answers), `--duration` seconds per list after a `--warmup`. In the
registrations phase WALKERS of the clients page through the whole list by
its `next` cursors and start again, as a syncing client does; the others
get the first page. An error is a transport failure or a status other than
2xx or 304. Then a shorter phase per list with If-None-Match (the 304 path
of a client that polls), and a single client, one request after another,
for the time each request spends inside the worker (X-Server-Time-Ms and
X-Server-Cpu-Ms of bench_b2b.timed_application). The CPU that the workers,
the load generator and the rest of the machine (PostgreSQL, others' work:
the machine is shared) used during each phase is recorded from /proc, with
the workers' CPU per request and the ceiling it sets (the requests/s of
every core running the workers alone: what other load cannot explain
away); the SQL queries per request are counted in-process.

Database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_api. A database named
portal_bench_* is dropped and created afresh (and dropped at the end unless
BENCH_KEEP_DB=1); any other name is migrated and seeded in place (seed_demo
is idempotent). Redis: BENCH_REDIS_URL (default REDIS_URL, else db 0; keys
get a fresh prefix). Before measuring it waits up to BENCH_QUIET_WAIT
seconds (default 300) for the load average to drop below the CPU count.
Bounded: at most DEADLINE_SECONDS, gunicorn stopped whatever happens; about
3 minutes in all.

    .venv/bin/python bench/bench_api.py [--clients 50] [--duration 25]
        [--warmup 5] [--revalidate 8] [--single 60] [--client lean|httpx]
        [--out PATH] [--smoke]

For a quick look while working (not for the record, written to
$TMPDIR/bench-api-quick.json unless --out says otherwise): --smoke
(3-second phases), BENCH_API_ONLY=conference,sessions (only those lists).
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root for `bench.*`
    sys.path.insert(0, str(ROOT))

from bench.bench_b2b import percentile  # noqa: E402
from bench.load.lean import lean_client  # noqa: E402
from bench.load.run import new_client, phase, row  # noqa: E402
from bench.serving import (  # noqa: E402
    PYTHON,
    drop_database_unless_kept,
    free_port,
    is_bench_database,
    recreate_database,
    run,
    server_env,
    server_start,
    server_stop,
    wait_for_quiet,
    wait_until_up,
)

RESULTS = ROOT / "bench" / "results" / "api.json"
SLUG = "bcmec"
BASE = f"/api/v1/events/{SLUG}/"
ENDPOINTS = {
    "conference": BASE,
    "sessions": BASE + "sessions/",
    "registrations": BASE + "registrations/?limit=100",
}
SCOPES = "agenda:read,registrations:read"
TARGET_RPS = {"sessions": 200, "registrations": 100}
TARGET_P95_MS = 500
WALKERS = 10  # clients of the registrations phase that follow `next`
SINGLE_REQUESTS = 60
REVALIDATE_SECONDS = 8
DEADLINE_SECONDS = 20 * 60


def log(message):
    print(f"[bench_api] {message}", flush=True)


def answered(status):
    return 200 <= status < 300 or status == 304


def relative(url):
    """The path and query of an absolute `next` link, to send on the client's own connection."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Setup ----------------------------------------------------------------------------------


def create_token(env):
    """A new token through the documented command; its secret is the last line it prints."""
    args = [PYTHON, "manage.py", "api_token", "--conference", SLUG, "--name", "bench"]
    args += ["--scopes", SCOPES]
    log("$ " + " ".join(args))
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    secret = done.stdout.strip().splitlines()[-1]
    if not secret.startswith("cp_"):
        raise SystemExit(f"api_token printed no token: {done.stdout!r}")
    return secret


def fetch(port, path, headers):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def check_responses(port, token, names):
    """
    Each list answers 200 with JSON and an ETag, 304 to its ETag, 401 without
    the token; the registrations' cursors walk the whole list once, each row
    once. Returns what the answers hold.
    """
    auth = {"Authorization": f"Bearer {token}"}
    status, _h, _b = fetch(port, ENDPOINTS["conference"], {})
    assert status == 401, f"without a token the API answered {status}"
    found = {}
    for name in names:
        path = ENDPOINTS[name]
        status, headers, body = fetch(port, path, auth)
        assert status == 200, f"{path} answered {status}: {body[:300]!r}"
        data = json.loads(body)
        etag = headers.get("ETag")
        assert etag, f"{path} sent no ETag"
        status, _h, _b = fetch(port, path, {**auth, "If-None-Match": etag})
        assert status == 304, f"{path} with its ETag answered {status}"
        found[name] = {"path": path, "bytes": len(body)}
        if isinstance(data, dict) and "results" in data:
            found[name]["rows_first_page"] = len(data["results"])
            found[name]["has_next"] = bool(data.get("next"))
    if "registrations" in names:
        ids, pages, path = [], 0, ENDPOINTS["registrations"]
        while path and pages < 1000:
            status, _h, body = fetch(port, path, auth)
            assert status == 200, f"{path} answered {status}: {body[:300]!r}"
            data = json.loads(body)
            ids += [item["id"] for item in data["results"]]
            pages += 1
            path = relative(data["next"]) if data.get("next") else None
        assert len(ids) == len(set(ids)), "a registration came twice in one walk"
        found["registrations"].update({"pages_in_a_walk": pages, "rows_in_a_walk": len(ids)})
    return found


def query_counts(token, names):
    """SQL queries of one request to each list, in-process (the second: no last-use write)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    counts = {}
    for name in names:
        client.get(ENDPOINTS[name])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ENDPOINTS[name])
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def dataset():
    from accounts.models import Registration
    from sessions_app.models import Session

    return {
        "registrations": Registration.objects.filter(conference__slug=SLUG).count(),
        "approved_registrations": Registration.objects.filter(
            conference__slug=SLUG, status=Registration.Status.APPROVED
        ).count(),
        "sessions": Session.objects.filter(conference__slug=SLUG).count(),
    }


# CPU accounting (the machine is shared) ------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _machine_cpu():
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


def cpu_snapshot(server):
    workers = _children(server.pid)
    return {
        "workers": {pid: _process_cpu(pid) for pid in workers},
        "client": time.process_time(),
        "machine": _machine_cpu(),
        "at": time.monotonic(),
    }


def cpu_used(before, after, requests):
    """
    Cores busy on average between the snapshots (the phase, and the answers
    still in flight at its end): the workers, this load generator, the rest
    (PostgreSQL, Redis, and others' work on the shared machine). From the
    workers' CPU per request, the ceiling: the requests/s all the machine's
    cores would serve if they ran nothing but the workers (no PostgreSQL, no
    client, no one else), an upper bound that other load does not lower.
    """
    seconds = after["at"] - before["at"]
    workers = sum(after["workers"].get(pid, 0.0) - cpu for pid, cpu in before["workers"].items())
    client = after["client"] - before["client"]
    machine = after["machine"] - before["machine"]
    per_request = workers * 1000 / requests if requests else None
    return {
        "cpu_cores_busy": {
            "gunicorn_workers": round(workers / seconds, 2),
            "load_generator": round(client / seconds, 2),
            "rest_of_machine": round(max(0.0, machine - workers - client) / seconds, 2),
        },
        "worker_cpu_ms_per_request": round(per_request, 2) if per_request else None,
        "ceiling_rps_workers_alone": (
            round((os.cpu_count() or 1) * 1000 / per_request, 1) if per_request else None
        ),
    }


# Load ---------------------------------------------------------------------------------


def first_page_work(path, revalidate=None):
    """Every client gets `path` again and again (with If-None-Match: `revalidate` if given)."""
    headers = {"If-None-Match": revalidate} if revalidate else None

    async def request(client):
        response = await client.get(path, headers=headers)
        return answered(response.status_code)

    def work(i):
        return None, lambda: request

    return work


def walking_work(path, walkers, stats):
    """
    Clients 0..walkers-1 follow `next` from the first page to the last and
    start again; the others get the first page. `stats` counts the pages the
    walkers got after the first and the walks they finished.
    """

    def walker():
        state = {"path": path}

        async def request(client):
            response = await client.get(state["path"])
            following = None
            if response.status_code == 200:
                try:
                    following = response.json().get("next")
                except ValueError:
                    return False
            if state["path"] != path:
                stats["cursor_pages"] += 1
            if following:
                state["path"] = relative(following)
            else:
                state["path"] = path
                stats["walks_finished"] += 1 if response.status_code == 200 else 0
            return answered(response.status_code)

        return lambda: request

    plain = first_page_work(path)

    def work(i):
        return (None, walker()) if i < walkers else plain(i)

    return work


CLIENT_KINDS = {"lean": lean_client, "httpx": new_client}


def load_phase(base, server, args, duration, warmup, work, headers, stats=None):
    """A warm-up, then the measured phase (`stats`, the walkers' counts, zeroed between)."""
    clients, client = args.clients, CLIENT_KINDS[args.client]
    asyncio.run(phase(base, clients, warmup, work, headers, client))
    if stats:
        stats.update(dict.fromkeys(stats, 0))
    before = cpu_snapshot(server)
    samples, seconds = asyncio.run(phase(base, clients, duration, work, headers, client))
    after = cpu_snapshot(server)
    result = row(None, clients, samples, seconds)
    result.pop("page")
    result["requests"] = len(samples)
    result["seconds"] = round(seconds, 1)
    result.update(cpu_used(before, after, len(samples)))
    return result


def single_client(port, path, token, count):
    """One client, one request after another: time inside the worker, no queueing."""
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1", "Authorization": f"Bearer {token}"}
    server, cpu, client, statuses = [], [], [], set()
    try:
        for _ in range(count + 5):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            client.append((time.perf_counter() - started) * 1000)
            server.append(float(response.getheader("X-Server-Time-Ms") or "nan"))
            cpu.append(float(response.getheader("X-Server-Cpu-Ms") or "nan"))
            statuses.add(response.status)
    finally:
        conn.close()
    server, cpu, client = server[5:], cpu[5:], client[5:]  # the first five warm up
    return {
        "requests": count,
        "statuses": sorted(statuses),
        "server_median_ms": round(statistics.median(server), 2),
        "server_p95_ms": round(percentile(server, 95), 2),
        "server_cpu_median_ms": round(statistics.median(cpu), 2),
        "client_median_ms": round(statistics.median(client), 2),
    }


def measure(port, server, token, names, args):
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    results = {}
    for name in names:
        path = ENDPOINTS[name]
        stats = {"cursor_pages": 0, "walks_finished": 0}
        walkers = min(WALKERS, args.clients) if name == "registrations" else 0
        work = walking_work(path, walkers, stats) if walkers else first_page_work(path)
        result = {
            "path": path,
            **load_phase(base, server, args, args.duration, args.warmup, work, auth, stats),
        }
        if walkers:
            result["walkers"] = {"clients": walkers, **stats}
        target = TARGET_RPS.get(name)
        if target:
            result["target_rps"] = target
            result["target_p95_ms"] = TARGET_P95_MS
            result["met"] = (
                result["rps"] >= target
                and result["errors"] == 0
                and result["p95_ms"] is not None
                and result["p95_ms"] < TARGET_P95_MS
            )
        else:
            result["role"] = "floor: token check, ninja and ETag, no list"
        log(f"{name}: {result}")
        results[name] = result

    revalidation = {}
    for name in names:
        if name == "conference":
            continue
        path = ENDPOINTS[name]
        _status, headers, _body = fetch(port, path, auth)
        work = first_page_work(path, revalidate=headers["ETag"])
        revalidation[name] = {
            "path": path,
            **load_phase(base, server, args, args.revalidate, 1.0, work, auth),
        }
        log(f"{name} with If-None-Match: {revalidation[name]}")

    single = {}
    for name in names:
        single[name] = single_client(port, ENDPOINTS[name], token, args.single)
        log(f"{name}, one client: {single[name]}")
    return results, revalidation, single


# Main -----------------------------------------------------------------------------------


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=25.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--revalidate", type=float, default=REVALIDATE_SECONDS)
    parser.add_argument("--single", type=int, default=SINGLE_REQUESTS)
    parser.add_argument("--out", type=Path, help=f"default {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--client", choices=sorted(CLIENT_KINDS), default="lean")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.revalidate, args.single = 3.0, 1.0, 2.0, 10
    names = [n for n in (os.getenv("BENCH_API_ONLY") or ",".join(ENDPOINTS)).split(",") if n]
    unknown = sorted(set(names) - set(ENDPOINTS))
    if unknown:
        raise SystemExit(f"BENCH_API_ONLY: unknown lists {unknown}; known: {list(ENDPOINTS)}")
    if args.out is None:
        # A quick look never replaces the record.
        quick = args.smoke or names != list(ENDPOINTS)
        args.out = Path(tempfile.gettempdir(), "bench-api-quick.json") if quick else RESULTS

    started_at = datetime.now(UTC)
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(DEADLINE_SECONDS)
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_api"
    )
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    fresh = is_bench_database(database_url)
    workers = int(os.getenv("BENCH_WORKERS") or 2 * (os.cpu_count() or 1))
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-api-static-")
    env = {
        **server_env(
            name="api",
            database_url=database_url,
            redis_url=redis_url,
            port=port,
            static_root=static_root,
        ),
        # No per-token limit: 50 clients on one token would be refused after
        # 1,200 requests a minute, which is what the limit is for.
        "API_RATE_LIMIT_PER_MINUTE": "0",
        # bench_b2b.timed_application: the time each request spends in the worker.
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    os.environ.update(env)
    server = None
    try:
        log(f"database {database_url}, redis {redis_url}, {workers} gunicorn workers")
        if fresh:
            recreate_database(database_url)
        # Static files first: with DEBUG off, loading the URLconf (which
        # migrate's checks do) needs the manifest collectstatic writes.
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)
        token = create_token(env)

        import django

        django.setup()
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
        data = dataset()
        queries = query_counts(token, names)
        log(f"data {data}; queries per request {queries}")
        connection.close()

        server = server_start(
            app="bench_b2b:timed_application", port=port, env=env, workers=workers, log=log
        )
        wait_until_up(f"http://127.0.0.1:{port}{ENDPOINTS['conference']}")
        responses = check_responses(port, token, names)
        log(f"responses {responses}")
        waited, quiet = wait_for_quiet(int(os.getenv("BENCH_QUIET_WAIT", "300")))
        log(f"waited {waited} s for a quiet machine (quiet: {quiet}); load {os.getloadavg()}")
        load_before = os.getloadavg()
        results, revalidation, single = measure(port, server, token, names, args)
        load_after = os.getloadavg()
    finally:
        server_stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        if fresh:
            from django.db import connections

            connections.close_all()
            drop_database_unless_kept(database_url, log)
        signal.alarm(0)

    measured = [r for r in results.values() if "met" in r]
    report = {
        "name": "api",
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "environment": {
            "database": "PostgreSQL",
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "server": f"gunicorn, {workers} sync workers, DEBUG=0, DB_CONN_MAX_AGE=60, whitenoise",
            "gunicorn_workers": workers,
            "cache": "Redis",
            "rate_limit": (
                "off (API_RATE_LIMIT_PER_MINUTE=0): the per-token limit (default 1200 a "
                "minute) is policy, not capacity, and is checked by the API's tests"
            ),
            "client": (
                f"{args.clients} async clients ({args.client}: bench/load/"
                f"{'lean.py' if args.client == 'lean' else 'run.py'}) on 127.0.0.1, one "
                "connection each (gunicorn's sync workers close it after every answer), "
                f"Authorization: Bearer, no If-None-Match; {args.warmup:g} s warm-up, "
                f"{args.duration:g} s measured per list; {WALKERS} clients of the "
                "registrations phase follow the `next` cursors through every page"
            ),
            "errors_are": "transport failures and statuses other than 2xx or 304",
            "token_scopes": SCOPES.split(","),
            "data": "seed_demo --scale large",
            "dataset": data,
            # The machine is shared: other processes' load shows here.
            "waited_for_quiet_s": waited,
            "quiet_when_started": quiet,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "targets": {
            "sessions_rps": TARGET_RPS["sessions"],
            "registrations_rps": TARGET_RPS["registrations"],
            "errors": 0,
            "p95_ms": TARGET_P95_MS,
        },
        "responses": responses,
        "queries_per_request": queries,
        "results": results,
        "revalidation_304": revalidation,
        "single_client": single,
        "met": bool(measured) and all(r["met"] for r in measured),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(args.out)
    log(f"wrote {args.out}")
    for name, r in results.items():
        log(
            f"{name}: {r['rps']} req/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"p99 {r['p99_ms']} ms, {r['errors']} errors; target met: {r.get('met', '-')}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
