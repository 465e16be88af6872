"""
Fault test: Redis (broker and cache) goes down and comes back.

The test runs its own redis-server on a free port (never the shared one), a
real Celery worker subprocess consuming from it, and a real SMTP server.
While that Redis is stopped, an organiser invites people and an invitee
signs up and registers: every request succeeds promptly and every email is
an outbox row. When Redis is back, the periodic sweep (sent here as beat
would send it) gets every email delivered, exactly once.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Registration
from conference.celery import app as celery_app
from conference.models import OutgoingEmail

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# A request may take this long while Redis is down (the broker gives up at
# once, the cache backs off); far below any connection-retry loop.
PROMPT_SECONDS = 3.0
WAIT_SECONDS = 45


def wait_for(condition, what, log=None, timeout=WAIT_SECONDS, every=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if every:
            every()
        if condition():
            return
        time.sleep(0.5)
    detail = f"\n--- worker log ---\n{log()[-6000:]}" if log else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.{detail}")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server, no persistence, that the test stops and starts."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server).")
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._pings(client), "redis-server to start", timeout=10)

    @staticmethod
    def _pings(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


class Worker:
    """`celery worker` on the test database, the test's Redis and the SMTP sink."""

    def __init__(self, redis_url, sink):
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{auth}@{host}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "EMAIL_HOST": sink.host,
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_TIMEOUT": "5",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.logfile = tempfile.NamedTemporaryFile(prefix="outage-worker-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "conference",
                "worker",
                "--queues=mail,default,long",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self):
        with open(self.logfile.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_until_ready(self):
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, "the worker to start", log=self.log, timeout=30)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.logfile.close()


def _reset_broker_connections():
    """Make this process's Celery app connect anew, to the broker now configured."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings):
    """The test's Redis, as broker and cache of this process and of the worker."""
    server = OwnRedis()
    server.start()
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    _reset_broker_connections()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url, "KEY_PREFIX": "outage"}
    }
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.broker_url = previous
        _reset_broker_connections()


@pytest.fixture
def worker(own_redis, smtp_sink):
    process = Worker(own_redis.url, smtp_sink)
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


def _sweep():
    """What beat sends every minute; refused quietly while the broker reconnects."""
    with contextlib.suppress(Exception):  # the next round tries again
        celery_app.send_task("conference.tasks.outbox_sweep", retry=False)


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def test_with_redis_down_people_register_and_every_email_arrives_once_it_is_back(
    conference, organiser, own_redis, worker, smtp_sink
):
    conference.auto_approve = True
    conference.save()
    staff = Client()
    staff.force_login(organiser)
    own_redis.stop()

    # The organiser invites three people.
    invitations_url = reverse("accounts:invitations", args=[conference.slug])
    for n in range(3):
        response, took = _timed(
            lambda n=n: staff.post(
                invitations_url,
                {"invite-email": f"guest{n}@example.org", "invite-role": "delegate"},
            )
        )
        assert response.status_code == 302, response.content[:500]
        assert took < PROMPT_SECONDS, f"inviting took {took:.1f} s with Redis down"

    # One of them signs up from the link (log-in rate limits live in the cache)...
    invitation = Invitation.objects.get(email="guest0@example.org")
    guest = Client()
    guest.get(reverse("invitation", args=[invitation.token]))
    register_url = reverse("accounts:register", args=[conference.slug])
    response, took = _timed(
        lambda: guest.post(
            f"{reverse('account_signup')}?next={register_url}",
            {
                "given_name": "Guest",
                "password1": "a-long-pass-2026!",
                "password2": "a-long-pass-2026!",
            },
        )
    )
    assert response.status_code == 302 and response.url == register_url
    assert took < PROMPT_SECONDS, f"signing up took {took:.1f} s with Redis down"

    # ... and registers.
    response, took = _timed(
        lambda: guest.post(
            register_url,
            {
                "given_name": "Guest",
                "job_title": "Director",
                "nationality": "JP",
                "new_organisation_name": "Guest Motors",
                "new_organisation_kind": "oem",
                "id_document_type": "passport",
                "id_document_number": "TK123456",
                "id_document_expiry": "2035-01-01",
                "privacy_accepted": "on",
            },
        )
    )
    assert response.status_code == 302
    assert took < PROMPT_SECONDS, f"registering took {took:.1f} s with Redis down"
    assert Registration.objects.get(user__email="guest0@example.org").status == "approved"

    # Nothing was lost: every email is in the outbox, none could be delivered yet.
    expected = set(OutgoingEmail.objects.values_list("dedup_key", flat=True))
    assert len(expected) == 4  # three invitations and one confirmation
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"queued"}
    assert smtp_sink.messages == []

    # Redis is back: the worker reconnects and the sweep delivers the lot.
    own_redis.start()
    wait_for(
        lambda: not OutgoingEmail.objects.exclude(status="sent").exists(),
        "every email to be sent",
        log=worker.log,
        every=_sweep,
    )
    # A later email goes the ordinary way again (enqueued when its transaction commits).
    response = staff.post(
        invitations_url, {"invite-email": "later@example.org", "invite-role": "delegate"}
    )
    expected |= {f"invitation:{Invitation.objects.get(email='later@example.org').pk}:send:1"}
    wait_for(lambda: len(smtp_sink.messages) >= 5, "the later invitation", log=worker.log)

    # Exactly once: another sweep and a short wait bring no second copy.
    _sweep()
    time.sleep(2)
    delivered = [m["message"]["X-Portal-Message"] for m in smtp_sink.messages]
    assert sorted(delivered) == sorted(expected)
    assert OutgoingEmail.objects.filter(attempts=1, status="sent").count() == 5


def test_the_cache_answers_as_empty_while_redis_is_down():
    from conference.cache import ForgivingRedisCache

    cache = ForgivingRedisCache(f"redis://127.0.0.1:{_free_port()}/0", {"OPTIONS": {}})
    started = time.monotonic()

    assert cache.get("key", "default") == "default"
    assert cache.add("lock", 1) is True  # callers spin on add() as a lock
    assert cache.set("key", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("key") is False
    assert time.monotonic() - started < PROMPT_SECONDS
