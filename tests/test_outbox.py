"""
The email outbox, delivered through a real SMTP server (aiosmtpd).

Tasks run eagerly here: a row's delivery starts when the on-commit callbacks
of its transaction run, exactly as a worker would start it after the commit.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from conference.core import services
from conference.core.models import AuditLog, OutgoingEmail
from tests.factories import OutgoingEmailFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("email_templates")]

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//portal//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:meeting-42@portal.test\r\nSEQUENCE:0\r\n"
    "DTSTART:20260301T083000Z\r\nDTEND:20260301T085000Z\r\nSUMMARY:B2B meeting\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def queue(conference, user=None, dedup_key="test:notice:1", **kwargs):
    return services.email_queue(
        recipient=user.email if user else "someone@example.org",
        template="test_notice",
        context={"headline": "Your registration is approved."},
        kind="test",
        dedup_key=dedup_key,
        conference=conference,
        user=user,
        **kwargs,
    )


def make_due(email):
    """Bring a waiting row's next attempt forward, as the clock would."""
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_it_writes_one_row_per_dedup_key(conference, delegate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue(conference, delegate)
        second = queue(conference, delegate)

    assert second.pk == first.pk
    assert OutgoingEmail.objects.filter(dedup_key="test:notice:1").count() == 1
    assert len(callbacks) == 1, "the second call must not enqueue another delivery"
    assert first.subject == f"{conference.name}: Your registration is approved."
    assert first.recipient == delegate.email
    assert first.status == OutgoingEmail.Status.QUEUED


def test_it_delivers_once_and_marks_the_row_sent(
    conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(conference, delegate)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.last_error == ""

    assert len(smtp_settings.messages) == 1
    received = smtp_settings.messages[0]
    message = received["message"]
    assert received["to"] == [delegate.email]
    assert message["Subject"] == email.subject
    assert message["X-Portal-Message"] == "test:notice:1"
    assert conference.name in message["From"]
    assert "Your registration is approved." in message.get_body(("plain",)).get_content()
    assert "<p>Your registration is approved.</p>" in message.get_body(("html",)).get_content()


def test_it_sends_nothing_for_a_row_already_sent(
    conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(conference, delegate)

    assert services.outbox_deliver(email_id=email.pk) is None
    # A duplicate task, as a redelivered acks_late message would be.
    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert len(smtp_settings.messages) == 1


def test_it_retries_later_after_a_temporary_failure(conference, smtp_settings):
    smtp_settings.answer = "451 4.3.0 Mailbox busy, try again later"
    email = OutgoingEmailFactory(conference=conference)

    before = timezone.now()
    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.RETRY
    assert email.attempts == 1
    assert email.next_attempt_at > before + datetime.timedelta(seconds=30)
    assert "451" in email.last_error
    assert email.sent_at is None
    assert smtp_settings.refused == 1
    assert smtp_settings.messages == []


def test_it_marks_the_row_failed_on_a_permanent_failure(conference, smtp_settings):
    smtp_settings.answer = "550 5.1.1 No such user"
    email = OutgoingEmailFactory(conference=conference)

    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 1
    assert "550" in email.last_error
    assert smtp_settings.messages == []


def test_it_gives_up_after_the_last_attempt(conference, settings, smtp_settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_settings.answer = "451 4.3.0 Try again later"
    email = OutgoingEmailFactory(conference=conference)

    delays = []
    for _attempt in range(2):
        started = timezone.now()
        services.outbox_deliver(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.RETRY
        delays.append(email.next_attempt_at - started)
        make_due(email)
    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 3
    assert smtp_settings.refused == 3
    assert delays[1] > delays[0], "retries must back off"
    # A failed row is left alone until staff resend it.
    make_due(email)
    assert services.outbox_deliver(email_id=email.pk) is None
    assert smtp_settings.refused == 3


def test_it_delivers_a_row_that_waited_for_its_retry_once_due(conference, smtp_settings):
    smtp_settings.answer = "451 4.3.0 Try again later"
    email = OutgoingEmailFactory(conference=conference)
    services.outbox_deliver(email_id=email.pk)
    smtp_settings.answer = None
    make_due(email)

    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert len(smtp_settings.messages) == 1


def test_it_does_not_send_a_row_that_is_not_due(conference, smtp_settings):
    email = OutgoingEmailFactory(
        conference=conference,
        status=OutgoingEmail.Status.RETRY,
        attempts=1,
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5),
    )

    assert services.outbox_deliver(email_id=email.pk) is None

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.RETRY
    assert email.attempts == 1
    assert smtp_settings.messages == []


def test_it_leaves_a_row_being_sent_by_another_worker_alone(conference, smtp_settings):
    email = OutgoingEmailFactory(conference=conference, status=OutgoingEmail.Status.SENDING)

    assert services.outbox_deliver(email_id=email.pk) is None
    assert smtp_settings.messages == []


def test_it_delivers_a_row_left_sending_by_a_dead_worker(conference, smtp_settings):
    email = OutgoingEmailFactory(
        conference=conference, status=OutgoingEmail.Status.SENDING, attempts=1
    )
    OutgoingEmail.objects.filter(pk=email.pk).update(
        updated_at=timezone.now() - services.SENDING_TIMEOUT - datetime.timedelta(minutes=1)
    )

    services.outbox_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert len(smtp_settings.messages) == 1


def test_due_ids_finds_queued_retry_due_and_stuck_rows(conference):
    now = timezone.now()
    past = now - datetime.timedelta(minutes=1)
    future = now + datetime.timedelta(minutes=10)
    status = OutgoingEmail.Status
    queued = OutgoingEmailFactory(status=status.QUEUED, next_attempt_at=past)
    retry_due = OutgoingEmailFactory(status=status.RETRY, next_attempt_at=past)
    stuck = OutgoingEmailFactory(status=status.SENDING, next_attempt_at=past)
    OutgoingEmail.objects.filter(pk=stuck.pk).update(
        updated_at=now - services.SENDING_TIMEOUT - datetime.timedelta(minutes=1)
    )
    # Not for the sweep:
    OutgoingEmailFactory(status=status.QUEUED, next_attempt_at=future)
    OutgoingEmailFactory(status=status.RETRY, next_attempt_at=future)
    OutgoingEmailFactory(status=status.SENDING, next_attempt_at=past)
    OutgoingEmailFactory(status=status.SENT, next_attempt_at=past)
    OutgoingEmailFactory(status=status.FAILED, next_attempt_at=past)

    assert sorted(services.outbox_due_ids()) == sorted([queued.pk, retry_due.pk, stuck.pk])
    assert len(services.outbox_due_ids(limit=2)) == 2


def test_it_attaches_the_calendar_file_as_text_calendar(
    conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(conference, delegate, ics=ICS)

    message = smtp_settings.messages[0]["message"]
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    calendar = calendars[0]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_param("charset") == "utf-8"
    assert str(calendar["Content-Type"]).count("charset=") == 1
    assert calendar.get_filename() == "invite.ics"
    assert "UID:meeting-42@portal.test" in calendar.get_content()


def test_it_writes_the_email_with_its_cause(
    conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        AuditLog.objects.create(conference=conference, action="registration.approve")
        queue(conference, delegate)

    assert AuditLog.objects.filter(action="registration.approve").count() == 1
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


def test_it_writes_no_email_when_its_cause_rolls_back(
    conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        AuditLog.objects.create(conference=conference, action="registration.approve")
        queue(conference, delegate)
        raise Abort

    assert not AuditLog.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert callbacks == []
    assert smtp_settings.messages == []


def test_resend_queues_a_failed_row_for_new_attempts(
    conference, organiser, smtp_settings, django_capture_on_commit_callbacks
):
    email = OutgoingEmailFactory(
        conference=conference, status=OutgoingEmail.Status.FAILED, attempts=6
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_resend(email=email, actor=organiser)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert len(smtp_settings.messages) == 1
    assert AuditLog.objects.filter(action="email.resend", actor=organiser).exists()


@pytest.mark.parametrize("method", ["PUBLISH", "CANCEL"])
def test_the_attachment_method_matches_the_calendar_method(
    method, conference, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    """Mail clients refuse a text/calendar part whose method differs from its METHOD line."""
    with django_capture_on_commit_callbacks(execute=True):
        queue(conference, delegate, ics=ICS.replace("METHOD:REQUEST", f"METHOD:{method}"))

    message = smtp_settings.messages[0]["message"]
    (calendar,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == method


def test_the_subject_is_plain_text_and_the_html_part_stays_escaped(conference):
    """A subject line is not HTML: `O'Brien & Co` arrives as typed, never as `&#x27;`/`&amp;`."""
    email = services.email_queue(
        recipient="someone@example.org",
        template="test_notice",
        context={"headline": "O'Brien & Co <b>meet</b>"},
        kind="test",
        dedup_key="test:notice:subject",
        conference=conference,
    )

    assert email.subject == f"{conference.name}: O'Brien & Co <b>meet</b>"
    assert "O&#x27;Brien &amp; Co &lt;b&gt;meet&lt;/b&gt;" in email.body_html
