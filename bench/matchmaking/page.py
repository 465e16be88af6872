"""
The suggestions page against the portal: `seed_demo --scale large` on
PostgreSQL, every delegate's suggestions precomputed through the real path
(`matchmaking.suggestions.suggestions_refresh`: the database reads, the
engine and the writes), then `b2b/suggestions/` served by gunicorn (DEBUG
off, as production) and requested by logged-in delegates from 127.0.0.1.

Server time is measured inside the worker (bench_b2b.timed_application:
X-Server-Time-Ms, and the worker's CPU time). The query count is taken
in-process for a delegate with a full list and for one with a short list:
the page must cost the same.

Database: BENCH_MATCHMAKING_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_matchmaking, dropped and
created afresh (dropped at the end unless BENCH_KEEP_DB=1). Redis:
BENCH_REDIS_URL or REDIS_URL. Skipped when BENCH_MATCHMAKING_PAGE=0.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

from bench.serving import (  # noqa: E402
    PYTHON,
    drop_database_unless_kept,
    free_port,
    recreate_database,
    run,
    server_env,
    server_start,
    server_stop,
    session_cookie,
    wait_for_quiet,
    wait_until_up,
)

SLUG = "bcmec"
TARGET_MEDIAN_MS = 100
VIEWERS = 20
REQUESTS = 200
WARMUP = 20


def _query_count(user, path):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path, HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, response.status_code
    return len(queries)


def _get(conn, path, cookie):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return {
        "ok": response.status == 200,
        "server_ms": float(response.getheader("X-Server-Time-Ms") or "nan"),
        "cpu_ms": float(response.getheader("X-Server-Cpu-Ms") or "nan"),
        "client_ms": (time.perf_counter() - started) * 1000,
    }


def suggestions_page_latency(log=print):
    """The page's server median/p95, its query counts and the real precompute time, or None."""
    if os.getenv("BENCH_MATCHMAKING_PAGE", "1") == "0":
        return None
    database_url = os.getenv(
        "BENCH_MATCHMAKING_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/portal_bench_matchmaking",
    )
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    port = free_port()
    env = {
        **server_env(
            name="matchmaking",
            database_url=database_url,
            redis_url=redis_url,
            port=port,
            static_root=tempfile.mkdtemp(prefix="bench-matchmaking-static-"),
        ),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    os.environ.update(env)
    server = None
    try:
        recreate_database(database_url)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)

        import django

        django.setup()
        from django.db import connection

        from accounts.models import Registration
        from b2b_meetings.matchmaking.models import Suggestion
        from b2b_meetings.matchmaking.suggestions import suggestions_refresh
        from conference.core.models import Conference

        conference = Conference.objects.get(slug=SLUG)
        started = time.monotonic()
        delegates, _engine_seconds = suggestions_refresh(conference=conference)
        refresh_seconds = time.monotonic() - started
        log(f"suggestions for {delegates} delegates in {refresh_seconds:.1f} s (with the DB)")

        path = f"/events/{SLUG}/b2b/suggestions/"
        full = list(
            Registration.objects.filter(conference=conference, suggestions__rank=10)
            .select_related("user")
            .order_by("pk")[:VIEWERS]
        )
        short = (
            Registration.objects.filter(
                conference=conference, status="approved", suggestions__rank=1
            )
            .exclude(suggestions__rank=3)
            .select_related("user")
            .first()
        )
        queries = {"full_list": _query_count(full[0].user, path)}
        if short is not None:
            queries["short_list"] = _query_count(short.user, path)
        cookies = [session_cookie(r.user) for r in full]
        stored = Suggestion.objects.filter(registration__conference=conference).count()
        connection.close()

        server = server_start(
            app="bench_b2b:timed_application", port=port, env=env, workers=2, log=log
        )
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(WARMUP):
            _get(conn, path, cookies[i % len(cookies)])
        waited, quiet = wait_for_quiet(int(os.getenv("BENCH_QUIET_WAIT", "300")))
        load = [round(x, 2) for x in os.getloadavg()]
        samples = [_get(conn, path, cookies[i % len(cookies)]) for i in range(REQUESTS)]
        conn.close()
        ok = [s for s in samples if s["ok"]]
        server_ms = sorted(s["server_ms"] for s in ok)
        median = statistics.median(server_ms) if server_ms else None
        fixed = len(set(queries.values())) == 1
        return {
            "path": path,
            "requests": len(samples),
            "ok": len(ok),
            "server_median_ms": round(median, 2) if median is not None else None,
            "server_p95_ms": round(server_ms[int(0.95 * (len(server_ms) - 1))], 2)
            if server_ms
            else None,
            "server_cpu_median_ms": round(statistics.median(s["cpu_ms"] for s in ok), 2)
            if ok
            else None,
            "client_median_ms": round(statistics.median(s["client_ms"] for s in ok), 2)
            if ok
            else None,
            "queries": queries,
            "fixed_query_count": fixed,
            "delegates": delegates,
            "suggestions_stored": stored,
            "refresh_with_database_seconds": round(refresh_seconds, 2),
            "waited_for_quiet_s": waited,
            "quiet": quiet,
            "load_average": load,
            "met": median is not None
            and median < TARGET_MEDIAN_MS
            and fixed
            and len(ok) == len(samples),
        }
    finally:
        if server is not None:
            server_stop(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        drop_database_unless_kept(database_url, log)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(suggestions_page_latency())
