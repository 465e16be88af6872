"""
The message thread of a request or meeting: only the participants and the
organisers read it, each message reaches the others through the outbox in
their language and without anyone's address, with length and rate limits.
"""

import pytest

from b2b_meetings import services
from b2b_meetings.models import MeetingMessage
from b2b_meetings.services import B2BError
from conference.core.models import OutgoingEmail
from tests.helpers import login, url

pytestmark = pytest.mark.django_db


def send(conference, requester, target=None, organisation=None):
    return services.request_create(
        conference=conference,
        requester=requester,
        target_registration=target,
        target_organisation=organisation,
        agenda="Joint pilot line",
    )


def post(meeting_request=None, meeting=None, *, author, body="Shall we bring our CFO?"):
    return services.message_post(
        meeting_request=meeting_request,
        meeting=meeting,
        author=author,
        author_user=author.user,
        body=body,
    )


def test_a_message_is_emailed_to_the_other_side_only_without_addresses(conference, recycler, oem):
    request = send(conference, recycler, oem)

    post(request, author=recycler, body="Shall we bring our CFO?")

    (email,) = OutgoingEmail.objects.filter(kind="b2b.message")
    assert email.recipient == oem.user.email
    assert "Shall we bring our CFO?" in email.body_text
    assert recycler.user.email not in email.body_text + email.body_html + email.subject
    assert f"/b2b/requests/{request.pk}/" in email.body_text


def test_the_email_is_in_the_recipients_language(conference, recycler, oem):
    oem.user.language = "ja"
    oem.user.save(update_fields=["language"])
    request = send(conference, recycler, oem)

    post(request, author=recycler)

    email = OutgoingEmail.objects.get(kind="b2b.message")
    assert "メッセージ" in email.subject


def test_html_in_a_message_is_escaped_in_the_email_and_the_page(conference, recycler, oem):
    request = send(conference, recycler, oem)

    post(request, author=recycler, body='<a href="//evil.example">Verify</a>')

    email = OutgoingEmail.objects.get(kind="b2b.message")
    assert '<a href="//evil.example">' not in email.body_html
    page = login(oem.user).get(url(conference, f"b2b/requests/{request.pk}/"))
    assert b'<a href="//evil.example">' not in page.content
    assert b"&lt;a href=" in page.content


def test_a_meeting_from_a_request_shares_its_thread(
    conference, recycler, oem, slots, tables, organiser
):
    request = send(conference, recycler, oem)
    post(request, author=recycler, body="Before")
    meeting = services.request_accept(meeting_request=request, responder=oem, slot=slots[0])

    post(meeting=meeting, author=oem, body="After")

    assert list(MeetingMessage.objects.values_list("request", "meeting")) == [
        (request.pk, None),
        (request.pk, None),
    ]
    page = login(organiser).get(url(conference, f"b2b/meetings/{meeting.pk}/"))
    assert b"Before" in page.content and b"After" in page.content


def test_someone_outside_the_thread_cannot_write(conference, recycler, oem, financier):
    request = send(conference, recycler, oem)

    with pytest.raises(B2BError):
        post(request, author=financier)
    assert not MeetingMessage.objects.exists()


def test_empty_and_overlong_messages_are_refused(conference, recycler, oem):
    request = send(conference, recycler, oem)

    with pytest.raises(B2BError, match="write a message"):
        post(request, author=recycler, body="   ")
    with pytest.raises(B2BError, match="at most 2000"):
        post(request, author=recycler, body="x" * 2001)
    assert not MeetingMessage.objects.exists()


def test_the_sixth_message_in_a_minute_is_refused(conference, recycler, oem):
    request = send(conference, recycler, oem)
    for n in range(5):
        post(request, author=recycler, body=f"Message {n}")

    with pytest.raises(B2BError, match="wait a little"):
        post(request, author=recycler)
    assert MeetingMessage.objects.count() == 5


def test_the_thread_is_404_to_everyone_else(
    conference, recycler, oem, financier, slots, tables, security_officer
):
    request = send(conference, recycler, oem)
    meeting = services.meeting_create(
        conference=conference, slot=slots[1], table=None, registrations=[recycler, financier]
    )
    outsider = login(financier.user)

    response = outsider.post(
        url(conference, f"b2b/requests/{request.pk}/messages/"), {"body": "Hi"}
    )
    assert response.status_code == 404
    response = login(oem.user).post(
        url(conference, f"b2b/meetings/{meeting.pk}/messages/"), {"body": "Hi"}
    )
    assert response.status_code == 404
    response = login(security_officer).post(
        url(conference, f"b2b/meetings/{meeting.pk}/messages/"), {"body": "Hi"}
    )
    assert response.status_code in (403, 404)
    assert not MeetingMessage.objects.exists()


def test_posting_through_the_page_shows_the_message_and_keeps_what_was_refused(
    conference, recycler, oem
):
    request = send(conference, recycler, oem)
    client = login(oem.user)
    page = url(conference, f"b2b/requests/{request.pk}/")

    response = client.post(page + "messages/", {"body": "Tuesday works for us."})
    assert response.status_code == 302
    assert response["Location"].endswith("#thread")
    assert "Tuesday works for us." in client.get(page).content.decode()

    response = client.post(page + "messages/", {"body": "y" * 2500})
    assert response.status_code == 400
    assert ("y" * 2500).encode() in response.content  # nothing typed is lost
    assert MeetingMessage.objects.count() == 1


def test_organisers_write_as_the_organisers(conference, recycler, oem, slots, tables, organiser):
    meeting = services.meeting_create(
        conference=conference, slot=slots[0], table=None, registrations=[recycler, oem]
    )

    response = login(organiser).post(
        url(conference, f"b2b/meetings/{meeting.pk}/messages/"), {"body": "Table moved to T03."}
    )

    assert response.status_code == 302
    message = MeetingMessage.objects.get()
    assert (message.meeting, message.author) == (meeting, None)
    assert set(
        OutgoingEmail.objects.filter(kind="b2b.message").values_list("recipient", flat=True)
    ) == {
        recycler.user.email,
        oem.user.email,
    }
    page = login(recycler.user).get(url(conference, f"b2b/meetings/{meeting.pk}/"))
    assert "The organisers" in page.content.decode()
