"""
Benchmark of accepting a B2B meeting request: the POST to
`b2b/requests/<id>/accept/` that locks, checks and books a meeting and
queues both confirmation emails with their calendar files. The target of the
B2B issue: under 50 ms of server time at the median with one client, and
under 200 ms at the 95th percentile with 20 concurrent clients.

Setup: the demo conference with `seed_demo --scale large` on PostgreSQL,
served by gunicorn (sync workers, as many as CPUs unless BENCH_WORKERS
says otherwise; DEBUG=0, persistent database connections, Redis as cache
and Celery broker). Server time is measured
inside the worker around the Django application (the X-Server-Time-Ms
header added by `timed_application` below), so it leaves out the time a
request waits for a free worker; the client's round trip, which includes
that wait, is reported next to it, and so is the CPU time the worker spent
(X-Server-Cpu-Ms), which other load on a shared machine barely affects.

Each accept is a fresh request between two delegates of the large data set
who have no meeting yet, answered with a slot both have free, each recipient
in its own logged-in session. The query counts of the directory, a
delegate's requests page and the organisers' grid on the same data are
recorded too (they are pinned by tests/b2b_meetings/test_query_counts.py).

Database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_b2b. A database named
portal_bench_* is dropped and created afresh (and dropped at the end unless
BENCH_KEEP_DB=1); any other name is migrated and seeded in place (seed_demo
is idempotent) and the benchmark's own requests and meetings are removed
first. Before measuring it waits up to BENCH_QUIET_WAIT seconds (default
600) for the machine's load average to drop below its CPU count, and
records the load. Redis: BENCH_REDIS_URL (default REDIS_URL or db 0); the delivery tasks
the benchmark queued are removed from the broker afterwards. Bounded: at
most DEADLINE_SECONDS, and gunicorn is stopped whatever happens.
Results: bench/results/b2b.json.

For a quick look while working (not for the record): BENCH_B2B_SINGLE and
BENCH_B2B_PER_CLIENT shrink the runs, BENCH_B2B_RESULTS writes the JSON
elsewhere, and BENCH_PORT pins gunicorn's port (default: any free one).
"""

import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root for `bench.*`
    sys.path.insert(0, str(ROOT))

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
    session_cookie,
    wait_for_quiet,
    wait_until_up,
)

RESULTS = Path(os.getenv("BENCH_B2B_RESULTS") or ROOT / "bench" / "results" / "b2b.json")
SLUG = "bcmec"
AGENDA_PREFIX = "[bench] "
DEADLINE_SECONDS = 30 * 60
WARMUP = 8
SINGLE = int(os.getenv("BENCH_B2B_SINGLE") or 120)
CLIENTS = 20
PER_CLIENT = int(os.getenv("BENCH_B2B_PER_CLIENT") or 10)
TARGET_MEDIAN_MS = 50
TARGET_P95_MS = 200


def log(message):
    print(f"[bench_b2b] {message}", flush=True)


# The WSGI application gunicorn serves: Django, timed. -------------------------------

_django_app = None


def timed_application(environ, start_response):
    """Django's WSGI app, with the time spent inside it in X-Server-Time-Ms."""
    global _django_app
    if _django_app is None:
        from conference.wsgi import application

        _django_app = application
    started = time.perf_counter()
    started_cpu = time.process_time()
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["response"] = (status, headers, exc_info)
        return lambda data: None

    result = _django_app(environ, capture)
    try:
        body = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - started_cpu) * 1000
    status, headers, exc_info = captured["response"]
    timing = [("X-Server-Time-Ms", f"{elapsed_ms:.3f}"), ("X-Server-Cpu-Ms", f"{cpu_ms:.3f}")]
    start_response(status, [*headers, *timing], exc_info)
    return body


