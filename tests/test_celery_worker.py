"""
A real Celery worker (a `celery worker` subprocess) consuming from Redis.

The worker is started like the one in docker-compose.yml, on the test
database (committed rows only, hence `transactional_db`) and a real SMTP
server; one worker serves the whole module. Every wait is bounded and the
worker is always stopped.
"""

import datetime
import os
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from conference.celery import app as celery_app
from conference.core import services, tasks
from conference.core.models import Heartbeat, OutgoingEmail
from tests.factories import HeartbeatFactory, OutgoingEmailFactory
from tests.smtp import running_smtp_sink
from tests.workers import celery_worker_argv

pytestmark = [pytest.mark.celery_worker, pytest.mark.usefixtures("email_templates")]

WAIT_SECONDS = 20


def wait_for(condition, what, log=None, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    detail = f"\n--- worker log ---\n{log()}" if log else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.{detail}")


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, env):
        self.name = f"pytest-{uuid.uuid4().hex[:8]}@%h"
        fd, self.logpath = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            self.process = self._start(env, log)

    def _start(self, env, log):
        return subprocess.Popen(
            celery_worker_argv(hostname=self.name),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self):
        with open(self.logpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_until_ready(self):
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, "the worker to start", log=self.log, timeout=30)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        os.unlink(self.logpath)


@pytest.fixture(scope="module")
def mail_server():
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def worker_process(django_db_setup, mail_server):
    """
    One worker for this module, on the mail, default and long queues,
    delivering to `mail_server`. It needs only the test database's name: each
    test commits its own rows (`transactional_db`).
    """
    # Messages left in the queues by an interrupted run would run first.
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_HOST": mail_server.host,
        "EMAIL_PORT": str(mail_server.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "5",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = WorkerProcess(env)
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture
def worker(transactional_db, settings, worker_process, mail_server):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    mail_server.reset()
    return worker_process


def status_of(email):
    return OutgoingEmail.objects.values_list("status", flat=True).get(pk=email.pk)


def queue(conference, dedup_key):
    with transaction.atomic():
        return services.email_queue(
            recipient="delegate@example.org",
            template="test_notice",
            context={"headline": "Your B2B meeting is confirmed."},
            kind="test",
            dedup_key=dedup_key,
            conference=conference,
        )


def test_the_worker_delivers_a_queued_email_exactly_once(conference, worker, mail_server):
    email = queue(conference, "worker:1")

    wait_for(lambda: status_of(email) == "sent", "the email to be sent", log=worker.log)
    assert len(mail_server.messages) == 1
    assert mail_server.messages[0]["message"]["X-Portal-Message"] == "worker:1"

    # A duplicate delivery task (a redelivered message) sends nothing; the
    # mail queue is first in, first out, so once a later email is sent the
    # duplicate has been handled.
    tasks.outbox_deliver.apply_async(args=(email.pk,))
    later = queue(conference, "worker:2")
    wait_for(lambda: status_of(later) == "sent", "the later email to be sent", log=worker.log)

    keys = [m["message"]["X-Portal-Message"] for m in mail_server.messages]
    assert keys == ["worker:1", "worker:2"]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1


def test_the_sweep_delivers_a_row_that_never_reached_the_broker(conference, worker, mail_server):
    # Written without enqueueing, as when the broker was down at commit time.
    email = OutgoingEmailFactory(conference=conference, dedup_key="worker:lost")

    tasks.outbox_sweep.apply_async()

    wait_for(lambda: status_of(email) == "sent", "the sweep to send the email", log=worker.log)
    assert [m["message"]["X-Portal-Message"] for m in mail_server.messages] == ["worker:lost"]


def test_the_heartbeat_task_updates_the_heartbeat_row(worker):
    stale = timezone.now() - datetime.timedelta(hours=1)
    HeartbeatFactory(beat_at=stale)
    started = timezone.now()

    tasks.heartbeat.apply_async()

    wait_for(
        lambda: Heartbeat.objects.filter(name="beat", beat_at__gte=started).exists(),
        "the heartbeat",
        log=worker.log,
    )
    assert Heartbeat.objects.count() == 1
