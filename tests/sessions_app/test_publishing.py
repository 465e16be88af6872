"""Publishing: what delegates see, and the one email per person about their changes."""

import pytest

from conference.core.models import OutgoingEmail
from sessions_app import services
from sessions_app.models import Session
from sessions_app.selectors import agenda_pending_changes
from tests.factories import RegistrationFactory, RoomFactory, SessionFactory, local_time
from tests.helpers import hours, login, publish, url

pytestmark = pytest.mark.django_db


def sign_up(registration, session):
    return services.session_signup(registration=registration, session_id=session.pk)


def move(session, by):
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + by, ends_at=session.ends_at + by
    )


def test_each_signed_up_delegate_gets_one_email_listing_their_changes(
    conference, organiser, agenda, delegate, other_delegate
):
    sign_up(delegate.registration, agenda["workshop"])
    sign_up(delegate.registration, agenda["opening"])
    sign_up(other_delegate.registration, agenda["opening"])
    bystander = RegistrationFactory(conference=conference, approved=True)
    sign_up(bystander, agenda["panel"])
    move(agenda["opening"], hours(1))
    Session.objects.filter(pk=agenda["workshop"].pk).update(is_cancelled=True)

    release = publish(conference, organiser)

    emails = OutgoingEmail.objects.filter(kind="session.changed")
    assert sorted(e.recipient for e in emails) == sorted([delegate.email, other_delegate.email])
    mine = emails.get(recipient=delegate.email)
    assert "Opening plenary: moved from" in mine.body_text
    assert "10:30" in mine.body_text  # the new time, in conference time
    assert "Black mass workshop: cancelled" in mine.body_text
    assert mine.dedup_key == f"agenda:release:{release.pk}:reg:{delegate.registration.pk}"
    theirs = emails.get(recipient=other_delegate.email)
    assert "Black mass workshop" not in theirs.body_text


def test_a_new_room_or_title_is_told_but_a_new_description_is_not(
    conference, organiser, agenda, delegate
):
    sign_up(delegate.registration, agenda["opening"])
    Session.objects.filter(pk=agenda["opening"].pk).update(description="Now with slides.")
    publish(conference, organiser)
    assert not OutgoingEmail.objects.filter(kind="session.changed").exists()

    Session.objects.filter(pk=agenda["opening"].pk).update(
        room=RoomFactory(conference=conference, name="Lotus Annexe")
    )
    publish(conference, organiser)

    email = OutgoingEmail.objects.get(kind="session.changed")
    assert "new room: Lotus Annexe (was Darbar Hall)" in email.body_text


def test_a_session_taken_off_the_agenda_is_told_and_stays_in_feeds_as_cancelled(
    conference, organiser, agenda, delegate
):
    sign_up(delegate.registration, agenda["panel"])
    Session.objects.filter(pk=agenda["panel"].pk).update(published=False)

    release = publish(conference, organiser)

    item = next(i for i in release.snapshot if i["id"] == agenda["panel"].pk)
    assert item["removed"] is True
    assert item["cancelled"] is True
    assert item["sequence"] == 1
    email = OutgoingEmail.objects.get(kind="session.changed")
    assert "Offtake panel: taken off the agenda" in email.body_text
    # Still a tombstone in the next release, with no new change.
    again = publish(conference, organiser)
    assert [i["removed"] for i in again.snapshot if i["id"] == agenda["panel"].pk] == [True]
    assert again.changes == []


def test_cancelled_sign_ups_are_not_told(conference, organiser, agenda, delegate):
    signup = sign_up(delegate.registration, agenda["opening"])
    services.session_signup_cancel(signup=signup)
    move(agenda["opening"], hours(2))

    publish(conference, organiser)

    assert not OutgoingEmail.objects.filter(kind="session.changed").exists()


def test_the_public_agenda_shows_the_release_until_the_next_publish(
    client, conference, organiser, agenda
):
    Session.objects.filter(pk=agenda["opening"].pk).update(title="Opening plenary (new title)")
    SessionFactory(conference=conference, title="Draft session", published=True)

    before = client.get(url(conference, "agenda/")).content.decode()
    publish(conference, organiser)
    after = client.get(url(conference, "agenda/")).content.decode()

    assert "Opening plenary" in before
    assert "new title" not in before and "Draft session" not in before
    assert "Opening plenary (new title)" in after and "Draft session" in after


def test_pending_changes_preview_what_publishing_would_do(conference, organiser, agenda):
    move(agenda["panel"], hours(1))

    changes, previous = agenda_pending_changes(conference=conference)

    assert previous.number == 1
    assert [(c["title"], c["change"]) for c in changes] == [("Offtake panel", "moved")]


def test_publishing_through_the_page_is_for_organisers(conference, organiser, agenda, delegate):
    path = url(conference, "manage/agenda/publish/")

    assert login(delegate).post(path).status_code == 403
    response = login(organiser).post(path)

    assert response.status_code == 302
    assert conference.releases.count() == 2


def test_it_deletes_only_sessions_never_published(conference, organiser, agenda):
    draft = SessionFactory(
        conference=conference, published=False, starts_at=local_time(conference, 15)
    )

    with pytest.raises(services.AgendaError):
        services.session_delete(session=agenda["panel"], actor=organiser)
    services.session_delete(session=draft, actor=organiser)

    assert Session.objects.filter(pk=agenda["panel"].pk).exists()
    assert not Session.objects.filter(pk=draft.pk).exists()
