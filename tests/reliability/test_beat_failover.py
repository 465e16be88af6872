"""
Fault test: two Celery beat processes run; one of them is killed (SIGKILL).

Both beats start at once against the test database and a Redis of the
test's own, with the schedule shortened to a heartbeat every half second and
the standby asking for the leader lock every second (conference/core/beat.py).
No worker runs, so every task beat sends stays in the broker's queue, and
each message names the process that sent it (its `origin` header). Exactly
one beat sends; once it is killed, the other sends within the stated
takeover time, and the queue never shows the two taking turns.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from conference.core.beat import LOCK_KEY
from tests.helpers import database_url_of_tests
from tests.reliability.processes import LogFile, stop_process, wait_for

pytestmark = pytest.mark.django_db

HEARTBEAT_SECONDS = 0.5
RETRY_SECONDS = 1
# The README's takeover time (one retry interval, then the first heartbeat),
# plus room for a busy machine.
TAKEOVER_SECONDS = RETRY_SECONDS + HEARTBEAT_SECONDS + 3
STEADY_SECONDS = 3

# Run instead of `celery -A conference beat` to shorten the schedule to the heartbeat.
_BEAT_WITH_SHORT_SCHEDULE = """
import os, sys
import django
django.setup()
from conference.celery import app
heartbeat = app.conf.beat_schedule["heartbeat"]
app.conf.beat_schedule = {"heartbeat": {**heartbeat, "schedule": float(os.environ["T"])}}
from celery.__main__ import main
sys.argv = ["celery", *sys.argv[1:]]
sys.exit(main())
"""


class Beat:
    """`celery beat` with the short schedule, on the test database and the given Redis."""

    def __init__(self, redis_url, schedule_file):
        self.log = LogFile("celery-beat-")
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "REDIS_URL": redis_url,
            "CELERY_BEAT_LEADER_RETRY_SECONDS": str(RETRY_SECONDS),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "conference.settings",
            "T": str(HEARTBEAT_SECONDS),
        }
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-c", _BEAT_WITH_SHORT_SCHEDULE),
                *("-A", "conference", "beat", "--schedule", str(schedule_file), "--loglevel=INFO"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.origin = f"gen{self.process.pid}@"

    def kill(self):
        """SIGKILL, as the kernel's OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        stop_process(self.process)
        self.log.close()


@pytest.fixture
def beats(own_redis, tmp_path):
    # One schedule file for both, as two beats on one machine with the same settings have.
    started = [Beat(own_redis.url, tmp_path / "celerybeat-schedule") for _ in range(2)]
    try:
        yield started
    finally:
        for beat in started:
            beat.stop()


def heartbeat_senders(redis_url, beats):
    """Which beat sent each heartbeat in the queue, oldest first (None: neither)."""
    client = redis.Redis.from_url(redis_url)
    # kombu pushes on the left: the newest message comes first.
    messages = [json.loads(raw) for raw in reversed(client.lrange("default", 0, -1))]
    senders = []
    for message in messages:
        assert message["headers"]["task"] == "conference.core.tasks.heartbeat"
        origin = message["headers"]["origin"]
        senders.append(next((b for b in beats if origin.startswith(b.origin)), None))
    return senders


def logs_of(beats):
    return lambda: "\n".join(f"--- beat {b.process.pid} ---\n{b.log.read()}" for b in beats)


def test_one_beat_sends_and_the_other_takes_over_when_it_is_killed(own_redis, beats):
    logs = logs_of(beats)
    leader = wait_for(
        lambda: next(iter(heartbeat_senders(own_redis.url, beats)), None),
        "a beat to send its first heartbeat",
        log=logs,
    )
    (standby,) = (b for b in beats if b is not leader)

    time.sleep(STEADY_SECONDS)
    senders = heartbeat_senders(own_redis.url, beats)
    assert standby.process.poll() is None, logs()
    assert senders.count(leader) >= STEADY_SECONDS / HEARTBEAT_SECONDS / 2, logs()
    assert standby not in senders, f"Both beats sent periodic tasks.\n{logs()}"
    assert None not in senders

    leader.kill()
    wait_for(
        lambda: standby in heartbeat_senders(own_redis.url, beats),
        f"the standby beat to take over within {TAKEOVER_SECONDS} s",
        log=logs,
        timeout=TAKEOVER_SECONDS,
        interval=0.1,
    )
    sent_before = len(heartbeat_senders(own_redis.url, beats))
    wait_for(
        lambda: len(heartbeat_senders(own_redis.url, beats)) >= sent_before + 3,
        "the new leader to keep sending",
        log=logs,
    )

    senders = heartbeat_senders(own_redis.url, beats)
    turn = senders.index(standby)
    assert senders == [leader] * turn + [standby] * (len(senders) - turn), logs()


def test_a_leader_that_lost_its_database_session_stops_sending(own_redis, beats):
    """
    The leader's session is ended under it (a database restart or a cut
    network does the same) and the test takes the lock first: the old leader
    notices before it sends again, and nothing is sent until the lock is free.
    """
    logs = logs_of(beats)
    leader = wait_for(
        lambda: next(iter(heartbeat_senders(own_redis.url, beats)), None),
        "a beat to send its first heartbeat",
        log=logs,
    )
    with connection.cursor() as cursor:
        # A bigint key shows in pg_locks as its high and low halves.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s"
            " AND objsubid = 1 AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())",
            [LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF],
        )
        assert cursor.fetchall() == [(True,)]

        def take_lock():
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            return cursor.fetchone()[0]

        wait_for(take_lock, "the leader lock to be free", log=logs, interval=0.1)
        try:
            wait_for(
                lambda: "lost the leader lock" in leader.log.read(),
                "the leader to notice it lost the lock",
                log=logs,
                timeout=TAKEOVER_SECONDS,
                interval=0.1,
            )
            sent = len(heartbeat_senders(own_redis.url, beats))
            time.sleep(STEADY_SECONDS)
            assert len(heartbeat_senders(own_redis.url, beats)) == sent, logs()
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    wait_for(
        lambda: len(heartbeat_senders(own_redis.url, beats)) > sent,
        f"a beat to lead again within {TAKEOVER_SECONDS} s",
        log=logs,
        timeout=TAKEOVER_SECONDS,
        interval=0.1,
    )
