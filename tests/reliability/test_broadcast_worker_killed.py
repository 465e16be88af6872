"""
Fault test: a broadcast to 2,000 people, with the Celery worker killed
(SIGKILL) twice: once while it prepares the messages, once halfway through
delivering them. Every person gets the message exactly once.

A real worker subprocess (solo pool, its own Redis as broker) prepares the
broadcast's outbox rows and delivers them through a real SMTP server on
127.0.0.1. The first worker is killed once a few hundred rows are written;
the second is killed while the server holds its answer to message 1,001, so
the server has accepted exactly 1,000 and the one in flight was never
delivered (RFC 5321, 6.1: delivered means answered "250"). The sweeps that
beat sends every minute are sent here every second or so; the times after
which a run's lease and a "sending" row count as abandoned are shortened in
the workers from minutes to seconds.
"""

import asyncio
import collections
import contextlib
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from accounts.models import Registration, User
from conference.core.models import Job, OutgoingEmail
from conference.portal.broadcasts import services
from conference.portal.broadcasts.audience import Audience
from conference.portal.broadcasts.models import Broadcast
from tests.helpers import free_port
from tests.helpers.smtp import SmtpSink
from tests.reliability.processes import Worker, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 2000
HALFWAY = RECIPIENTS // 2
LEASE_SECONDS = 3
SENDING_TIMEOUT_SECONDS = 6

# `celery worker` with the abandonment times shortened (see the module docstring).
_WORKER = """
import datetime, os, sys
import django
django.setup()
import conference.core.services
import conference.portal.broadcasts.services as broadcasts
conference.core.services.SENDING_TIMEOUT = datetime.timedelta(seconds=float(os.environ["T"]))
broadcasts.LEASE = datetime.timedelta(seconds=float(os.environ["L"]))
from celery.__main__ import main
sys.argv = ["celery", *sys.argv[1:]]
sys.exit(main())
"""


class HoldingSmtpSink(SmtpSink):
    """The SMTP sink, which holds its answer to every message after the first `hold_after`."""

    def __init__(self, host, port):
        super().__init__(host, port)
        self.hold_after = None
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        while self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.holding.set()
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink():
    sink = HoldingSmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.hold_after = None
        controller.stop()


@pytest.fixture
def workers(own_redis, sink):
    started = []

    class Workers:
        def start(self):
            worker = Worker(
                own_redis.url,
                sink,
                sending_timeout=SENDING_TIMEOUT_SECONDS,
                program=[sys.executable, "-c", _WORKER],
                extra_env={"L": str(LEASE_SECONDS)},
            )
            started.append(worker)
            worker.wait_until_ready()
            return worker

        def log(self):
            return "\n".join(
                f"--- worker {i} ---\n{w.log()[-3000:]}" for i, w in enumerate(started)
            )

    try:
        yield Workers()
    finally:
        for worker in started:
            with contextlib.suppress(Exception):
                worker.stop()


def sweeps():
    """What beat sends every minute: the outbox and broadcast sweeps."""
    from conference.celery import app

    with contextlib.suppress(Exception):
        app.send_task("conference.core.tasks.outbox_sweep", retry=False)
        app.send_task("conference.portal.broadcasts.tasks.broadcasts_sweep", retry=False)


def two_thousand_delegates(conference):
    users = User.objects.bulk_create(
        User(email=f"delegate{n}@example.org", given_name=f"D{n}", family_name="Test")
        for n in range(RECIPIENTS)
    )
    Registration.objects.bulk_create(
        Registration(conference=conference, user=user, status=Registration.Status.APPROVED)
        for user in users
    )


def test_a_broadcast_to_2000_people_with_the_worker_killed_twice_delivers_each_exactly_once(
    conference, organiser, own_redis, workers, sink
):
    two_thousand_delegates(conference)
    broadcast = services.broadcast_save(
        conference=conference,
        actor=organiser,
        title="Plenary moved",
        texts={"en": {"subject": "Plenary moved, {first_name}", "body": "See {portal_link}."}},
        audience=Audience(),
    )
    first = workers.start()
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    broadcast.refresh_from_db()
    assert len(broadcast.recipients) == RECIPIENTS

    # 1. Killed while preparing: some rows written, the run not finished.
    wait_for(
        lambda: Job.objects.get(pk=broadcast.job_id).done >= 400,
        "the run to prepare 400 messages",
        log=workers.log,
        interval=0.02,
    )
    first.kill()
    prepared = OutgoingEmail.objects.filter(batch=broadcast.batch).count()
    assert 400 <= prepared < RECIPIENTS, prepared
    assert Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.SENDING

    # 2. Killed halfway through delivery, while the server holds message 1,001.
    sink.hold_after = HALFWAY
    second = workers.start()
    wait_for(
        lambda: sink.holding.is_set(),
        "1,000 messages to be delivered",
        log=workers.log,
        timeout=240,
        every=sweeps,
        interval=1,
    )
    second.kill()
    assert len(sink.messages) == HALFWAY
    sink.hold_after = None

    # 3. A new worker and the sweeps finish the job.
    workers.start()
    wait_for(
        lambda: (
            Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.SENT
            and not OutgoingEmail.objects.filter(batch=broadcast.batch)
            .exclude(status="sent")
            .exists()
        ),
        "every message to be sent",
        log=workers.log,
        timeout=300,
        every=sweeps,
        interval=1,
    )
    # More sweeps bring no second copy.
    for _ in range(3):
        sweeps()
        time.sleep(1)

    delivered = collections.Counter(m["message"]["X-Portal-Message"] for m in sink.messages)
    expected = {services.dedup_key(broadcast, pk) for pk in broadcast.recipients}
    assert set(delivered) == expected
    assert max(delivered.values()) == 1, [key for key, n in delivered.items() if n > 1][:5]
    assert len(sink.messages) == RECIPIENTS
    assert OutgoingEmail.objects.filter(batch=broadcast.batch, status="sent").count() == RECIPIENTS
    recipients = collections.Counter(m["to"][0] for m in sink.messages)
    assert len(recipients) == RECIPIENTS and max(recipients.values()) == 1
    job = Job.objects.get(pk=broadcast.job_id)
    assert job.status == Job.Status.DONE and job.done == RECIPIENTS
    connection.close()
