"""Signing up for sessions: capacity, the waiting list, clashes, cancelling."""

import threading

import pytest
from django.db import connection

from conference.core.models import OutgoingEmail
from sessions_app import services
from sessions_app.models import Session, SessionSignup
from sessions_app.selectors import waitlist_position
from tests.factories import (
    MeetingFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    RegistrationFactory,
    SessionFactory,
    local_time,
)
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db


def delegates(conference, n):
    return [RegistrationFactory(conference=conference, approved=True) for _ in range(n)]


def sign_up(registration, session):
    return services.session_signup(registration=registration, session_id=session.pk)


def test_it_confirms_while_there_are_places_then_waitlists_in_order(conference, agenda):
    workshop = agenda["workshop"]
    first, second, third, fourth = delegates(conference, 4)

    statuses = [sign_up(r, workshop).status for r in (first, second, third, fourth)]

    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    workshop.refresh_from_db()
    assert workshop.taken == 2
    waiting = SessionSignup.objects.filter(session=workshop, status="waitlisted").order_by("pk")
    assert [waitlist_position(signup=s) for s in waiting] == [1, 2]


def test_a_session_without_capacity_confirms_everyone(conference, agenda):
    for registration in delegates(conference, 5):
        assert sign_up(registration, agenda["panel"]).status == "confirmed"


def test_a_second_sign_up_of_the_same_person_is_refused(conference, agenda, delegate):
    sign_up(delegate.registration, agenda["workshop"])

    with pytest.raises(services.SignupError, match="already signed up"):
        sign_up(delegate.registration, agenda["workshop"])
    assert SessionSignup.objects.filter(registration=delegate.registration).count() == 1


@pytest.mark.parametrize(
    "change",
    ["unpublished", "cancelled", "break", "pending"],
)
def test_it_refuses_what_cannot_be_signed_up_for(conference, organiser, agenda, change):
    registration = RegistrationFactory(conference=conference, approved=True)
    session = agenda["workshop"]
    if change == "unpublished":
        session = SessionFactory(conference=conference, published=False)
    elif change == "cancelled":
        Session.objects.filter(pk=session.pk).update(is_cancelled=True)
        publish(conference, organiser)
    elif change == "break":
        session = agenda["break"]
    else:
        registration = RegistrationFactory(conference=conference)

    with pytest.raises(services.SignupError):
        sign_up(registration, session)
    assert not SessionSignup.objects.filter(registration=registration).exists()


def test_cancelling_a_confirmed_place_promotes_the_first_waitlisted_and_tells_them(
    conference, agenda
):
    workshop = agenda["workshop"]
    first, second, third, fourth = delegates(conference, 4)
    signups = [sign_up(r, workshop) for r in (first, second, third, fourth)]

    _cancelled, promoted = services.session_signup_cancel(signup=signups[0])

    assert promoted.registration == third
    statuses = dict(SessionSignup.objects.filter(session=workshop).values_list("pk", "status"))
    assert [statuses[s.pk] for s in signups] == [
        "cancelled",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    workshop.refresh_from_db()
    assert workshop.taken == 2
    email = OutgoingEmail.objects.get(kind="session.promoted")
    assert email.recipient == third.user.email
    assert "Black mass workshop" in email.subject
    assert "11:00" in email.body_text  # conference time, not UTC
    assert waitlist_position(signup=SessionSignup.objects.get(pk=signups[3].pk)) == 1


def test_leaving_the_waiting_list_frees_no_seat(conference, agenda):
    workshop = agenda["workshop"]
    signups = [sign_up(r, workshop) for r in delegates(conference, 3)]

    _cancelled, promoted = services.session_signup_cancel(signup=signups[2])

    assert promoted is None
    workshop.refresh_from_db()
    assert workshop.taken == 2
    assert not OutgoingEmail.objects.filter(kind="session.promoted").exists()


def test_cancelling_twice_changes_nothing_the_second_time(conference, agenda, delegate):
    signup = sign_up(delegate.registration, agenda["workshop"])
    services.session_signup_cancel(signup=signup)
    services.session_signup_cancel(signup=signup)

    agenda["workshop"].refresh_from_db()
    assert agenda["workshop"].taken == 0


def test_a_person_can_sign_up_again_after_cancelling(conference, agenda, delegate):
    signup = sign_up(delegate.registration, agenda["workshop"])
    services.session_signup_cancel(signup=signup)

    again = sign_up(delegate.registration, agenda["workshop"])

    assert again.status == "confirmed"


# Through the pages --------------------------------------------------------------------


def test_the_session_page_shows_clashes_with_own_sessions_and_meetings_before_confirming(
    conference, agenda, delegate
):
    sign_up(delegate.registration, agenda["workshop"])
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 12, 0),
        ends_at=local_time(conference, 12, 20),
    )
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    partner = MeetingSeatFactory(meeting=meeting).registration

    html = login(delegate).get(url(conference, f"agenda/sessions/{agenda['panel'].pk}/"))

    text = html.content.decode()
    assert "This clashes with your schedule" in text
    assert "Black mass workshop" in text
    assert f"B2B meeting with {partner.user.display_name}" in text
    assert "Sign up anyway" in text


