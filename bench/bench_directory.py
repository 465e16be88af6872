"""
Benchmark of the B2B directory (`events/bcmec/b2b/`) for a logged-in
delegate on the demo conference seeded with `seed_demo --scale large` (400
organisations and 2,000 delegates with profiles and topics): no filter, a
kind and topic facet, an English search, a Japanese search and the People
view. The target of the matchmaking issue: under 100 ms of server time at
the median for each, with a fixed number of queries (pinned by
tests/b2b_meetings/test_directory.py; recorded here on the large data).

Setup: PostgreSQL (pg_trgm and the directory's trigram indexes come with
the migrations), served by gunicorn as production runs it (bench/serving.py:
DEBUG=0, persistent connections, whitenoise), BENCH_WORKERS sync workers
(default: one per CPU), Redis as cache: BENCH_REDIS_URL, or else a
throwaway redis-server of the benchmark's own. One client sends the
requests one after another, so no request waits for a worker. Server time
is measured inside the worker around the Django application (the
X-Server-Time-Ms header of bench_b2b.timed_application), with the CPU time
it spent (X-Server-Cpu-Ms) and the client's round trip next to it.

Database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_directory. A database named
portal_bench_* is dropped and created afresh (and dropped at the end unless
BENCH_KEEP_DB=1); any other name is migrated and seeded in place (seed_demo
is idempotent). Before measuring it waits up to BENCH_QUIET_WAIT seconds
(default 600) for the load average to drop below the CPU count, and records
the load. Bounded: BENCH_DIRECTORY_REQUESTS requests per page (default
100) after 5 warm-up requests, at most DEADLINE_SECONDS in all; gunicorn
(and redis-server) are stopped whatever happens. Results:
bench/results/directory.json (BENCH_DIRECTORY_RESULTS writes elsewhere).
"""

import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root for `bench.*`
    sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
    PYTHON,
    RedisServer,
    drop_database_unless_kept,
    free_port,
    is_bench_database,
    recreate_database,
    run,
    server_env,
    server_start,
    server_stop,
    session_cookie,
    wait_for_quiet,
    wait_until_up,
)

RESULTS = Path(
    os.getenv("BENCH_DIRECTORY_RESULTS") or ROOT / "bench" / "results" / "directory.json"
)
SLUG = "bcmec"
DELEGATE = "delegate1@example.org"
DEADLINE_SECONDS = 30 * 60
WARMUP = 5
REQUESTS = int(os.getenv("BENCH_DIRECTORY_REQUESTS") or 100)
TARGET_MEDIAN_MS = 100
PAGES = {
    "no_filter": "",
    "kind_and_topic": "?kind=recycler&topic=refining",
    "english_search": "?q=lithium",
    "japanese_search": "?" + urllib.parse.urlencode({"q": "リチウム"}),
    "people": "?show=people",
}


def log(message):
    print(f"[bench_directory] {message}", flush=True)


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def path_of(query):
    return f"/events/{SLUG}/b2b/{query}"


# In-process: the session, what each page finds, its queries --------------------------------


def delegate_session():
    """A session cookie for the demo's delegate1 (at a recycler)."""
    from accounts.models import User

    return session_cookie(User.objects.get(email=DELEGATE))


