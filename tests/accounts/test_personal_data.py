"""
The delegate's data download (register/my-data.json): the accounts app
writes its own sections and collects the others from the apps that hold
them (accounts.personal_data), in one fixed order.
"""

import datetime
import json

import pytest
from django.urls import reverse

from accounts import selectors
from b2b_meetings.models import MeetingMessage
from tests.factories import (
    MeetingFactory,
    MeetingRequestFactory,
    MeetingSeatFactory,
    OutgoingEmailFactory,
    SessionFactory,
    SessionSignupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = [
    "conference",
    "account",
    "invitations",
    "registration",
    "session_signups",
    "meeting_requests",
    "meetings",
    "meeting_messages",
    "emails",
]


def _iso(value):
    return value.astimezone(datetime.UTC).isoformat()


def test_the_download_holds_every_section_in_order_with_what_each_app_holds(
    client, conference, delegate
):
    registration = delegate.registration
    session = SessionFactory(conference=conference, title="Refining at scale")
    SessionSignupFactory(session=session, registration=registration)
    sent = MeetingRequestFactory(conference=conference, requester=registration, agenda="Offtake")
    received = MeetingRequestFactory(
        conference=conference, target_registration=registration, agenda="Joint R&D"
    )
    meeting = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=meeting, registration=registration)
    message = MeetingMessage.objects.create(
        conference=conference, request=sent, author=registration, author_user=delegate, body="Hi"
    )
    OutgoingEmailFactory(conference=conference, recipient=delegate.email, subject="Welcome")
    client.force_login(delegate)

    response = client.get(reverse("accounts:personal_data", args=[conference.slug]))

    data = json.loads(response.content)
    assert list(data) == SECTIONS
    assert data["session_signups"] == [
        {
            "session": "Refining at scale",
            "starts_at": _iso(session.starts_at),
            "status": "confirmed",
        }
    ]
    requests = sorted(data["meeting_requests"], key=lambda item: item["direction"])
    assert requests == [
        {
            "direction": "received",
            "agenda": "Joint R&D",
            "priority": received.get_priority_display(),
            "status": received.status,
            "created_at": _iso(received.created_at),
        },
        {
            "direction": "sent",
            "agenda": "Offtake",
            "priority": sent.get_priority_display(),
            "status": sent.status,
            "created_at": _iso(sent.created_at),
        },
    ]
    assert data["meetings"] == [
        {
            "starts_at": _iso(meeting.slot.starts_at),
            "ends_at": _iso(meeting.slot.ends_at),
            "table": meeting.table.label,
            "status": meeting.status,
        }
    ]
    assert data["meeting_messages"] == [
        {"thread": f"request {sent.pk}", "body": "Hi", "created_at": _iso(message.created_at)}
    ]
    assert [email["subject"] for email in data["emails"]] == ["Welcome"]


def test_someone_without_a_registration_gets_every_section_with_empty_lists(conference):
    user = UserFactory()

    data = selectors.registration_personal_data(user=user, conference=conference)

    assert list(data) == SECTIONS
    assert data["registration"] is None
    assert data["session_signups"] == data["meeting_requests"] == data["meetings"] == []
    assert data["meeting_messages"] == []
