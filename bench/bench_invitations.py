"""
Benchmark of bulk invitations. The targets of the invitations issue:

1. Import and queue: a 2,000-row CSV is imported (`invitation_import_csv`)
   and every invitation's email is queued (`invitation_send_job_run`: an
   outbox row each, delivery tasks sent to the broker on commit) in under
   5 s. Measured three times (a new conference each); the median counts.
2. Delivery: one Celery worker, started as docker-compose.yml starts it
   (prefork pool, one process per CPU), delivers those emails to a local
   SMTP sink at 100 emails/s or more. A bulk send queues one delivery
   task per 25 emails, each sent over one SMTP session
   (`conference.core.services.email_queue_many` / `outbox_deliver_many`).

It runs on a PostgreSQL database of its own (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_invitations, dropped and
created afresh, and dropped at the end unless BENCH_KEEP_DB=1), a
redis-server of its own on a free port (no persistence) as the broker and
cache, and an aiosmtpd sink in this process; so it touches nothing shared.
The worker uses persistent database connections (DB_CONN_MAX_AGE=60, as
docker-compose.yml). Bounded: at most DEADLINE_SECONDS; the worker and Redis
are stopped whatever happens. Before measuring it waits up to
BENCH_QUIET_WAIT seconds (default 180) for the load average to drop below
the CPU count, and records the load. Results: bench/results/invitations.json.
"""

import json
import logging
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root for `bench.*`
    sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
    RedisServer,
    drop_database_unless_kept,
    free_port,
    recreate_database,
    wait_for_quiet,
)

RESULTS = ROOT / "bench" / "results" / "invitations.json"
ROWS = 2000
ROUNDS = 3  # import-and-queue measurements; the median is reported
TARGET_QUEUE_SECONDS = 5.0
TARGET_DELIVERY_PER_SECOND = 100.0
DEADLINE_SECONDS = 10 * 60
DATABASE_URL = os.getenv(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_invitations"
)
KINDS = ["recycler", "oem", "financier", "government", "research", "industry_body", "other"]
STARTED = time.monotonic()


def log(message):
    print(f"[bench_invitations] {message}", flush=True)


def wait_for(condition, what, timeout):
    deadline = min(time.monotonic() + timeout, STARTED + DEADLINE_SECONDS)
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise RuntimeError(f"Timed out waiting for {what}")


class CountingSink:
    """An SMTP handler that only counts, and notes when the first and last arrived."""

    def __init__(self):
        self.count = 0
        self.first_at = None
        self.last_at = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            now = time.monotonic()
            self.count += 1
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 2.0.0 OK"


