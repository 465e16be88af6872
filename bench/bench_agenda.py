"""
Benchmark of the public agenda: `agenda/` and `agenda.ics` of the demo
conference seeded with `seed_demo --scale large`, served by gunicorn (4 sync
workers, DEBUG=0) from PostgreSQL with the Redis cache, measured with `wrk`
at 50 connections on 127.0.0.1. The target of the agenda issue is 200
requests/s for each on the 2-core machine.

It creates a PostgreSQL database of its own (dropped first, and again at the
end unless BENCH_KEEP_DB=1), so it never touches the development or test
databases; it stops its gunicorn whatever happens and is bounded in time.
Results go to bench/results/agenda.json.

Settings (environment): BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/portal_bench_agenda), BENCH_REDIS_URL
(default REDIS_URL or redis://127.0.0.1:6379/0; keys get a fresh prefix),
BENCH_DURATION (seconds per URL, default 15), BENCH_CONNECTIONS (50),
BENCH_THREADS (2), BENCH_CONN_MAX_AGE (persistent database connections,
default 60 as in production).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root for `bench.*`
    sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
    PYTHON,
    drop_database_unless_kept,
    free_port,
    recreate_database,
    run,
    server_env,
    server_start,
    server_stop,
    wait_until_up,
)

RESULTS = ROOT / "bench" / "results" / "agenda.json"
SLUG = "bcmec"
TARGET_RPS = 200
PATHS = {"agenda": f"/events/{SLUG}/agenda/", "agenda_ics": f"/events/{SLUG}/agenda.ics"}
BASELINE_PATH = "/static/img/favicon.svg"
DEADLINE_SECONDS = 30 * 60


def log(message):
    print(f"[bench_agenda] {message}", flush=True)


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def check_responses(base):
    """The benchmarked URLs answer what they should, and the ICS feed revalidates."""
    status, _headers, body = fetch(base + PATHS["agenda"])
    assert status == 200 and b"agenda-item" in body, f"agenda/ answered {status}"
    status, headers, body = fetch(base + PATHS["agenda_ics"])
    assert status == 200 and body.count(b"BEGIN:VEVENT") >= 80, f"agenda.ics answered {status}"
    status, _h, _b = fetch(base + PATHS["agenda_ics"], {"If-None-Match": headers["ETag"]})
    assert status == 304, f"agenda.ics with its ETag answered {status}"
    return {
        "agenda_html_bytes": len(fetch(base + PATHS["agenda"])[2]),
        "agenda_ics_bytes": len(body),
        "agenda_ics_events": body.count(b"BEGIN:VEVENT"),
    }


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return round(float(match.group(1)) * _UNITS[match.group(2)], 2) if match else None


def parse_wrk(output):
    result = {"raw": output.strip().splitlines()}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["requests_per_second"] = float(match.group(1))
    if match := re.search(r"(\d+) requests in ([\d.]+\w+)", output):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output):
        result["latency_avg_ms"] = _ms(match.group(1))
        result["latency_max_ms"] = _ms(match.group(3))
    for percentile in ("50", "90", "99"):
        if match := re.search(rf"^\s+{percentile}%\s+(\S+)", output, re.M):
            result[f"latency_p{percentile}_ms"] = _ms(match.group(1))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = sum(int(g) for g in match.groups()) if match else 0
    return result


def wrk(url, *, threads, connections, duration):
    args = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    log("$ " + " ".join(args))
    done = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60, check=True)
    return parse_wrk(done.stdout)


def query_counts(env):
    """SQL queries per request (cache miss, then hit) for each URL, in-process."""
    script = f"""
import json, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
cache.clear()
client = Client()
counts = {{}}
for name, path in {PATHS!r}.items():
    counts[name] = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, HTTP_HOST="127.0.0.1").status_code == 200
        counts[name].append(len(queries))
print(json.dumps(counts))
"""
    done = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "conference.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: {"cache_miss": c[0], "cache_hit": c[1]} for name, c in counts.items()}


def _out_of_time(signum, frame):
    raise TimeoutError(f"the benchmark took more than {DEADLINE_SECONDS} s")


def main():
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(DEADLINE_SECONDS)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    database_url = os.getenv(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_agenda"
    )
    redis_url = os.getenv("BENCH_REDIS_URL") or os.getenv("REDIS_URL") or "redis://127.0.0.1:6379/0"
    duration = int(os.getenv("BENCH_DURATION", "15"))
    connections = int(os.getenv("BENCH_CONNECTIONS", "50"))
    threads = int(os.getenv("BENCH_THREADS", "2"))
    conn_max_age = os.getenv("BENCH_CONN_MAX_AGE", "60")
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="bench-agenda-static-")
    env = server_env(
        name="agenda",
        database_url=database_url,
        redis_url=redis_url,
        port=port,
        static_root=static_root,
        conn_max_age=conn_max_age,
    )
    server = None
    try:
        log(f"database {database_url}, cache {redis_url}")
        recreate_database(database_url)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600, log)
        seed_started = time.monotonic()
        run([PYTHON, "manage.py", "seed_demo", "--scale", "large", "-v", "0"], env, 1200, log)
        seed_seconds = round(time.monotonic() - seed_started, 1)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, 300, log)
        queries = query_counts(env)

        server = server_start(
            app="conference.wsgi:application", port=port, env=env, workers=4, log=log
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + PATHS["agenda"])
        checks = check_responses(base)
        results = {}
        load_before = os.getloadavg()
        for name, path in PATHS.items():
            wrk(base + path, threads=threads, connections=connections, duration=3)  # warm-up
            results[name] = wrk(
                base + path, threads=threads, connections=connections, duration=duration
            )
            results[name]["url"] = path
            results[name]["meets_target"] = (
                results[name].get("requests_per_second", 0) >= TARGET_RPS
                and results[name]["non_2xx_3xx"] == 0
            )
            log(f"{path}: {results[name].get('requests_per_second')} requests/s")
        # For scale on a shared machine: a static file (whitenoise, no view,
        # no database) through the same server, measured the same way.
        baseline = wrk(
            base + BASELINE_PATH, threads=threads, connections=connections, duration=duration
        )
        baseline["url"] = BASELINE_PATH
    finally:
        server_stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        drop_database_unless_kept(database_url, log)
        signal.alarm(0)

    report = {
        "benchmark": "agenda",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target_requests_per_second": TARGET_RPS,
        "setup": {
            "data": "seed_demo --scale large",
            "server": "gunicorn, 4 sync workers, DEBUG=0, whitenoise",
            "database": "PostgreSQL",
            "cache": "Redis (django.core.cache)",
            "db_conn_max_age": int(conn_max_age),
            "client": f"wrk -t{threads} -c{connections} -d{duration}s on 127.0.0.1",
            "cpus": os.cpu_count(),
            "seed_seconds": seed_seconds,
            # The machine is shared: other processes' load shows here.
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "responses": checks,
        "queries_per_request": queries,
        "results": results,
        "baseline_static_file": {k: v for k, v in baseline.items() if k != "raw"},
        "total_seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    missed = [name for name, r in results.items() if not r["meets_target"]]
    if missed:
        log(f"below the target of {TARGET_RPS} requests/s: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