def test_the_session_page_shows_no_clash_when_there_is_none(conference, agenda, delegate):
    html = login(delegate).get(url(conference, f"agenda/sessions/{agenda['opening'].pk}/"))

    assert "clashes" not in html.content.decode()


def test_signing_up_through_the_page_confirms_and_shows_the_place(conference, agenda, delegate):
    client = login(delegate)
    path = url(conference, f"agenda/sessions/{agenda['workshop'].pk}/")

    response = client.post(path + "signup/", follow=True)

    assert response.redirect_chain[-1][0] == path
    assert "You are signed up" in response.content.decode()
    assert SessionSignup.objects.get(registration=delegate.registration).status == "confirmed"


def test_sign_up_needs_an_approved_registration(client, conference, agenda):
    pending = RegistrationFactory(conference=conference).user
    response = login(pending).post(url(conference, f"agenda/sessions/{agenda['panel'].pk}/signup/"))

    assert response.status_code == 403
    assert not SessionSignup.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_to_sign_up(client, conference, agenda):
    response = client.post(url(conference, f"agenda/sessions/{agenda['panel'].pk}/signup/"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_persons_sign_up_cannot_be_cancelled(conference, agenda, delegate, other_delegate):
    theirs = sign_up(other_delegate.registration, agenda["workshop"])

    response = login(delegate).post(url(conference, f"me/signups/{theirs.pk}/cancel/"))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


# Under contention (real PostgreSQL, parallel requests) ------------------------------------


def _in_parallel(functions):
    """Run each function in its own thread and database connection, all at once."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(i, function):
        try:
            barrier.wait(timeout=10)
            results[i] = function()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ups_never_exceed_capacity(conference, organiser):
    session = SessionFactory(
        conference=conference, kind="workshop", capacity=3, signup_required=True
    )
    publish(conference, organiser)
    people = delegates(conference, 12)
    clients = [login(r.user) for r in people]
    path = url(conference, f"agenda/sessions/{session.pk}/signup/")

    responses = _in_parallel([lambda c=c: c.post(path) for c in clients])

    assert [getattr(r, "status_code", r) for r in responses] == [302] * 12
    session.refresh_from_db()
    statuses = list(SessionSignup.objects.filter(session=session).values_list("status", flat=True))
    assert session.taken == 3
    assert statuses.count("confirmed") == 3
    assert statuses.count("waitlisted") == 9


@pytest.mark.django_db(transaction=True)
def test_parallel_cancellations_promote_each_waitlisted_person_once(
    conference, organiser, open_celery_pool
):
    session = SessionFactory(
        conference=conference, kind="workshop", capacity=2, signup_required=True
    )
    publish(conference, organiser)
    people = delegates(conference, 5)
    signups = [sign_up(r, session) for r in people]

    results = _in_parallel(
        [lambda s=s: services.session_signup_cancel(signup=s) for s in signups[:2]]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    session.refresh_from_db()
    confirmed = SessionSignup.objects.filter(session=session, status="confirmed")
    assert session.taken == 2
    assert sorted(s.registration_id for s in confirmed) == sorted(r.pk for r in people[2:4])
    assert OutgoingEmail.objects.filter(kind="session.promoted").count() == 2
