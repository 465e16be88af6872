"""
Load benchmark: requests/s and latency of the busiest pages at 50
concurrent clients, on the demo conference seeded with `seed_demo --scale
large`, served by gunicorn on 127.0.0.1 as production serves it (sync
workers, DEBUG=0, whitenoise, persistent database connections, Redis as
cache and broker).

Pages, each measured on its own for `--duration` seconds after a warm-up:
    agenda       GET  agenda/            anonymous (the public agenda)
    directory    GET  b2b/               delegates, each client its own login
    my_schedule  GET  me/                delegates with sessions and meetings
    dashboard    GET  manage/            the organiser (one login per client)
    registrations GET manage/registrations/  the organiser
    directory_writes  GET b2b/ again, while this process commits
                 WRITES_PER_SECOND writes a second (a delegate's job title):
                 signed-in pages are kept per session only while nothing is
                 written, so this is the directory when people are busy
    accept       POST b2b/requests/<id>/accept/   each a fresh request between
                 two delegates without meetings, answered with a slot both
                 have free (as bench/bench_b2b.py prepares them); ends when
                 the prepared requests run out or the time is up.

Each client has one connection at a time and its own session cookie (GETs:
bench/load/lean.py's client, which leaves the CPU to the server; accepts:
an httpx.AsyncClient); latency is the client's round trip (so it includes the
wait for a free gunicorn worker). An error is a transport failure or any
status other than 200 (GET) or a redirect to the new meeting (accept).

Writes `--out` (default bench/results/load.json): a list of objects with
the keys page, clients, rps, p50_ms, p95_ms, p99_ms, errors.

    .venv/bin/python bench/load/run.py [--clients 50] [--duration 20]
        [--warmup 3] [--accepts 400] [--out PATH]
    --smoke: 3-second phases and 100 accepts, to check that it works.
    --scale demo: the demo conference as `make run` seeds it (the default is
        large); delegates then share logins.

Database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/portal_bench_load); a database named
portal_bench_* is created afresh and dropped at the end (unless
BENCH_KEEP_DB=1). Redis: BENCH_REDIS_URL (default REDIS_URL, else db 0); the
confirmation emails the accepts queued are removed from the broker
afterwards. BENCH_WORKERS: gunicorn workers (default 2 per CPU, as the
Dockerfile). Before measuring it waits up to BENCH_QUIET_WAIT seconds
(default 300) for the load average to drop below the CPU count. Bounded
by DEADLINE_SECONDS; gunicorn is stopped whatever happens. A full run takes
about 4 to 6 minutes on the 2-core machine (migrate and seed about 2,
five phases of 23 s, setup of the accepts under a minute).
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.bench_b2b import (  # noqa: E402
    CSRF,
    SLUG,
    clean_previous_runs,
    percentile,
    prepare_accepts,
    purge_queued_deliveries,
)
from bench.load.lean import lean_client  # noqa: E402
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

RESULTS = ROOT / "bench" / "results" / "load.json"
DEADLINE_SECONDS = 20 * 60
REQUEST_TIMEOUT = 30
# Writes a second committed elsewhere during the "directory_writes" phase.
WRITES_PER_SECOND = 5


def log(message):
    print(f"[bench_load] {message}", flush=True)


# Logins ------------------------------------------------------------------------------


def prepare_logins(clients):
    """Session cookies, one per client: of delegates, and of the organiser."""
    from django.db.models import Count, Q

    from accounts.models import Registration, User

    # The busiest schedules first: those with B2B meetings and sign-ups.
    delegates = list(
        Registration.objects.filter(conference__slug=SLUG, status=Registration.Status.APPROVED)
        .annotate(
            meetings=Count("meeting_seats", filter=Q(meeting_seats__is_active=True)),
            sessions=Count("session_signups"),
        )
        .select_related("user")
        .order_by("-meetings", "-sessions", "pk")[:clients]
    )
    if not delegates:
        raise SystemExit("No approved delegates in the seed.")
    # The demo scale has fewer delegates than clients: they share logins then.
    organiser = User.objects.get(email="organiser@example.org")
    return {
        "delegate": [session_cookie(r.user) for r in delegates],
        "organiser": [session_cookie(organiser) for _ in range(clients)],
    }


def pages(logins):
    base = f"/events/{SLUG}/"
    return [
        ("agenda", base + "agenda/", None),
        ("directory", base + "b2b/", logins["delegate"]),
        ("my_schedule", base + "me/", logins["delegate"]),
        ("dashboard", base + "manage/", logins["organiser"]),
        ("registrations", base + "manage/registrations/", logins["organiser"]),
    ]


# Load ------------------------------------------------------------------------------


def new_client(base, cookie, headers=None):
    """One keep-alive connection; `headers` (e.g. Authorization) go with every request."""
    cookies = {"csrftoken": CSRF}
    if cookie:
        cookies["sessionid"] = cookie
    return httpx.AsyncClient(
        base_url=base,
        headers={
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            **(headers or {}),
        },
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=REQUEST_TIMEOUT,
        follow_redirects=False,
    )


async def _get(client, path):
    response = await client.get(path)
    await response.aread()
    return response.status_code == 200


async def _accept(client, item):
    response = await client.post(
        item["path"],
        content=urllib.parse.urlencode({"slot": item["slot"], "csrfmiddlewaretoken": CSRF}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={item['cookie']}; csrftoken={CSRF}",
        },
    )
    return response.status_code == 302 and "/b2b/meetings/" in response.headers.get("location", "")


async def phase(base, clients, duration, work, headers=None, client=new_client):
    """
    `clients` clients for `duration` seconds: client i gets (cookie, step)
    from work(i) and sends step()'s request again and again until the time
    is up or step() returns None; `headers` go with every request, and
    `client` (base, cookie, headers) makes each client (bench/load/lean.py
    has a cheaper one than httpx). Returns the samples (ok, latency in ms,
    answered in time) and the seconds the phase lasted, counted as wrk
    counts: up to the deadline, or to the last answer if all ended sooner.
    """
    samples = []
    started = time.monotonic()
    deadline = started + duration

    async def one(i):
        cookie, step = work(i)
        async with client(base, cookie, headers) as connection:
            while time.monotonic() < deadline:
                request = step()
                if request is None:
                    return
                sent = time.perf_counter()
                try:
                    ok = await request(connection)
                except httpx.HTTPError:
                    ok = False
                latency = (time.perf_counter() - sent) * 1000
                samples.append((ok, latency, time.monotonic() <= deadline))

    await asyncio.gather(*(one(i) for i in range(clients)))
    return samples, min(time.monotonic(), deadline) - started


def get_work(path, cookies):
    """Client i, logged in with cookies[i] (if any), gets `path` again and again."""

    def request(client):
        return _get(client, path)

    def work(i):
        return (cookies[i % len(cookies)] if cookies else None), lambda: request

    return work


def accept_work(items, clients):
    """Client i posts every clients-th accept, each with its recipient's session."""

    def work(i):
        mine = iter(items[i::clients])

        def step():
            item = next(mine, None)
            return None if item is None else (lambda client: _accept(client, item))

        return None, step

    return work


