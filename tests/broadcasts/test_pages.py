"""The broadcast pages as an organiser uses them, and what they refuse."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conference.core.models import OutgoingEmail
from conference.portal.broadcasts import services
from conference.portal.broadcasts.audience import Audience
from conference.portal.broadcasts.models import Broadcast
from tests.factories import ConferenceFactory, ConferenceRoleFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Financiers' breakfast",
    "subject_en": "Breakfast with {first_name}",
    "body_en": "Dear {name},\nbreakfast is at 8:00 at {venue}.",
    "subject_ja": "{first_name}様 朝食会",
    "body_ja": "{name}様\n朝食会は8時からです。",
    "status": ["approved"],
    "kind": ["financier"],
}


@pytest.fixture
def staff(organiser):
    client = Client()
    client.force_login(organiser)
    return client


def url(conference, name, *args):
    return reverse(f"conference:{name}", args=[conference.slug, *args])


def test_an_organiser_writes_previews_tests_and_sends_a_broadcast(
    conference, organiser, staff, people, django_capture_on_commit_callbacks
):
    assert staff.get(url(conference, "broadcasts")).status_code == 200
    page = staff.get(url(conference, "broadcast_new"))
    assert page.status_code == 200
    # The default audience counts every approved registration.
    assert 'data-recipient-count="3"' in page.content.decode()

    count = staff.post(url(conference, "broadcast_audience"), FORM)
    assert 'data-recipient-count="1"' in count.content.decode()
    assert "Grace Lee" in count.content.decode() or "Lee" in count.content.decode()

    preview = staff.post(url(conference, "broadcast_preview", "ja"), {**FORM, "kind": []})
    body = preview.content.decode()
    assert "Hanako様 朝食会" in body  # the first Japanese reader of the audience

    response = staff.post(url(conference, "broadcast_new"), FORM)
    broadcast = Broadcast.objects.get()
    assert response.url == url(conference, "broadcast", broadcast.pk)
    assert broadcast.audience["kind"] == ["financier"]
    detail = staff.get(response.url).content.decode()
    assert "Financier" in detail and 'data-recipient-count="1"' in detail

    staff.post(url(conference, "broadcast_test", broadcast.pk, "ja"))
    test = OutgoingEmail.objects.get(recipient=organiser.email)
    assert "朝食会" in test.subject

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url(conference, "broadcast_send", broadcast.pk), {"when": "now"})
    assert response.status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    sent = OutgoingEmail.objects.get(batch=broadcast.batch)
    assert sent.recipient == people.lee.user.email and sent.subject == "Breakfast with Grace"

    progress = staff.get(url(conference, "broadcast_progress", broadcast.pk)).content.decode()
    assert 'data-total="1"' in progress
    listing = staff.get(url(conference, "broadcasts")).content.decode()
    assert "Financiers&#x27; breakfast" in listing


def test_unknown_placeholders_are_shown_with_the_allowed_list_and_nothing_is_lost(
    conference, staff
):
    data = {**FORM, "body_en": "Your room: {hotel_room}"}
    response = staff.post(url(conference, "broadcast_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "{hotel_room}" in page and "{first_name}" in page
    assert "朝食会は8時からです。" in page  # what was typed is still there
    assert not Broadcast.objects.exists()


def test_scheduling_in_the_past_is_refused_and_later_is_scheduled_in_the_conference_zone(
    conference, organiser, staff, people
):
    broadcast = services.broadcast_save(
        conference=conference,
        actor=organiser,
        title="x",
        texts={"en": {"subject": "Hi", "body": "Text"}},
        audience=Audience(),
    )
    send = url(conference, "broadcast_send", broadcast.pk)
    past = staff.post(send, {"when": "later", "send_at": "2020-01-01T09:00"}, follow=True)
    assert "future" in past.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DRAFT

    local = timezone.localtime(timezone.now(), conference.tz) + datetime.timedelta(days=2)
    staff.post(send, {"when": "later", "send_at": local.strftime("%Y-%m-%dT%H:%M")})
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED
    assert timezone.localtime(broadcast.scheduled_for, conference.tz).strftime(
        "%Y-%m-%d %H:%M"
    ) == local.strftime("%Y-%m-%d %H:%M")
    # A scheduled broadcast can no longer be edited, only taken back.
    assert staff.get(url(conference, "broadcast_edit", broadcast.pk)).status_code == 302
    staff.post(url(conference, "broadcast_unschedule", broadcast.pk))
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DRAFT


def test_another_conferences_broadcast_is_not_found(conference, staff, organiser):
    other = ConferenceFactory()
    theirs = Broadcast.objects.create(
        conference=other, title="Theirs", texts={"en": {"subject": "a", "body": "b"}}
    )
    for name in ("broadcast", "broadcast_edit", "broadcast_progress"):
        assert staff.get(url(conference, name, theirs.pk)).status_code == 404
    for name in ("broadcast_send", "broadcast_delete", "broadcast_unschedule"):
        assert staff.post(url(conference, name, theirs.pk), {"when": "now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Broadcast.Status.DRAFT


def test_the_organiser_of_another_conference_cannot_read_ours(conference, people):
    broadcast = Broadcast.objects.create(
        conference=conference, title="Ours", texts={"en": {"subject": "a", "body": "b"}}
    )
    stranger = ConferenceRoleFactory(conference=ConferenceFactory(), role="organiser").user
    client = Client()
    client.force_login(stranger)
    assert client.get(url(conference, "broadcast", broadcast.pk)).status_code == 403


def test_the_list_takes_a_fixed_number_of_queries(
    conference, organiser, staff, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            broadcast = Broadcast.objects.create(
                conference=conference,
                title=f"B{i}",
                texts={"en": {"subject": "a", "body": "b"}},
                created_by=organiser,
            )
            registration = RegistrationFactory(conference=conference)
            OutgoingEmail.objects.create(
                conference=conference,
                recipient=registration.user.email,
                from_email="x@example.org",
                subject="a",
                body_text="b",
                kind="broadcast",
                dedup_key=f"{broadcast.batch}:reg:{registration.pk}",
                batch=broadcast.batch,
            )

    add(2)
    staff.get(url(conference, "broadcasts"))  # warm caches (sessions, permissions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff.get(url(conference, "broadcasts"))
    add(10)
    with CaptureQueriesContext(connection) as many:
        staff.get(url(conference, "broadcasts"))
    assert len(many) == len(few)
