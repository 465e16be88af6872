"""
Fault test: the Celery worker is killed (SIGKILL) in the middle of sending
an email, as the kernel's OOM killer or a lost machine would kill it.

A real worker subprocess delivers invitations through a real SMTP server
that takes a while to accept each message. The test kills the worker while
the first message waits for the server's answer, so the server never
accepted it and its outbox row is left "sending". A new worker delivers the
rest; the sweep finds the abandoned row once it has been "sending" longer
than SENDING_TIMEOUT (shortened in the worker from five minutes to a few
seconds) and sends it again. Every invitation arrives exactly once.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from conference.core.models import OutgoingEmail
from tests.reliability.processes import Worker, running_slow_smtp_sink, sweep, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

INVITATIONS = 4
# Seconds the SMTP server takes to accept a message, and after which a row
# left "sending" counts as abandoned (well above the first, as in production).
ACCEPT_SECONDS = 1.5
SENDING_TIMEOUT_SECONDS = 12


@pytest.fixture
def slow_sink():
    with running_slow_smtp_sink(ACCEPT_SECONDS) as sink:
        yield sink


@pytest.fixture
def workers(own_redis, slow_sink):
    """Start workers with `workers.start()`; every one is stopped at the end."""
    started = []

    class Workers:
        def start(self):
            worker = Worker(own_redis.url, slow_sink, sending_timeout=SENDING_TIMEOUT_SECONDS)
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


def test_a_worker_killed_mid_delivery_loses_no_email_and_sends_none_twice(
    conference, organiser, own_redis, workers, slow_sink
):
    first = workers.start()
    staff = Client()
    staff.force_login(organiser)
    for n in range(INVITATIONS):
        response = staff.post(
            reverse("accounts:invitations", args=[conference.slug]),
            {"invite-email": f"guest{n}@example.org", "invite-role": "delegate"},
        )
        assert response.status_code == 302
    expected = sorted(
        f"invitation:{pk}:send:1" for pk in Invitation.objects.values_list("pk", flat=True)
    )
    assert sorted(OutgoingEmail.objects.values_list("dedup_key", flat=True)) == expected

    # The worker is sending the first message and waits for the server's answer.
    assert slow_sink.receiving.wait(timeout=30), first.log()
    first.kill()

    abandoned = OutgoingEmail.objects.get(status="sending")
    assert abandoned.attempts == 1
    time.sleep(ACCEPT_SECONDS + 0.5)  # the server would have answered by now
    assert slow_sink.messages == []

    # A new worker takes the queued deliveries; the sweep (sent here every few
    # seconds, by beat every minute in production) recovers the abandoned row.
    workers.start()
    wait_for(
        lambda: not OutgoingEmail.objects.exclude(status="sent").exists(),
        "every email to be sent",
        log=workers.log,
        timeout=90,
        every=sweep,
    )

    # Exactly once: more sweeps bring no second copy.
    for _ in range(3):
        sweep()
        time.sleep(1)
    delivered = sorted(m["message"]["X-Portal-Message"] for m in slow_sink.messages)
    assert delivered == expected
    abandoned.refresh_from_db()
    assert abandoned.attempts == 2
    assert OutgoingEmail.objects.filter(attempts=1).count() == INVITATIONS - 1