def row(page, clients, samples, seconds):
    """Requests/s of those answered within the phase; latency and errors of all."""
    latencies = [ms for ok, ms, _in_time in samples if ok]
    answered = sum(1 for ok, _ms, in_time in samples if ok and in_time)
    return {
        "page": page,
        "clients": clients,
        "rps": round(answered / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "errors": sum(1 for ok, _ms, _in_time in samples if not ok),
    }


@contextlib.contextmanager
def writes_elsewhere(per_second):
    """
    While inside: a thread of this process commits `per_second` writes a
    second, as other delegates would (a listed delegate's job title, which
    the directory shows), through Django, so each one moves the data version.
    """
    from accounts.models import Registration

    ids = list(
        Registration.objects.filter(conference__slug=SLUG, directory_consent=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    stop = threading.Event()

    def write():
        from django.db import connection

        try:
            for turn in itertools.count():
                if stop.wait(1 / per_second):
                    return
                Registration.objects.filter(pk=ids[turn % len(ids)]).update(
                    job_title=f"Director ({turn})"
                )
        finally:
            connection.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join(10)


def measure(base, clients, duration, warmup, logins, accepts):
    results = []
    for page, path, cookies in pages(logins):
        work = get_work(path, cookies)
        asyncio.run(phase(base, clients, warmup, work, client=lean_client))
        cpu = time.process_time()
        samples, seconds = asyncio.run(phase(base, clients, duration, work, client=lean_client))
        results.append(row(page, clients, samples, seconds))
        # Near 100 %, the client and not the server would be what is measured.
        busy = (time.process_time() - cpu) / seconds * 100
        log(f"{page}: {results[-1]} (client CPU {busy:.0f} % of one core)")
    # The directory again while others write: each committed write makes
    # every kept signed-in page render afresh (conference/core/private_cache.py).
    _page, path, cookies = next(p for p in pages(logins) if p[0] == "directory")
    with writes_elsewhere(WRITES_PER_SECOND):
        samples, seconds = asyncio.run(
            phase(base, clients, duration, get_work(path, cookies), client=lean_client)
        )
    results.append(row("directory_writes", clients, samples, seconds))
    log(f"directory_writes: {results[-1]} ({WRITES_PER_SECOND} writes/s elsewhere)")
    samples, seconds = asyncio.run(phase(base, clients, duration, accept_work(accepts, clients)))
    results.append(row("accept", clients, samples, seconds))
    log(f"accept: {results[-1]} of {len(accepts)} prepared")
    return results


# Main ------------------------------------------------------------------------------


def load_arguments(parser):
    """The load options every load benchmark takes (this one, bench_cluster.py)."""
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--accepts", type=int, default=400)


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load_arguments(parser)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--scale", choices=["demo", "large"], default="large", help="seed_demo's scale"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.accepts = 3.0, 1.0, 100

    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(DEADLINE_SECONDS)
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_load"
    )
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    fresh = is_bench_database(database_url)
    workers = int(os.getenv("BENCH_WORKERS") or 2 * (os.cpu_count() or 1))
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-load-static-")
    env = server_env(
        name="load",
        database_url=database_url,
        redis_url=redis_url,
        port=port,
        static_root=static_root,
    )
    os.environ.update(env)
    server = None
    email_ids = set()
    try:
        log(f"database {database_url}, redis {redis_url}, {workers} gunicorn workers")
        if fresh:
            recreate_database(database_url)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        seed = [PYTHON, "manage.py", "seed_demo", "-v", "0"]
        if args.scale == "large":
            seed += ["--scale", "large"]
        run(seed, env, 1200, log)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)

        import django

        django.setup()
        from django.db import connection

        from conference.core.models import OutgoingEmail

        if connection.vendor != "postgresql":
            raise SystemExit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
        clean_previous_runs()
        first_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
        logins = prepare_logins(args.clients)
        accepts = prepare_accepts(args.accepts)
        connection.close()

        server = server_start(
            app="conference.wsgi:application", port=port, env=env, workers=workers, log=log
        )
        wait_until_up(f"http://127.0.0.1:{port}/events/{SLUG}/agenda/")
        waited, quiet = wait_for_quiet(int(os.getenv("BENCH_QUIET_WAIT", "300")))
        log(f"waited {waited} s for a quiet machine (quiet: {quiet}); load {os.getloadavg()}")
        results = measure(
            f"http://127.0.0.1:{port}", args.clients, args.duration, args.warmup, logins, accepts
        )
        log(f"load average after: {os.getloadavg()}")
        email_ids = set(
            OutgoingEmail.objects.filter(pk__gt=first_email or 0).values_list("pk", flat=True)
        )
    finally:
        server_stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        if email_ids:
            log(f"removed {purge_queued_deliveries(redis_url, email_ids)} queued deliveries")
        if fresh:
            from django.db import connections

            connections.close_all()
            drop_database_unless_kept(database_url, log)
        signal.alarm(0)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(args.out)
    log(f"wrote {args.out}")
    errors = sum(r["errors"] for r in results)
    if errors:
        log(f"{errors} errors: the target is none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
