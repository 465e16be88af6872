"""
The message thread of a request or meeting: only the participants and the
organisers read it, each message reaches the others through the outbox in
their language and without anyone's address, with length and rate limits.
"""

import datetime

import pytest
from django.utils import timezone

from b2b_meetings import services
from b2b_meetings.models import MeetingMessage, MeetingRequest
from b2b_meetings.services import B2BError
from conference.core.models import OutgoingEmail, Role
from tests.factories import ConferenceFactory, ConferenceRoleFactory, totp_activate
from tests.helpers import login, send_request, url

pytestmark = pytest.mark.django_db


def post(meeting_request=None, meeting=None, *, author, body="Shall we bring our CFO?"):
    return services.message_post(
        meeting_request=meeting_request,
        meeting=meeting,
        author=author,
        author_user=author.user,
        body=body,
    )


def test_a_message_is_emailed_to_the_other_side_only_without_addresses(conference, recycler, oem):
    request = send_request(conference, recycler, oem)

    post(request, author=recycler, body="Shall we bring our CFO?")

    (email,) = OutgoingEmail.objects.filter(kind="b2b.message")
    assert email.recipient == oem.user.email
    assert "Shall we bring our CFO?" in email.body_text
    assert recycler.user.email not in email.body_text + email.body_html + email.subject
    assert f"/b2b/requests/{request.pk}/" in email.body_text


def test_the_email_is_in_the_recipients_language(conference, recycler, oem):
    oem.user.language = "ja"
    oem.user.save(update_fields=["language"])
    request = send_request(conference, recycler, oem)

    post(request, author=recycler)

    email = OutgoingEmail.objects.get(kind="b2b.message")
    assert "メッセージ" in email.subject


def test_html_in_a_message_is_escaped_in_the_email_and_the_page(conference, recycler, oem):
    request = send_request(conference, recycler, oem)

    post(request, author=recycler, body='<a href="//evil.example">Verify</a>')

    email = OutgoingEmail.objects.get(kind="b2b.message")
    assert '<a href="//evil.example">' not in email.body_html
    page = login(oem.user).get(url(conference, f"b2b/requests/{request.pk}/"))
    assert b'<a href="//evil.example">' not in page.content
    assert b"&lt;a href=" in page.content


def test_a_meeting_from_a_request_shares_its_thread(
    conference, recycler, oem, slots, tables, organiser
):
    request = send_request(conference, recycler, oem)
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
    request = send_request(conference, recycler, oem)

    with pytest.raises(B2BError):
        post(request, author=financier)
    assert not MeetingMessage.objects.exists()


def test_empty_and_overlong_messages_are_refused(conference, recycler, oem):
    request = send_request(conference, recycler, oem)

    with pytest.raises(B2BError, match="write a message"):
        post(request, author=recycler, body="   ")
    with pytest.raises(B2BError, match="at most 2000"):
        post(request, author=recycler, body="x" * 2001)
    assert not MeetingMessage.objects.exists()


def test_the_sixth_message_in_a_minute_is_refused(conference, recycler, oem):
    request = send_request(conference, recycler, oem)
    for n in range(5):
        post(request, author=recycler, body=f"Message {n}")

    with pytest.raises(B2BError, match="wait a little"):
        post(request, author=recycler)
    assert MeetingMessage.objects.count() == 5


def test_the_thread_is_404_to_everyone_else(
    conference, recycler, oem, financier, slots, tables, security_officer
):
    request = send_request(conference, recycler, oem)
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
    request = send_request(conference, recycler, oem)
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


# The organisers read a request's thread, whatever the request's state -------------------


def request_page(conference, meeting_request):
    return url(conference, f"b2b/requests/{meeting_request.pk}/")


ANSWER_URLS = ("accept/", "accept-to-schedule/", "decline/", "withdraw/")


def test_organisers_read_a_pending_request_and_its_thread_without_answering_for_anyone(
    conference, recycler, oem, organiser
):
    request = send_request(conference, recycler, oem)
    post(request, author=recycler, body="Shall we bring our CFO?")
    post(request, author=oem, body="Yes, please.")

    response = login(organiser).get(request_page(conference, request))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Shall we bring our CFO?" in html and "Yes, please." in html
    assert "Joint pilot line" in html  # the agenda
    # Nothing to act on behalf of a delegate: no accept, decline or withdraw form.
    for action in ANSWER_URLS:
        assert request_page(conference, request) + action not in html
    assert 'name="slot"' not in html
    assert response.context["is_party"] is False
    # As on a meeting's page, they may write, signed by the organisers.
    assert request_page(conference, request) + "messages/" in html
    assert "Request to meet you" not in html and "Your request" not in html


@pytest.mark.parametrize(
    "status",
    [
        MeetingRequest.Status.DECLINED,
        MeetingRequest.Status.SCHEDULING,
        MeetingRequest.Status.CANCELLED,
        MeetingRequest.Status.EXPIRED,
        "past its expiry",
    ],
)
def test_organisers_read_a_request_in_any_state(conference, recycler, oem, organiser, status):
    request = send_request(conference, recycler, oem)
    post(request, author=recycler, body="Before the answer")
    if status == "past its expiry":
        MeetingRequest.objects.filter(pk=request.pk).update(
            expires_at=timezone.now() - datetime.timedelta(hours=1)
        )
    else:
        MeetingRequest.objects.filter(pk=request.pk).update(status=status)

    response = login(organiser).get(request_page(conference, request))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Before the answer" in html
    for action in ANSWER_URLS:
        assert request_page(conference, request) + action not in html


