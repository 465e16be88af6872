"""
A real Celery worker (a `celery worker` subprocess) consuming from Redis.

The worker is started like the one in docker-compose.yml, on the test
database (committed rows only, hence `transactional_db`) and a real SMTP
server; one worker serves the whole module (the `worker` fixture, in
tests/conftest.py). Every wait is bounded and the worker is always stopped.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from conference.core import services, tasks
from conference.core.models import Heartbeat, OutgoingEmail
from tests.factories import HeartbeatFactory, OutgoingEmailFactory
from tests.helpers import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.usefixtures("email_templates")]


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
