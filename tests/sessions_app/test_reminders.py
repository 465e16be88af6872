"""Session reminders: due at each offset, exactly once, and again after a move."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from conference.celery import app
from conference.core.models import OutgoingEmail
from sessions_app import services
from sessions_app.models import Session
from sessions_app.tasks import session_reminder_sweep
from tests.factories import ConferenceFactory, RegistrationFactory, SessionFactory
from tests.helpers import publish

pytestmark = pytest.mark.django_db

minutes = datetime.timedelta(minutes=1)


def reminders():
    return OutgoingEmail.objects.filter(kind="session.reminder")


def sweep(at):
    return services.session_reminders_send(now=at)


@pytest.fixture
def signed_up(conference, agenda, delegate):
    """The delegate has a confirmed place in the opening plenary (09:30)."""
    services.session_signup(registration=delegate.registration, session_id=agenda["opening"].pk)
    return agenda["opening"]


def test_it_reminds_24_hours_and_1_hour_before_and_only_then(conference, signed_up, delegate):
    start = signed_up.starts_at

    assert sweep(start - 24 * 60 * minutes - minutes) == 0
    assert sweep(start - 24 * 60 * minutes) == 1
    assert sweep(start - 23 * 60 * minutes) == 0  # the day-before reminder was sent
    assert sweep(start - 61 * minutes) == 0
    assert sweep(start - 60 * minutes) == 1
    assert sweep(start - 5 * minutes) == 0
    assert sweep(start) == 0  # never once it has started

    keys = sorted(reminders().values_list("dedup_key", flat=True))
    stamp = signed_up.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M")
    base = f"reminder:session:{signed_up.pk}:reg:{delegate.registration.pk}"
    assert keys == sorted([f"{base}:1440:{stamp}", f"{base}:60:{stamp}"])
    email = reminders().get(dedup_key=f"{base}:60:{stamp}")
    assert email.recipient == delegate.email
    assert "Opening plenary" in email.subject
    assert "09:30" in email.body_text  # conference time, though the sweep runs in UTC


def test_a_late_sweep_sends_only_the_nearest_reminder(conference, signed_up):
    sweep(signed_up.starts_at - 30 * minutes)

    assert [k.split(":")[5] for k in reminders().values_list("dedup_key", flat=True)] == ["60"]


def test_it_uses_the_conferences_offsets(conference, signed_up):
    conference.reminder_offsets = [15]
    conference.save()

    assert sweep(signed_up.starts_at - 60 * minutes) == 0
    assert sweep(signed_up.starts_at - 15 * minutes) == 1


def test_a_moved_session_is_reminded_again_at_its_new_time(
    conference, organiser, signed_up, delegate
):
    sweep(signed_up.starts_at - 60 * minutes)
    later = datetime.timedelta(hours=3)
    Session.objects.filter(pk=signed_up.pk).update(
        starts_at=signed_up.starts_at + later, ends_at=signed_up.ends_at + later
    )
    # Not before it is published: delegates go by the published agenda.
    assert sweep(signed_up.starts_at + later - 60 * minutes) == 0
    publish(conference, organiser)

    assert sweep(signed_up.starts_at + later - 60 * minutes) == 1
    assert sweep(signed_up.starts_at + later - 59 * minutes) == 0
    assert reminders().count() == 2


def test_no_reminder_for_cancelled_places_or_sessions(
    conference, organiser, agenda, delegate, other_delegate
):
    signup = services.session_signup(
        registration=delegate.registration, session_id=agenda["opening"].pk
    )
    services.session_signup_cancel(signup=signup)
    services.session_signup(registration=other_delegate.registration, session_id=agenda["panel"].pk)
    Session.objects.filter(pk=agenda["panel"].pk).update(is_cancelled=True)
    publish(conference, organiser)

    sweep(agenda["opening"].starts_at - 60 * minutes)
    sweep(agenda["panel"].starts_at - 60 * minutes)

    assert not reminders().exists()


def test_waitlisted_people_are_not_reminded(conference, agenda):
    people = [RegistrationFactory(conference=conference, approved=True) for _ in range(3)]
    for registration in people:
        services.session_signup(registration=registration, session_id=agenda["workshop"].pk)

    sweep(agenda["workshop"].starts_at - 60 * minutes)

    assert sorted(reminders().values_list("recipient", flat=True)) == sorted(
        r.user.email for r in people[:2]
    )


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(
    conference, organiser, agenda, open_celery_pool
):
    people = [RegistrationFactory(conference=conference, approved=True) for _ in range(6)]
    for registration in people:
        services.session_signup(registration=registration, session_id=agenda["opening"].pk)
    at = agenda["opening"].starts_at - 60 * minutes
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            sweep(at)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert reminders().count() == 6
    assert sorted(reminders().values_list("recipient", flat=True)) == sorted(
        r.user.email for r in people
    )


def test_beat_runs_the_sweep_every_minute():
    entry = next(
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "sessions_app.tasks.session_reminder_sweep"
    )
    assert entry["schedule"] == 60.0
    assert session_reminder_sweep.name == entry["task"]


def test_the_task_reminds_of_a_session_starting_within_the_hour(organiser):
    conference = ConferenceFactory(start_date=timezone.localdate())
    soon = timezone.now() + 30 * minutes
    session = SessionFactory(conference=conference, starts_at=soon, ends_at=soon + 60 * minutes)
    publish(conference, organiser)
    registration = RegistrationFactory(conference=conference, approved=True)
    services.session_signup(registration=registration, session_id=session.pk)

    assert session_reminder_sweep.delay().get() == 1
    assert session_reminder_sweep.delay().get() == 0
    assert reminders().get().recipient == registration.user.email
