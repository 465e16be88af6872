"""Invitation and registration emails go through the outbox to a real SMTP server."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from conference.core.models import OutgoingEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_invitation_reaches_the_smtp_server_as_html_and_text(
    conference, organiser, smtp_settings, django_capture_on_commit_callbacks
):
    conference.sender_name = "BCMEC Secretariat"
    conference.save()

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            conference=conference, actor=organiser, email="asha@example.org", name="Asha Menon"
        )

    [delivered] = smtp_settings.messages
    message = delivered["message"]
    assert delivered["to"] == ["asha@example.org"]
    [sender] = message["From"].addresses
    assert sender.display_name == "BCMEC Secretariat"
    assert sender.addr_spec == "conference@example.org"
    assert message["Subject"] == f"Your invitation to {conference.name}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = reverse("invitation", args=[invitation.token])
    assert "Dear Asha Menon" in text and link in text
    assert "Accept the invitation" in html and link in html
    assert OutgoingEmail.objects.get(kind="invitation").status == OutgoingEmail.Status.SENT


def test_a_password_reset_goes_through_the_outbox(
    client, db, smtp_settings, django_capture_on_commit_callbacks
):
    UserFactory(email="asha@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "asha@example.org"})

    email = OutgoingEmail.objects.get(kind="account:password_reset_key")
    assert email.status == OutgoingEmail.Status.SENT
    assert "/accounts/password/reset/key/" in email.body_text
    [delivered] = smtp_settings.messages
    assert delivered["to"] == ["asha@example.org"]
    assert "/accounts/password/reset/key/" in delivered["message"].get_body(("html",)).get_content()


def _messages(n, start=0):
    return [
        {
            "recipient": f"p{i}@example.org",
            "template": "invitation",
            "context": {"invitation": None, "accept_url": f"http://x/invite/{i}/"},
            "kind": "invitation",
            "dedup_key": f"bulk:{i}",
        }
        for i in range(start, start + n)
    ]


def test_a_bulk_send_writes_each_email_once_and_delivers_it_in_chunks(
    conference, smtp_settings, django_capture_on_commit_callbacks
):
    from conference.core.services import DELIVERY_CHUNK, email_queue_many

    with django_capture_on_commit_callbacks() as first:
        ids = email_queue_many(messages=_messages(2 * DELIVERY_CHUNK + 1), conference=conference)
    with django_capture_on_commit_callbacks() as again:
        same = email_queue_many(messages=_messages(3), conference=conference)

    assert len(ids) == 2 * DELIVERY_CHUNK + 1
    assert len(first) == 3  # one delivery task per chunk
    assert (len(again), same) == (0, {key: ids[key] for key in same})
    for callback in first:  # the tasks run inline in tests
        callback()
    assert len(smtp_settings.messages) == 2 * DELIVERY_CHUNK + 1
    assert not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists()


def test_a_refused_chunk_is_retried_row_by_row_later(conference, smtp_settings):
    from conference.core.services import email_queue_many, outbox_deliver_many

    ids = list(email_queue_many(messages=_messages(3), conference=conference).values())
    smtp_settings.answer = "451 4.3.0 Try again later"

    outbox_deliver_many(email_ids=ids)

    rows = OutgoingEmail.objects.filter(pk__in=ids)
    assert {(r.status, r.attempts) for r in rows} == {(OutgoingEmail.Status.RETRY, 1)}
    smtp_settings.answer = None
    rows.update(next_attempt_at=timezone.now())
    outbox_deliver_many(email_ids=ids)
    assert len(smtp_settings.messages) == 3
    assert {r.status for r in rows.all()} == {OutgoingEmail.Status.SENT}


def test_a_chunk_skips_rows_sent_or_not_yet_due(conference, smtp_settings):
    from conference.core.services import email_queue_many, outbox_deliver_many

    ids = email_queue_many(messages=_messages(3), conference=conference)
    OutgoingEmail.objects.filter(pk=ids["bulk:0"]).update(status=OutgoingEmail.Status.SENT)
    OutgoingEmail.objects.filter(pk=ids["bulk:1"]).update(
        status=OutgoingEmail.Status.RETRY, next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    outbox_deliver_many(email_ids=list(ids.values()))
    outbox_deliver_many(email_ids=list(ids.values()))  # a redelivered task

    assert [m["message"]["X-Portal-Message"] for m in smtp_settings.messages] == ["bulk:2"]
    assert OutgoingEmail.objects.get(pk=ids["bulk:1"]).attempts == 0
    assert OutgoingEmail.objects.get(pk=ids["bulk:2"]).attempts == 1
