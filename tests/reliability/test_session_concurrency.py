"""
Session capacity under real contention: twenty delegates press "Sign up"
for a five-place workshop at the same instant, each request in its own
thread on its own PostgreSQL connection. Exactly five get a place, the
others wait in line, nobody gets a 500. The control test runs the same
check-then-insert without the session lock and overbooks the workshop.

Sign-ups while an organiser saves the session's form: the save never writes
the seat counter or the calendar SEQUENCE it read when the form opened, and
checks a new capacity against the sign-ups as they are when it saves. The
control writes the whole row back, as the form did, and overbooks.
"""

import datetime
import threading
import time

import pytest
from django.db import transaction

from sessions_app import selectors, services
from sessions_app.models import Session, SessionSignup
from tests.factories import RegistrationFactory, SessionFactory
from tests.helpers import login, publish, url
from tests.reliability.parallel import WINDOW_SECONDS, crashes, kinds, run_together, slowed

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


# Sign-ups while an organiser edits the session ----------------------------------------

SEATS = 8
LATE = 6  # delegates who sign up after the organiser's save


class EditTimeline:
    """
    The order of events around an organiser's save, whatever the load of the
    machine: the form is open (the session was read when its page was
    posted), a first wave of SEATS sign-ups fills the seats, the form is
    saved, then a second wave of LATE sign-ups comes.
    """

    def __init__(self):
        self.form_open = threading.Event()
        self.seats_filled = threading.Barrier(SEATS + 1, timeout=60)
        self.saved = threading.Event()

    def held_open(self, save):
        """`save` made to wait, once called, for the first wave to sign up."""

        def held(*args, **kwargs):
            self.form_open.set()
            self.seats_filled.wait()
            try:
                return save(*args, **kwargs)
            finally:
                self.saved.set()

        return held

    def sign_up(self, i, sign_up):
        """Delegate `i` (1..SEATS+LATE) runs `sign_up` in their wave."""
        first_wave = i <= SEATS
        assert (self.form_open if first_wave else self.saved).wait(timeout=60), "timeline stuck"
        result = sign_up()
        if first_wave:
            self.seats_filled.wait()
        return result


@pytest.fixture
def seminar(conference, organiser):
    session = SessionFactory(
        conference=conference, kind="workshop", capacity=SEATS, signup_required=True
    )
    publish(conference, organiser)
    return session


