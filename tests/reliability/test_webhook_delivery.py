"""
Fault tests of webhook delivery: a real Celery worker subprocess POSTs to a
real local receiver (tests/helpers/webhook_receiver.py, allow-listed for the
worker and this process). The worker is killed (SIGKILL) while a receiver
is answering; Redis, without persistence, is stopped with deliveries queued
in it. The rows are in PostgreSQL: after the restart, the sweep (sent here
every few seconds, by beat every minute in production) delivers every
message at least once, each resource's messages in order, and none is lost.
"""

import contextlib
import itertools
import time

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from conference.api.models import WebhookMessage
from conference.api.webhooks import services
from conference.celery import app as celery_app
from conference.core.events import EVENT_TYPES, Event, events_publish
from tests.helpers.webhook_receiver import Receiver
from tests.reliability.processes import Worker, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# Per step of a delivery, in the worker; a claim's lease is 3 × this + 5 s,
# after which the sweep takes a message over from a dead worker.
TIMEOUT_SECONDS = 2
# How long the receiver takes to answer while the test strikes.
ANSWER_SECONDS = 1.5
RESOURCES = ("meeting:1", "meeting:2", "registration:3")


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def workers(own_redis, smtp_sink, monkeypatch):
    """Start workers with `workers.start()`; every one is stopped at the end."""
    monkeypatch.setenv("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", str(TIMEOUT_SECONDS))
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "1")
    started = []

    class Workers:
        def start(self):
            worker = Worker(own_redis.url, smtp_sink)
            started.append(worker)
            worker.wait_until_ready()
            return worker

        def log(self):
            return "\n".join(f"--- worker {i} ---\n{w.log()}" for i, w in enumerate(started))

    try:
        yield Workers()
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def hook(conference, organiser, receiver):
    endpoint, secret = services.endpoint_create(
        conference=conference, actor=organiser, url=receiver.url, event_types=list(EVENT_TYPES)
    )
    endpoint.plain_secret = secret
    return endpoint


def webhook_sweep():
    """What beat sends every minute; refused quietly while the broker reconnects."""
    with contextlib.suppress(Exception):  # the next round tries again
        celery_app.send_task("conference.api.tasks.webhook_sweep", retry=False)


def announce(conference, rounds=2):
    """`rounds` events for each resource, each in its own committed transaction: their messages."""
    known = set(WebhookMessage.objects.values_list("pk", flat=True))
    for n in range(rounds):
        for resource in RESOURCES:
            with transaction.atomic():
                events_publish(
                    conference=conference,
                    events=[Event("meeting.rescheduled", resource, {"round": n})],
                )
    return list(WebhookMessage.objects.exclude(pk__in=known).order_by("pk"))


def all_delivered():
    return not WebhookMessage.objects.exclude(status=WebhookMessage.Status.DELIVERED).exists()


def assert_every_message_arrived_in_order(messages, receiver, secret):
    """At least once each, signed; a resource's next message only after its last try."""
    ids = receiver.ids()
    assert set(ids) == {m.message_id for m in messages}
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)
    for resource in RESOURCES:
        ours = [m.message_id for m in messages if m.resource == resource]
        for before, after in itertools.pairwise(ours):
            last_try = max(i for i, found in enumerate(ids) if found == before)
            first_try = ids.index(after)
            assert last_try < first_try, (resource, ids)


def test_a_real_worker_delivers_signed_messages_in_order(conference, hook, receiver, workers):
    workers.start()

    messages = announce(conference)

    wait_for(all_delivered, "every message to be delivered", log=workers.log, timeout=60)
    assert_every_message_arrived_in_order(messages, receiver, hook.plain_secret)
    assert len(receiver.requests) == len(messages)


def test_a_worker_killed_mid_delivery_loses_no_message(conference, hook, receiver, workers):
    first = workers.start()
    receiver.delay = ANSWER_SECONDS

    messages = announce(conference)

    # The worker waits for the receiver's answer to a message: kill it.
    assert receiver.receiving.wait(timeout=30), first.log()
    first.kill()
    receiver.delay = 0
    (abandoned,) = WebhookMessage.objects.filter(status=WebhookMessage.Status.SENDING)
    assert abandoned.attempts == 1

    # A new worker takes the queued deliveries; once the abandoned claim's
    # lease is over, the sweep sends that message again, then its followers.
    workers.start()
    wait_for(
        all_delivered,
        "every message to be delivered",
        log=workers.log,
        timeout=90,
        every=webhook_sweep,
    )

    assert_every_message_arrived_in_order(messages, receiver, hook.plain_secret)
    abandoned.refresh_from_db()
    assert abandoned.attempts == 2
    # More sweeps send nothing more.
    sent = len(receiver.requests)
    for _ in range(3):
        webhook_sweep()
        time.sleep(0.5)
    assert len(receiver.requests) == sent


def test_with_redis_stopped_mid_delivery_every_message_arrives_once_it_is_back(
    conference, hook, receiver, workers, own_redis
):
    workers.start()
    receiver.delay = ANSWER_SECONDS

    messages = announce(conference)
    # Redis (no persistence) goes while a delivery waits for its answer: the
    # deliveries queued in it are gone with it.
    assert receiver.receiving.wait(timeout=30), workers.log()
    own_redis.stop()
    receiver.delay = 0
    # Changes still commit, and their messages are recorded, with Redis down.
    started = time.monotonic()
    messages += announce(conference, rounds=1)
    assert time.monotonic() - started < 10
    assert not all_delivered()

    own_redis.start()
    wait_for(
        all_delivered,
        "every message to be delivered",
        log=workers.log,
        timeout=120,
        every=webhook_sweep,
    )

    assert_every_message_arrived_in_order(messages, receiver, hook.plain_secret)