def make_csv():
    lines = ["email;name;organisation;kind;country"]  # semicolons, as Excel writes them
    for n in range(ROWS):
        org = n % 120
        lines.append(
            f"delegate{n}@example.org;Delegate {n};Organisation {org};{KINDS[org % len(KINDS)]};"
            f"{['IN', 'JP', 'AU', 'US'][org % 4]}"
        )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main():
    waited, quiet = wait_for_quiet(float(os.getenv("BENCH_QUIET_WAIT", "180")))
    load_before = round(os.getloadavg()[0], 2)
    log(f"load average {load_before} (waited {waited} s for a quiet machine; quiet: {quiet})")
    redis = RedisServer()
    worker = None
    worker_log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log")  # noqa: SIM115
    try:
        recreate_database(DATABASE_URL)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "conference.settings",
                "DATABASE_URL": DATABASE_URL,
                "REDIS_URL": redis.url,
                "DEBUG": "False",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "SECURE_SSL_REDIRECT": "False",
                "CELERY_TASK_ALWAYS_EAGER": "False",
            }
        )
        import django

        django.setup()
        from aiosmtpd.controller import Controller
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from accounts import services
        from accounts.models import Invitation
        from conference.core.models import Conference, ConferenceRole, Job, OutgoingEmail, Role

        log("migrating")
        call_command("migrate", verbosity=0)
        from accounts.models import User

        organiser = User.objects.create_user("organiser@example.org", "bench-pass-2026")
        data = make_csv()

        def send(conference, csv):
            """Import a CSV and run its bulk-send job; returns (import s, queue s)."""
            ConferenceRole.objects.create(
                conference=conference, user=organiser, role=Role.ORGANISER
            )
            t0 = time.monotonic()
            report = services.invitation_import_csv(
                conference=conference, actor=organiser, data=csv
            )
            t1 = time.monotonic()
            job = Job.objects.create(conference=conference, kind=services.JOB_INVITATIONS_SEND)
            job = services.invitation_send_job_run(job_id=job.pk)
            t2 = time.monotonic()
            assert not report.errors and job.status == Job.Status.DONE, (report, job)
            assert job.done == report.created
            return t1 - t0, t2 - t1

        next_year = datetime.now(UTC).date().replace(year=datetime.now(UTC).year + 1)

        def new_conference(slug):
            return Conference.objects.create(
                name=slug, slug=slug, start_date=next_year, end_date=next_year
            )

        # Warm up as a running web process and worker are: URLs loaded, templates
        # compiled, database and broker connected (a 5-row send).
        send(
            new_conference("warm-up"),
            b"email\n" + b"".join(f"warm{n}@example.org\n".encode() for n in range(5)),
        )

        # 1. Import and queue, in this process, as the web and the job would;
        # ROUNDS times, each a new conference, as the machine is shared.
        rounds = []
        for n in range(ROUNDS):
            import_s, queue_s = send(new_conference(f"bench-{n}"), data)
            rounds.append(
                {
                    "import_s": round(import_s, 3),
                    "queue_s": round(queue_s, 3),
                    "total_s": round(import_s + queue_s, 3),
                }
            )
            log(
                f"round {n + 1}: import {import_s:.2f} s, queue {queue_s:.2f} s, "
                f"total {import_s + queue_s:.2f} s"
            )
        assert OutgoingEmail.objects.filter(kind="invitation").count() == ROUNDS * ROWS + 5
        assert not Invitation.objects.filter(status=Invitation.Status.QUEUED).exists()
        import redis as redis_client

        queued_tasks = redis_client.Redis.from_url(redis.url).llen("mail")
        assert queued_tasks > 0, "no delivery task reached the broker"
        totals = sorted(r["total_s"] for r in rounds)
        median_total = totals[len(totals) // 2]

        # 2. Delivery by one worker process to a local SMTP sink.
        sink = CountingSink()
        smtp_port = free_port()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        db = connection.settings_dict
        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "DB_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "conference",
            "worker",
            "--queues=mail",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        log("starting one worker (as docker-compose.yml runs it) on the mail queue")
        t3 = time.monotonic()
        worker = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT
        )
        total = ROUNDS * ROWS + 5  # and the warm-up's five
        wait_for(lambda: sink.count >= total or worker.poll() is not None, "delivery", 300)
        t4 = time.monotonic()
        if sink.count < total:
            raise RuntimeError(f"Only {sink.count} delivered:\n{Path(worker_log.name).read_text()}")
        wait_for(
            lambda: OutgoingEmail.objects.filter(status="sent").count() == total, "rows sent", 30
        )
        controller.stop()
        delivery_seconds = sink.last_at - sink.first_at
        rate = (total - 1) / delivery_seconds
        log(
            f"delivered {sink.count} in {delivery_seconds:.2f} s: {rate:.0f} emails/s "
            f"({t4 - t3:.2f} s including worker start-up)"
        )

        results = {
            "rows": ROWS,
            "rounds": rounds,
            "import_and_queue_median_s": median_total,
            "import_and_queue_best_s": totals[0],
            "import_and_queue_target_s": TARGET_QUEUE_SECONDS,
            "import_and_queue_met": median_total < TARGET_QUEUE_SECONDS,
            "delivered": sink.count,
            "delivery_s": round(delivery_seconds, 3),
            "delivery_with_worker_start_s": round(t4 - t3, 3),
            "delivery_emails_per_s": round(rate, 1),
            "delivery_target_emails_per_s": TARGET_DELIVERY_PER_SECOND,
            "delivery_met": rate >= TARGET_DELIVERY_PER_SECOND,
            "delivery_tasks": queued_tasks,
            "worker": (
                f"one `celery worker` as in docker-compose.yml: prefork pool, concurrency "
                f"{os.cpu_count()} (the CPU count), mail queue, DB_CONN_MAX_AGE=60"
            ),
            "smtp": "aiosmtpd in the benchmark process on 127.0.0.1; one session per task",
        }
        output = {
            "name": "invitations",
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.monotonic() - STARTED, 1),
            "environment": {
                "database": f"{connection.vendor} ({db['NAME']})",
                "python": platform.python_version(),
                "django": django.get_version(),
                "cpu_count": os.cpu_count(),
                "debug": settings.DEBUG,
                # Other work on the machine slows the wall times: the load says how much.
                "load_average_1m_before": load_before,
                "load_average_1m_after": round(os.getloadavg()[0], 2),
            },
            "results": results,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        tmp = RESULTS.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(output, indent=2) + "\n")
        tmp.replace(RESULTS)
        log(f"results in {RESULTS.relative_to(ROOT)}")
        connection.close()
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        redis.stop()
        worker_log.close()
        drop_database_unless_kept(DATABASE_URL, log)


if __name__ == "__main__":
    main()