# Helpers ------------------------------------------------------------------------------


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(samples):
    server = [s["server_ms"] for s in samples if s["ok"]]
    client = [s["client_ms"] for s in samples if s["ok"]]
    cpu = [s["cpu_ms"] for s in samples if s["ok"]]
    return {
        "requests": len(samples),
        "booked": sum(1 for s in samples if s["ok"]),
        "refused_or_failed": sum(1 for s in samples if not s["ok"]),
        "statuses": sorted({s["status"] for s in samples}),
        "server_median_ms": round(statistics.median(server), 2) if server else None,
        "server_p95_ms": round(percentile(server, 95), 2) if server else None,
        "server_max_ms": round(max(server), 2) if server else None,
        # CPU the worker process spent on the request: the application's own
        # cost, much less sensitive than wall time to other load on the machine.
        "server_cpu_median_ms": round(statistics.median(cpu), 2) if cpu else None,
        "server_cpu_p95_ms": round(percentile(cpu, 95), 2) if cpu else None,
        "client_median_ms": round(statistics.median(client), 2) if client else None,
        "client_p95_ms": round(percentile(client, 95), 2) if client else None,
    }


# Data -------------------------------------------------------------------------------


def clean_previous_runs():
    from b2b_meetings.models import Meeting, MeetingRequest

    bench = MeetingRequest.objects.filter(agenda__startswith=AGENDA_PREFIX)
    Meeting.objects.filter(request__in=bench).delete()
    count, _ = bench.delete()
    if count:
        log(f"removed {count} requests of earlier runs")


def prepare_accepts(count):
    """
    `count` fresh pending requests between delegates without meetings, each
    with a slot both sides have free and tables left, and a session cookie
    for its recipient. Slots are spread so no slot runs out of tables.
    """
    from accounts.models import Registration
    from b2b_meetings import selectors, services
    from b2b_meetings.models import MeetingSeat, MeetingSlot, Table
    from conference.core.models import Conference

    conference = Conference.objects.get(slug=SLUG)
    if conference.b2b_kind_rules:
        raise SystemExit("The benchmark expects no kind rules on the demo conference.")
    busy = MeetingSeat.objects.filter(is_active=True).values("registration")
    people = list(
        Registration.objects.filter(
            conference=conference, status=Registration.Status.APPROVED, directory_consent=True
        )
        .exclude(pk__in=busy)
        .select_related("user", "organisation")
        .order_by("-pk")
    )
    tables = Table.objects.filter(conference=conference, is_active=True).count()
    booked = {
        slot.pk: slot.meetings.filter(status="active").count()
        for slot in MeetingSlot.objects.filter(conference=conference)
    }
    accepts, used, turn = [], set(), 0
    pool = iter(people)
    for requester in pool:
        if len(accepts) == count:
            break
        if requester.pk in used:
            continue
        recipient = next(
            (
                p
                for p in people
                if p.pk not in used
                and p.pk != requester.pk
                and p.organisation_id != requester.organisation_id
            ),
            None,
        )
        if recipient is None:
            break
        used.update({requester.pk, recipient.pk})
        free = [
            slot
            for slot in selectors.slots_free_for(
                conference=conference, registrations=[requester, recipient]
            )
            if booked[slot.pk] < tables - 1
        ]
        if not free:
            continue
        slot = free[turn % len(free)]
        turn += 1
        booked[slot.pk] += 1
        try:
            request = services.request_create(
                conference=conference,
                requester=requester,
                target_registration=recipient,
                agenda=AGENDA_PREFIX + "benchmark meeting",
            )
        except services.B2BError:
            continue  # e.g. the seed already has a pending request between them
        accepts.append(
            {
                "path": f"/events/{SLUG}/b2b/requests/{request.pk}/accept/",
                "slot": slot.pk,
                "cookie": session_cookie(recipient.user),
            }
        )
    if len(accepts) < count:
        raise SystemExit(f"Only {len(accepts)} of {count} accepts could be prepared.")
    return accepts


