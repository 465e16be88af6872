"""The staff outbox page: counts, search, the rendered message, resending a failed one."""

import pytest
from django.urls import reverse

from conference.core.models import AuditLog, OutgoingEmail
from tests.factories import ConferenceFactory, OutgoingEmailFactory

pytestmark = pytest.mark.django_db


def email(conference, **fields):
    return OutgoingEmailFactory(conference=conference, **fields)


def test_it_counts_filters_and_searches(client, conference, organiser):
    email(conference, recipient="asha@example.org", subject="Your invitation")
    email(conference, recipient="ravi@example.org", subject="Registration confirmed")
    failed = email(conference, recipient="kim@example.org", status=OutgoingEmail.Status.FAILED)
    email(ConferenceFactory(), recipient="asha@example.org")  # another conference
    client.force_login(organiser)
    url = reverse("conference:outbox", args=[conference.slug])

    def listed(**query):
        return [e.recipient for e in client.get(url, query).context["page"].object_list]

    response = client.get(url)
    assert ("failed", "Failed", 1) in response.context["status_counts"]
    assert ("queued", "Queued", 2) in response.context["status_counts"]
    assert sorted(listed()) == ["asha@example.org", "kim@example.org", "ravi@example.org"]
    assert listed(q="ASHA") == ["asha@example.org"]
    assert listed(q="confirmed") == ["ravi@example.org"]
    assert listed(status="failed") == [failed.recipient]


def test_the_message_page_frames_the_html_body_under_its_own_policy(client, conference, organiser):
    message = email(
        conference,
        body_html='<p style="color:red">Hello</p><script>alert(1)</script>',
        last_error="SMTPDataError: 451",
        status=OutgoingEmail.Status.FAILED,
    )
    client.force_login(organiser)

    page = client.get(reverse("conference:outbox_email", args=[conference.slug, message.pk]))
    body = client.get(reverse("conference:outbox_body", args=[conference.slug, message.pk]))

    assert "SMTPDataError: 451" in page.content.decode()
    assert "Send again" in page.content.decode()
    assert body.content.decode().startswith('<p style="color:red">')
    policy = body["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none'
    assert "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert body["X-Frame-Options"] == "SAMEORIGIN"


def test_a_text_only_email_is_shown_escaped(client, conference, organiser):
    message = email(conference, body_html="", body_text="<b>not bold</b>")
    client.force_login(organiser)

    body = client.get(reverse("conference:outbox_body", args=[conference.slug, message.pk]))

    assert "&lt;b&gt;not bold&lt;/b&gt;" in body.content.decode()


def test_resending_a_failed_email_queues_it_again(
    client, conference, organiser, django_capture_on_commit_callbacks
):
    message = email(conference, status=OutgoingEmail.Status.FAILED, attempts=6)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("conference:outbox_resend", args=[conference.slug, message.pk]))

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutgoingEmail.Status.QUEUED, 0)
    assert len(callbacks) == 1  # the delivery task, enqueued on commit
    assert AuditLog.objects.filter(action="email.resend", object_id=str(message.pk)).exists()


def test_a_sent_email_is_not_resent(client, conference, organiser):
    message = email(conference, status=OutgoingEmail.Status.SENT)
    client.force_login(organiser)

    client.post(reverse("conference:outbox_resend", args=[conference.slug, message.pk]))

    message.refresh_from_db()
    assert message.status == OutgoingEmail.Status.SENT


def test_another_conferences_email_is_a_404(client, conference, organiser):
    other = email(ConferenceFactory())
    client.force_login(organiser)

    for name in ("conference:outbox_email", "conference:outbox_body"):
        assert client.get(reverse(name, args=[conference.slug, other.pk])).status_code == 404


def test_the_outbox_is_for_organisers_only(client, conference, delegate, security_officer):
    url = reverse("conference:outbox", args=[conference.slug])
    for person in (delegate, security_officer):
        client.force_login(person)
        assert client.get(url).status_code == 403


def test_the_outbox_page_takes_a_fixed_number_of_queries(
    client, conference, organiser, django_assert_num_queries
):
    client.force_login(organiser)
    url = reverse("conference:outbox", args=[conference.slug])
    OutgoingEmailFactory.create_batch(3, conference=conference)
    client.get(url)

    # user, registration, conference with roles, authenticator (MFA),
    # row count, page rows, status counts
    with django_assert_num_queries(7):
        client.get(url)
    OutgoingEmailFactory.create_batch(30, conference=conference)
    with django_assert_num_queries(7):
        client.get(url)
