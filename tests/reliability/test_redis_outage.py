"""
Fault test: Redis (broker and cache) goes down and comes back.

The test runs its own redis-server on a free port (never the shared one), a
real Celery worker subprocess consuming from it, and a real SMTP server.
While that Redis is stopped, an organiser invites people and an invitee
signs up, registers and signs up for a workshop: every request succeeds
within two seconds and every email is an outbox row. When Redis is back,
the periodic sweep (sent here as beat would send it) gets every email
delivered, exactly once.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Registration
from conference.core.models import OutgoingEmail
from sessions_app.models import SessionSignup
from tests.factories import SessionFactory
from tests.helpers import free_port, publish
from tests.reliability.processes import Worker, sweep, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# A request may take this long while Redis is down (the broker gives up at
# once, the cache backs off); far below any connection-retry loop.
PROMPT_SECONDS = 2.0


@pytest.fixture
def worker(own_redis, smtp_sink):
    process = Worker(own_redis.url, smtp_sink)
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def test_with_redis_down_people_register_and_every_email_arrives_once_it_is_back(
    conference, organiser, own_redis, worker, smtp_sink
):
    conference.auto_approve = True
    conference.save()
    workshop = SessionFactory(
        conference=conference, kind="workshop", capacity=10, signup_required=True
    )
    publish(conference, organiser)
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

    # ... and signs up for a workshop on the agenda (whose page is cached in Redis).
    response, took = _timed(
        lambda: guest.get(reverse("sessions_app:agenda", args=[conference.slug]))
    )
    assert response.status_code == 200
    assert took < PROMPT_SECONDS, f"the agenda took {took:.1f} s with Redis down"
    response, took = _timed(
        lambda: guest.post(reverse("sessions_app:signup", args=[conference.slug, workshop.pk]))
    )
    assert response.status_code == 302
    assert took < PROMPT_SECONDS, f"signing up for a session took {took:.1f} s with Redis down"
    assert SessionSignup.objects.get(session=workshop).status == "confirmed"

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
        every=sweep,
    )
    # A later email goes the ordinary way again (enqueued when its transaction commits).
    response = staff.post(
        invitations_url, {"invite-email": "later@example.org", "invite-role": "delegate"}
    )
    expected |= {f"invitation:{Invitation.objects.get(email='later@example.org').pk}:send:1"}
    wait_for(lambda: len(smtp_sink.messages) >= 5, "the later invitation", log=worker.log)

    # Exactly once: another sweep and a short wait bring no second copy.
    sweep()
    time.sleep(2)
    delivered = [m["message"]["X-Portal-Message"] for m in smtp_sink.messages]
    assert sorted(delivered) == sorted(expected)
    assert OutgoingEmail.objects.filter(attempts=1, status="sent").count() == 5


def test_the_cache_answers_as_empty_while_redis_is_down():
    from conference.core.cache import ForgivingRedisCache

    cache = ForgivingRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {}})
    started = time.monotonic()

    assert cache.get("key", "default") == "default"
    assert cache.add("lock", 1) is True  # callers spin on add() as a lock
    assert cache.set("key", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("key") is False
    assert time.monotonic() - started < PROMPT_SECONDS