def query_counts():
    """SQL queries of the three pinned pages on the large data set, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    # delegate1 of the demo has requests both ways and meetings, so every
    # query of the requests page runs.
    delegate = User.objects.get(email="delegate1@example.org")
    pages = [
        ("directory", delegate, f"/events/{SLUG}/b2b/"),
        ("requests_page", delegate, f"/events/{SLUG}/b2b/requests/"),
        (
            "organiser_grid",
            User.objects.get(email="organiser@example.org"),
            f"/events/{SLUG}/manage/b2b/",
        ),
    ]
    counts = {}
    for name, user, path in pages:
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = {"path": path, "queries": len(queries)}
    return counts


def dataset():
    from accounts.models import Registration
    from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot, Table
    from conference.core.models import Organisation

    return {
        "approved_delegates": Registration.objects.filter(
            conference__slug=SLUG, status="approved"
        ).count(),
        "organisations": Organisation.objects.count(),
        "meeting_requests": MeetingRequest.objects.filter(conference__slug=SLUG).count(),
        "slots": MeetingSlot.objects.filter(conference__slug=SLUG).count(),
        "tables": Table.objects.filter(conference__slug=SLUG).count(),
        "active_meetings": Meeting.objects.filter(conference__slug=SLUG, status="active").count(),
    }


# Load -------------------------------------------------------------------------------

CSRF = uuid.uuid4().hex  # 32 characters: a valid unmasked CSRF secret


def accept(conn, item):
    body = urllib.parse.urlencode({"slot": item["slot"], "csrfmiddlewaretoken": CSRF})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={item['cookie']}; csrftoken={CSRF}",
        "Host": "127.0.0.1",
    }
    started = time.perf_counter()
    conn.request("POST", item["path"], body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    client_ms = (time.perf_counter() - started) * 1000
    location = response.getheader("Location") or ""
    return {
        "status": response.status,
        "ok": response.status == 302 and "/b2b/meetings/" in location,
        "server_ms": float(response.getheader("X-Server-Time-Ms") or "nan"),
        "cpu_ms": float(response.getheader("X-Server-Cpu-Ms") or "nan"),
        "client_ms": client_ms,
    }


def run_sequential(port, items):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        return [accept(conn, item) for item in items]
    finally:
        conn.close()


def run_concurrent(port, items, clients):
    batches = [items[i::clients] for i in range(clients)]
    samples, lock = [], threading.Lock()
    barrier = threading.Barrier(clients, timeout=60)

    def client(batch):
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            barrier.wait()
            for item in batch:
                sample = accept(conn, item)
                with lock:
                    samples.append(sample)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(b,)) for b in batches]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return samples, time.perf_counter() - started


DELIVERY_TASKS = {
    "conference.core.tasks.outbox_deliver",
    "conference.core.tasks.outbox_deliver_many",
}


def purge_queued_deliveries(redis_url, email_ids):
    """
    Remove the outbox delivery tasks this run queued (and only those) from the
    broker: `outbox_deliver(id)` for one row, `outbox_deliver_many([ids])`
    for the rows of one booking.
    """
    import ast

    import redis

    client = redis.Redis.from_url(redis_url)
    removed = 0
    for raw in client.lrange("mail", 0, -1):
        try:
            message = json.loads(raw)
            headers = message.get("headers", {})
            (arg,) = ast.literal_eval(headers.get("argsrepr") or "()")
        except (ValueError, TypeError, SyntaxError):
            continue
        ids = set(arg) if isinstance(arg, list | tuple) else {arg}
        if headers.get("task") in DELIVERY_TASKS and ids and ids <= email_ids:
            removed += client.lrem("mail", 1, raw)
    return removed


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def main():
    started_at = datetime.now(UTC)
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(DEADLINE_SECONDS)
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_b2b"
    )
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    fresh = is_bench_database(database_url)
    # Sync workers doing CPU-bound work: more of them than cores only share
    # the CPUs, which stretches every request's server time without adding
    # throughput; the extra concurrency waits in the listen queue instead
    # (and shows in the client's round trip).
    workers = int(os.getenv("BENCH_WORKERS") or os.cpu_count() or 2)
    port = int(os.getenv("BENCH_PORT") or 0) or free_port()
    static_root = tempfile.mkdtemp(prefix="bench-b2b-static-")
    env = {
        **server_env(
            name="b2b",
            database_url=database_url,
            redis_url=redis_url,
            port=port,
            static_root=static_root,
        ),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    server = None
    email_ids = set()
    try:
        log(f"database {database_url}, redis {redis_url}")
        if fresh:
            recreate_database(database_url)
        # Static files first: with DEBUG off, loading the URLconf (which
        # migrate's checks do) needs the manifest collectstatic writes.
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)

        import django

        django.setup()
        from django.db import connection

        from conference.core.models import OutgoingEmail

        if connection.vendor != "postgresql":
            raise SystemExit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
        clean_previous_runs()
        queries = query_counts()
        log(f"queries per page: {queries}")
        first_email = (
            OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
        ) or 0
        items = prepare_accepts(WARMUP + SINGLE + CLIENTS * PER_CLIENT)
        data = dataset()
        connection.close()

        server = server_start(
            app="bench_b2b:timed_application", port=port, env=env, workers=workers, log=log
        )
        wait_until_up(f"http://127.0.0.1:{port}/healthz")

        warmup, single, concurrent = (
            items[:WARMUP],
            items[WARMUP : WARMUP + SINGLE],
            items[WARMUP + SINGLE :],
        )
        run_sequential(port, warmup)
        waited, quiet = wait_for_quiet(int(os.getenv("BENCH_QUIET_WAIT", "600")))
        log(f"waited {waited} s for a quiet machine (quiet: {quiet})")
        load_before = os.getloadavg()
        single_samples = run_sequential(port, single)
        concurrent_samples, wall = run_concurrent(port, concurrent, CLIENTS)
        load_after = os.getloadavg()
        email_ids = set(
            OutgoingEmail.objects.filter(pk__gt=first_email).values_list("pk", flat=True)
        )
    finally:
        server_stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        removed = purge_queued_deliveries(redis_url, email_ids) if email_ids else 0
        if fresh:
            from django.db import connections

            connections.close_all()
            drop_database_unless_kept(database_url, log)
        signal.alarm(0)

    single_summary = summary(single_samples)
    concurrent_summary = {
        **summary(concurrent_samples),
        "clients": CLIENTS,
        "accepts_per_second": round(len(concurrent_samples) / wall, 1),
    }
    results = {
        "accept_single_client": {
            **single_summary,
            "target_server_median_ms": TARGET_MEDIAN_MS,
            "meets_target": single_summary["booked"] == SINGLE
            and single_summary["server_median_ms"] < TARGET_MEDIAN_MS,
        },
        "accept_20_concurrent_clients": {
            **concurrent_summary,
            "target_server_p95_ms": TARGET_P95_MS,
            "meets_target": concurrent_summary["booked"] == CLIENTS * PER_CLIENT
            and concurrent_summary["server_p95_ms"] < TARGET_P95_MS,
        },
        "queries_per_page": queries,
    }
    import django

    report = {
        "name": "b2b",
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "environment": {
            "database": "PostgreSQL",
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "server": f"gunicorn, {workers} sync workers, DEBUG=0, DB_CONN_MAX_AGE=60",
            "broker_and_cache": "Redis",
            "data": "seed_demo --scale large",
            "dataset": data,
            # The machine is shared: other processes' load shows here.
            "waited_for_quiet_s": waited,
            "quiet_when_started": quiet,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "broker_tasks_removed_after_run": removed,
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(RESULTS)
    log(f"wrote {RESULTS}")
    for name in ("accept_single_client", "accept_20_concurrent_clients"):
        r = results[name]
        log(
            f"{name}: server median {r['server_median_ms']} ms, p95 {r['server_p95_ms']} ms "
            f"(CPU median {r['server_cpu_median_ms']} ms); "
            f"client median {r['client_median_ms']} ms, p95 {r['client_p95_ms']} ms; "
            f"booked {r['booked']}/{r['requests']}; target met: {r['meets_target']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