def edit_form(conference, session, **changes):
    """The organisers' session form as its page fills it in, with `changes`."""
    local = "%Y-%m-%dT%H:%M"
    data = {
        "title": session.title,
        "kind": session.kind,
        "room": session.room_id or "",
        "track": session.track_id or "",
        "starts_at": session.starts_at.astimezone(conference.tz).strftime(local),
        "ends_at": session.ends_at.astimezone(conference.tz).strftime(local),
        "description": session.description,
        "capacity": session.capacity if session.capacity is not None else "",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
    }
    for flag in ("signup_required", "published", "is_cancelled"):
        if getattr(session, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def edit_while_signing_up(conference, session, organiser, form, monkeypatch):
    """
    The organiser posts `form` for `session` while SEATS + LATE delegates sign
    up through the page, in the two waves of EditTimeline; returns the
    organiser's response and the delegates' status codes.
    """
    people = delegates(conference, SEATS + LATE)
    tabs = [login(organiser)] + [login(registration.user) for registration in people]
    timeline = EditTimeline()
    monkeypatch.setattr(services, "session_save", timeline.held_open(services.session_save))
    signup = url(conference, f"agenda/sessions/{session.pk}/signup/")

    def act(i):
        if i == 0:
            return tabs[0].post(url(conference, f"manage/agenda/sessions/{session.pk}/"), form)
        return timeline.sign_up(i, lambda: tabs[i].post(signup).status_code)

    outcomes = run_together(act, len(tabs))
    assert crashes(outcomes) == []
    return outcomes[0][1], [code for _kind, code in outcomes[1:]]


def assert_counted(session):
    """The seat counter is the number of confirmed sign-ups, within the capacity."""
    session.refresh_from_db()
    statuses = list(SessionSignup.objects.filter(session=session).values_list("status", flat=True))
    assert session.taken == statuses.count("confirmed") <= session.capacity
    return statuses


def test_sign_ups_while_an_organiser_saves_the_session_form_keep_every_place_counted(
    conference, seminar, organiser, monkeypatch
):
    """
    The organiser opens the session's form (the seat counter reads 0), eight
    delegates take the eight places, the organiser saves a new description,
    six more delegates sign up. The save leaves the counter alone: the six
    wait in line instead of getting places that are not there.
    """
    form = edit_form(conference, seminar, description="Bring black mass samples.")

    response, signups = edit_while_signing_up(conference, seminar, organiser, form, monkeypatch)

    assert response.status_code == 302
    assert signups == [302] * (SEATS + LATE)
    statuses = assert_counted(seminar)
    assert seminar.description == "Bring black mass samples."
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (SEATS, LATE)


def test_lowering_the_capacity_below_sign_ups_made_while_the_form_was_open_is_refused(
    conference, seminar, organiser, monkeypatch
):
    """
    The form read no confirmed places and accepted a capacity of five; eight
    delegates signed up before it was saved. The save checks under the
    session's lock and answers with the form's error, not a 500, and
    changes nothing.
    """
    form = edit_form(conference, seminar, capacity="5", description="Smaller room.")

    response, signups = edit_while_signing_up(conference, seminar, organiser, form, monkeypatch)

    assert response.status_code == 200
    assert "8 people are already confirmed" in response.content.decode()
    assert signups == [302] * (SEATS + LATE)
    statuses = assert_counted(seminar)
    assert (seminar.capacity, seminar.description) == (SEATS, "")
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (SEATS, LATE)


@pytest.mark.parametrize(
    ("whole_row", "race_happens"),
    [
        pytest.param(True, True, id="saving-the-whole-row-overbooks"),
        pytest.param(False, False, id="saving-the-edited-fields-keeps-the-count"),
    ],
)
def test_control_an_edit_writing_the_whole_row_read_before_the_sign_ups_overbooks(
    conference, seminar, whole_row, race_happens
):
    """
    What the session form did before: read the row when the form is posted,
    write every field back, the seat counter with it. With sign-ups through
    the real service in the same two waves, the counter goes back to 0 under
    the eight confirmed places and the late six get places too: 14 confirmed
    for 8 seats (the check constraint sees only the counter). Writing only
    the edited field, the same timeline keeps the count.
    """
    people = delegates(conference, SEATS + LATE)
    timeline = EditTimeline()

    def save(read):
        read.description = "Edited."
        fields = [f.attname for f in Session._meta.concrete_fields if not f.primary_key]
        written = fields if whole_row else ["description"]
        Session.objects.filter(pk=seminar.pk).update(
            **{name: getattr(read, name) for name in written}
        )

    def act(i):
        if i == 0:
            return timeline.held_open(save)(Session.objects.get(pk=seminar.pk))
        registration = people[i - 1]
        return timeline.sign_up(
            i, lambda: services.session_signup(registration=registration, session_id=seminar.pk)
        ).status

    outcomes = run_together(act, 1 + SEATS + LATE)

    assert crashes(outcomes) == []
    seminar.refresh_from_db()
    confirmed = SessionSignup.objects.filter(session=seminar, status="confirmed").count()
    if race_happens:
        assert confirmed > SEATS, "the race did not happen: the control proves nothing"
        assert (confirmed, seminar.taken) == (SEATS + LATE, LATE)
    else:
        assert confirmed == seminar.taken == SEATS


def test_publishing_while_an_organiser_saves_the_session_form_keeps_the_new_sequence(
    conference, seminar, organiser, monkeypatch
):
    """
    The session was moved; an organiser posts its form, another publishes
    (the session's calendar SEQUENCE goes up), then the form is saved. The
    save must not put back the SEQUENCE it read: calendars would take the
    next change, published under a number they have already seen, as old.
    """
    later = seminar.starts_at + datetime.timedelta(hours=2)
    services.session_move(
        session=seminar,
        room=seminar.room,
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=1),
        actor=organiser,
    )
    seminar.refresh_from_db()
    form = edit_form(conference, seminar, description="Moved to the afternoon.")
    editor = login(organiser)
    form_open, published = threading.Event(), threading.Event()
    save = services.session_save

    def held_open(**kwargs):
        form_open.set()
        assert published.wait(timeout=60), "timeline stuck"
        return save(**kwargs)

    monkeypatch.setattr(services, "session_save", held_open)

    def act(i):
        if i == 0:
            path = url(conference, f"manage/agenda/sessions/{seminar.pk}/")
            return editor.post(path, form).status_code
        assert form_open.wait(timeout=60), "timeline stuck"
        try:
            return publish(conference, organiser).number
        finally:
            published.set()

    outcomes = run_together(act, 2)

    assert outcomes == [("ok", 302), ("ok", 2)]
    seminar.refresh_from_db()
    item = selectors.release_session(
        release=selectors.release_latest(conference=conference), session_id=seminar.pk
    )
    assert seminar.description == "Moved to the afternoon."
    assert seminar.sequence == item["sequence"] == 1


def test_publishing_while_a_cancellation_promotes_someone_deadlocks_neither(
    conference, seminar, organiser, monkeypatch
):
    """
    A delegate cancels (the session locked, the first in line promoted and
    emailed) while the organiser publishes a change to that session (the
    conference locked, the session's SEQUENCE raised). The promotion email
    refers to the conference; were the conference locked FOR UPDATE, its
    insert would wait for the publish while the publish waits for the
    session: a deadlock, and one of the two a 500.
    """
    first, second = delegates(conference, 2)
    Session.objects.filter(pk=seminar.pk).update(capacity=1)
    place = services.session_signup(registration=first, session_id=seminar.pk)
    services.session_signup(registration=second, session_id=seminar.pk)
    services.session_move(
        session=seminar,
        room=seminar.room,
        starts_at=seminar.starts_at + datetime.timedelta(hours=2),
        ends_at=seminar.ends_at + datetime.timedelta(hours=2),
        actor=organiser,
    )
    # Read by both, under their locks: each holds its lock a while.
    monkeypatch.setattr(selectors, "release_latest", slowed(selectors, "release_latest"))

    def act(i):
        if i == 0:
            _signup, promoted = services.session_signup_cancel(signup=place)
            return promoted.registration_id
        time.sleep(WINDOW_SECONDS / 3)  # once the cancellation holds the session
        return publish(conference, organiser).number

    outcomes = run_together(act, 2)

    assert crashes(outcomes) == []
    assert outcomes == [("ok", second.pk), ("ok", 2)]
    seminar.refresh_from_db()
    assert (seminar.taken, seminar.sequence) == (1, 1)
