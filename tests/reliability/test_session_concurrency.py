"""
Session capacity under real contention: twenty delegates press "Sign up"
for a five-place workshop at the same instant, each request in its own
thread on its own PostgreSQL connection. Exactly five get a place, the
others wait in line, nobody gets a 500. The control test runs the same
check-then-insert without the session lock and overbooks the workshop.
"""

import time

import pytest
from django.db import transaction

from sessions_app import selectors
from sessions_app.models import SessionSignup
from tests.factories import RegistrationFactory, SessionFactory
from tests.reliability.parallel import WINDOW_SECONDS, crashes, kinds, run_together, slowed
from tests.sessions_app.conftest import login, publish, url

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20
CAPACITY = 5


class Full(Exception):
    pass


@pytest.fixture
def workshop(conference, organiser):
    session = SessionFactory(
        conference=conference, kind="workshop", capacity=CAPACITY, signup_required=True
    )
    publish(conference, organiser)
    return session


def delegates(conference, n):
    return [RegistrationFactory(conference=conference, approved=True) for _ in range(n)]


def test_twenty_delegates_signing_up_at_once_fill_five_places_and_wait_in_line(
    conference, workshop, monkeypatch
):
    people = delegates(conference, THREADS)
    clients = [login(registration.user) for registration in people]
    path = url(conference, f"agenda/sessions/{workshop.pk}/signup/")
    # The check after the lock takes as long as the control's unlocked check.
    monkeypatch.setattr(selectors, "signup_live_for", slowed(selectors, "signup_live_for"))

    outcomes = run_together(lambda i: clients[i].post(path).status_code, THREADS)

    assert crashes(outcomes) == []
    assert outcomes == [("ok", 302)] * THREADS
    workshop.refresh_from_db()
    statuses = list(SessionSignup.objects.filter(session=workshop).values_list("status", flat=True))
    assert workshop.taken == CAPACITY
    assert statuses.count("confirmed") == CAPACITY
    assert statuses.count("waitlisted") == THREADS - CAPACITY


def test_one_delegate_pressing_sign_up_in_ten_tabs_at_once_gets_one_place(
    conference, workshop, delegate
):
    tabs = [login(delegate) for _ in range(10)]
    path = url(conference, f"agenda/sessions/{workshop.pk}/signup/")

    outcomes = run_together(lambda i: tabs[i].post(path).status_code, len(tabs))

    assert outcomes == [("ok", 302)] * len(tabs)
    workshop.refresh_from_db()
    assert workshop.taken == 1
    assert SessionSignup.objects.filter(registration=delegate.registration).count() == 1


def test_control_the_same_check_then_insert_without_the_lock_overbooks(conference, workshop):
    """
    What session_signup would do without its lock, counter and constraint:
    count the confirmed places, then insert. Every thread counts before any
    commits, so more than five get a place. The test above shows the
    service, with the same time between check and write, never does.
    """
    people = delegates(conference, THREADS)

    def unlocked_signup(i):
        with transaction.atomic():
            confirmed = SessionSignup.objects.filter(session=workshop, status="confirmed").count()
            time.sleep(WINDOW_SECONDS)
            if confirmed >= CAPACITY:
                raise Full
            SessionSignup.objects.create(
                session=workshop, registration=people[i], status="confirmed"
            )

    outcomes = run_together(unlocked_signup, THREADS, refusals=(Full,))

    assert crashes(outcomes) == []
    confirmed = SessionSignup.objects.filter(session=workshop, status="confirmed").count()
    assert confirmed == kinds(outcomes).count("ok")
    assert confirmed > CAPACITY, "the race did not happen: the control proves nothing"