def test_organisers_read_the_request_of_a_booked_meeting_with_a_link_to_it(
    conference, recycler, oem, slots, tables, organiser
):
    request = send_request(conference, recycler, oem)
    meeting = services.request_accept(meeting_request=request, responder=oem, slot=slots[0])

    html = login(organiser).get(request_page(conference, request)).content.decode()

    assert meeting.get_absolute_url() in html


def test_organisers_write_on_a_request_as_the_organisers(conference, recycler, oem, organiser):
    request = send_request(conference, recycler, oem)

    response = login(organiser).post(
        request_page(conference, request) + "messages/", {"body": "Please bring the samples."}
    )

    assert response.status_code == 302
    message = MeetingMessage.objects.get()
    assert (message.request, message.author, message.author_user) == (request, None, organiser)
    assert set(
        OutgoingEmail.objects.filter(kind="b2b.message").values_list("recipient", flat=True)
    ) == {recycler.user.email, oem.user.email}
    page = login(recycler.user).get(request_page(conference, request)).content.decode()
    assert "Please bring the samples." in page and "The organisers" in page


def test_an_organiser_of_another_conference_gets_a_404(conference, recycler, oem):
    request = send_request(conference, recycler, oem)
    post(request, author=recycler, body="Confidential terms")
    elsewhere = ConferenceFactory()
    stranger = ConferenceRoleFactory(conference=elsewhere, role=Role.ORGANISER).user
    totp_activate(stranger)
    client = login(stranger)

    for path in ("", "messages/"):
        there = url(elsewhere, f"b2b/requests/{request.pk}/{path}")
        response = client.get(there) if not path else client.post(there, {"body": "Hi"})
        assert response.status_code == 404
        # At the request's own conference they hold no role at all.
        here = request_page(conference, request) + path
        response = client.get(here) if not path else client.post(here, {"body": "Hi"})
        assert response.status_code == 403
        assert b"Confidential terms" not in response.content
    assert MeetingMessage.objects.count() == 1


def test_another_delegate_gets_a_404_and_staff_a_403_for_real_and_missing_requests(
    conference, recycler, oem, financier, checkin_staff, security_officer
):
    request = send_request(conference, recycler, oem)
    post(request, author=recycler, body="Confidential terms")
    missing = MeetingRequest.objects.order_by("-pk").first().pk + 1000

    for user, status in ((financier.user, 404), (checkin_staff, 403), (security_officer, 403)):
        client = login(user)
        for pk in (request.pk, missing):
            page = url(conference, f"b2b/requests/{pk}/")
            seen = client.get(page)
            assert seen.status_code == status, (user, pk)
            assert b"Confidential terms" not in seen.content
            assert client.post(page + "messages/", {"body": "Hi"}).status_code == status
    assert MeetingMessage.objects.count() == 1


def test_the_activity_feed_links_a_request_and_a_meeting_to_their_pages(
    conference, recycler, oem, slots, tables, organiser
):
    request = send_request(conference, recycler, oem)
    meeting = services.request_accept(meeting_request=request, responder=oem, slot=slots[0])

    html = login(organiser).get(url(conference, "manage/")).content.decode()

    assert f'href="{request_page(conference, request)}"' in html
    assert f'href="{meeting.get_absolute_url()}"' in html


def test_the_request_page_of_an_organiser_has_a_fixed_number_of_queries(
    conference, recycler, oem, organiser, django_assert_num_queries
):
    """
    The session's user; the conference and the staff roles (two queries for
    staff without a registration); the second factor; the request with its
    two sides; its meeting, if any; the thread. Whatever the thread's length.
    """
    request = send_request(conference, recycler, oem)
    client = login(organiser)
    for n in range(3):
        post(request, author=recycler if n % 2 else oem, body=f"Message {n}")
        with django_assert_num_queries(7):
            assert client.get(request_page(conference, request)).status_code == 200


def test_an_organiser_who_is_also_a_delegate_answers_their_own_requests_only(
    conference, recycler, oem, financier
):
    ConferenceRoleFactory(conference=conference, role=Role.ORGANISER, user=oem.user)
    totp_activate(oem.user)
    theirs = send_request(conference, recycler, oem)
    others = send_request(conference, recycler, financier)
    client = login(oem.user)

    own = client.get(request_page(conference, theirs))
    read = client.get(request_page(conference, others))

    assert own.context["is_party"] is True and own.context["is_recipient"] is True
    assert request_page(conference, theirs) + "decline/" in own.content.decode()
    assert read.status_code == 200 and read.context["is_party"] is False
    assert request_page(conference, others) + "decline/" not in read.content.decode()
    client.post(request_page(conference, others) + "messages/", {"body": "From the desk"})
    client.post(request_page(conference, theirs) + "messages/", {"body": "From me"})
    authors = dict(MeetingMessage.objects.values_list("body", "author"))
    assert authors == {"From the desk": None, "From me": oem.pk}