def page_facts():
    """Per page: its status, how many rows it found, and its SQL queries (in-process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    from accounts.models import User

    setup_test_environment()  # responses carry their template context
    try:
        client = Client()
        client.force_login(User.objects.get(email=DELEGATE))
        facts = {}
        for name, query in PAGES.items():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path_of(query), HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (name, response.status_code)
            facts[name] = {
                "path": path_of(query),
                "queries": len(queries),
                "found": response.context["page"].paginator.count,
            }
    finally:
        teardown_test_environment()
    return facts


def dataset():
    from accounts.models import Registration
    from b2b_meetings.models import DelegateProfile, OrganisationTopics, Suggestion
    from conference.core.models import Organisation

    listed = Registration.objects.filter(
        conference__slug=SLUG, status="approved", directory_consent=True
    )
    return {
        "organisations": Organisation.objects.count(),
        "organisations_listed": Organisation.objects.filter(registrations__in=listed)
        .distinct()
        .count(),
        "delegates_listed": listed.count(),
        "delegate_profiles": DelegateProfile.objects.count(),
        "organisation_topic_rows": OrganisationTopics.objects.count(),
        "suggestions": Suggestion.objects.count(),
    }


# Over HTTP --------------------------------------------------------------------------------


def fetch(conn, path, cookie):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return {
        "status": response.status,
        "server_ms": float(response.getheader("X-Server-Time-Ms") or "nan"),
        "cpu_ms": float(response.getheader("X-Server-Cpu-Ms") or "nan"),
        "client_ms": (time.perf_counter() - started) * 1000,
    }


def measure(port, cookie):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    samples = {}
    try:
        for query in PAGES.values():
            for _ in range(WARMUP):
                fetch(conn, path_of(query), cookie)
        # Interleaved, so that a burst of other load on the shared machine
        # weighs on every page alike.
        for _ in range(REQUESTS):
            for name, query in PAGES.items():
                samples.setdefault(name, []).append(fetch(conn, path_of(query), cookie))
    finally:
        conn.close()
    return samples


def summary(samples):
    ok = [s for s in samples if s["status"] == 200]
    server = [s["server_ms"] for s in ok]
    cpu = [s["cpu_ms"] for s in ok]
    client = [s["client_ms"] for s in ok]
    median = round(statistics.median(server), 2) if server else None
    return {
        "requests": len(samples),
        "statuses": sorted({s["status"] for s in samples}),
        "server_median_ms": median,
        "server_p95_ms": round(percentile(server, 95), 2) if server else None,
        "server_max_ms": round(max(server), 2) if server else None,
        "server_cpu_median_ms": round(statistics.median(cpu), 2) if cpu else None,
        "client_median_ms": round(statistics.median(client), 2) if client else None,
        "client_p95_ms": round(percentile(client, 95), 2) if client else None,
        "target_server_median_ms": TARGET_MEDIAN_MS,
        "meets_target": len(ok) == len(samples)
        and median is not None
        and median < TARGET_MEDIAN_MS,
    }


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def main():
    started_at = datetime.now(UTC)
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(DEADLINE_SECONDS)
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_directory"
    )
    redis_server = None if os.getenv("BENCH_REDIS_URL") else RedisServer()
    redis_url = os.getenv("BENCH_REDIS_URL") or redis_server.url
    fresh = is_bench_database(database_url)
    workers = int(os.getenv("BENCH_WORKERS") or os.cpu_count() or 2)
    port = int(os.getenv("BENCH_PORT") or 0) or free_port()
    static_root = tempfile.mkdtemp(prefix="bench-directory-static-")
    env = {
        **server_env(
            name="directory",
            database_url=database_url,
            redis_url=redis_url,
            port=port,
            static_root=static_root,
        ),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    os.environ.update(env)
    server = None
    try:
        log(f"database {database_url}, redis {redis_url}")
        if fresh:
            recreate_database(database_url)
        # Static files first: with DEBUG off, loading the URLconf needs the manifest.
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)

        import django

        django.setup()
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
        facts = page_facts()
        log(f"pages: {facts}")
        data = dataset()
        cookie = delegate_session()
        connection.close()

        server = server_start(
            app="bench_b2b:timed_application", port=port, env=env, workers=workers, log=log
        )
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        waited, quiet = wait_for_quiet(int(os.getenv("BENCH_QUIET_WAIT", "600")))
        log(f"waited {waited} s for a quiet machine (quiet: {quiet})")
        load_before = os.getloadavg()
        samples = measure(port, cookie)
        load_after = os.getloadavg()
    finally:
        server_stop(server)
        if redis_server is not None:
            redis_server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
        if fresh:
            from django.db import connections

            connections.close_all()
            drop_database_unless_kept(database_url, log)
        signal.alarm(0)

    results = {name: {**facts[name], **summary(samples[name])} for name in PAGES}
    import django

    report = {
        "name": "directory",
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "environment": {
            "database": "PostgreSQL",
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "server": f"gunicorn, {workers} sync workers, DEBUG=0, DB_CONN_MAX_AGE=60",
            "cache": "Redis",
            "client": f"one client, sequential, {REQUESTS} requests per page after {WARMUP}",
            "viewer": f"{DELEGATE} (approved delegate at a recycler)",
            "data": "seed_demo --scale large",
            "dataset": data,
            "waited_for_quiet_s": waited,
            "quiet_when_started": quiet,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(RESULTS)
    log(f"wrote {RESULTS}")
    for name, r in results.items():
        log(
            f"{name}: server median {r['server_median_ms']} ms, p95 {r['server_p95_ms']} ms "
            f"(CPU median {r['server_cpu_median_ms']} ms), {r['queries']} queries, "
            f"{r['found']} found; target met: {r['meets_target']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
