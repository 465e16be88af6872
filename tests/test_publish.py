"""Publishing the agenda: numbered releases, the change log and ICS sequences."""

import datetime

import pytest

from conference.core.models import AuditLog
from sessions_app.models import ScheduleRelease, Session
from sessions_app.services import schedule_publish
from tests.factories import RoomFactory, SessionFactory, local_time
from tests.helpers import publish

pytestmark = pytest.mark.django_db


def change_log(release):
    return sorted((c["title"], c["change"]) for c in release.changes)


def sequences(*sessions):
    return {s.title: Session.objects.get(pk=s.pk).sequence for s in sessions}


def test_it_numbers_releases_from_one(conference, organiser):
    SessionFactory(conference=conference, title="Opening plenary")

    first = publish(conference, organiser)
    second = publish(conference, organiser)

    assert (first.number, second.number) == (1, 2)
    assert ScheduleRelease.objects.filter(conference=conference).count() == 2
    assert first.published_by == organiser
    assert (
        AuditLog.objects.filter(
            conference=conference, action="agenda.publish", actor=organiser
        ).count()
        == 2
    )


def test_the_first_release_lists_every_published_session_as_new(conference, organiser):
    SessionFactory(conference=conference, title="Opening plenary")
    SessionFactory(conference=conference, title="Long-term offtake")
    SessionFactory(conference=conference, title="Not ready", published=False)

    release = publish(conference, organiser)

    assert change_log(release) == [("Long-term offtake", "new"), ("Opening plenary", "new")]
    assert sorted(item["title"] for item in release.snapshot) == [
        "Long-term offtake",
        "Opening plenary",
    ]


def test_releases_of_one_conference_are_numbered_apart_from_another(conference, organiser):
    SessionFactory(conference=conference)
    other = SessionFactory().conference
    publish(conference, organiser)

    assert schedule_publish(conference=other, actor=None).number == 1
    assert publish(conference, organiser).number == 2


def test_a_release_without_changes_has_an_empty_change_log(conference, organiser):
    session = SessionFactory(conference=conference)
    publish(conference, organiser)

    release = publish(conference, organiser)

    assert release.changes == []
    assert sequences(session) == {session.title: 0}


@pytest.fixture
def first_release(conference, organiser):
    """Five sessions published in release 1."""
    sessions = {
        name: SessionFactory(
            conference=conference,
            title=name,
            starts_at=local_time(conference, 9 + i),
            ends_at=local_time(conference, 9 + i, 45),
        )
        for i, name in enumerate(["Moved", "New room", "Cancelled", "Removed", "Unchanged"])
    }
    publish(conference, organiser)
    return sessions


def _edit_the_working_copy(conference, sessions):
    hour = datetime.timedelta(hours=1)
    moved = sessions["Moved"]
    moved.starts_at += 6 * hour
    moved.ends_at += 6 * hour
    moved.save()
    sessions["New room"].room = RoomFactory(conference=conference, name="Durbar Hall")
    sessions["New room"].save()
    sessions["Cancelled"].is_cancelled = True
    sessions["Cancelled"].save()
    sessions["Removed"].published = False
    sessions["Removed"].save()
    return SessionFactory(conference=conference, title="Added")


def test_the_change_log_lists_what_changed(conference, organiser, first_release):
    _edit_the_working_copy(conference, first_release)

    release = publish(conference, organiser)

    assert release.number == 2
    assert change_log(release) == [
        ("Added", "new"),
        ("Cancelled", "cancelled"),
        ("Moved", "moved"),
        ("New room", "room"),
        ("Removed", "removed"),
    ]
    moved = next(c for c in release.changes if c["change"] == "moved")
    parse = datetime.datetime.fromisoformat
    assert parse(moved["before"]["starts_at"]) == local_time(conference, 9)
    assert parse(moved["after"]["starts_at"]) == local_time(conference, 15)


def test_the_public_snapshot_keeps_removed_and_cancelled_sessions_marked(
    conference, organiser, first_release
):
    _edit_the_working_copy(conference, first_release)

    release = publish(conference, organiser)

    items = {item["title"]: item for item in release.snapshot}
    assert items["Cancelled"]["cancelled"] is True
    assert items["Removed"].get("removed", True) is True
    assert items["Unchanged"]["cancelled"] is False


def test_only_changed_sessions_get_a_higher_sequence(conference, organiser, first_release):
    added = _edit_the_working_copy(conference, first_release)

    release = publish(conference, organiser)

    assert sequences(*first_release.values(), added) == {
        "Moved": 1,
        "New room": 1,
        "Cancelled": 1,
        "Removed": 1,
        "Unchanged": 0,
        "Added": 0,
    }
    published = {item["title"]: item["sequence"] for item in release.snapshot}
    assert published["Moved"] == 1
    assert published["Unchanged"] == 0
    assert published["Added"] == 0


def test_sequences_grow_again_only_with_a_new_change(conference, organiser, first_release):
    _edit_the_working_copy(conference, first_release)
    publish(conference, organiser)
    moved = first_release["Moved"]
    moved.refresh_from_db()
    moved.ends_at += datetime.timedelta(minutes=15)
    moved.save()

    release = publish(conference, organiser)

    assert change_log(release) == [("Moved", "moved")]
    assert sequences(first_release["Moved"], first_release["New room"]) == {
        "Moved": 2,
        "New room": 1,
    }
