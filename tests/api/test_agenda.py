"""
The agenda through the API: rooms and tracks, the published sessions (the
public agenda's, never the working copy's unpublished edits) with their
speakers, and the releases with their change logs.
"""

import datetime

import pytest
from django.utils import timezone

from conference.api.scopes import Scope
from sessions_app.models import ScheduleRelease, Session, SessionSpeaker
from tests.api.client import ApiClient
from tests.factories import (
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
    local_time,
)
from tests.helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(conference):
    return ApiClient.for_scopes(conference, Scope.AGENDA_READ)


def release_at(release, moment):
    """Date a release back (tests of `updated_since` need releases apart in time)."""
    ScheduleRelease.objects.filter(pk=release.pk).update(published_at=moment)


def test_rooms_and_tracks_are_listed_with_their_details(api, conference):
    room = RoomFactory(conference=conference, name="Durbar Hall", location="Ground floor")
    track = TrackFactory(conference=conference, name="Recycling", colour="amber")
    RoomFactory()  # another conference's

    rooms = api.get_json("rooms/")["results"]
    tracks = api.get_json("tracks/")["results"]

    assert [(r["id"], r["name"], r["location"]) for r in rooms] == [
        (room.pk, "Durbar Hall", "Ground floor")
    ]
    assert [(t["id"], t["name"], t["colour"]) for t in tracks] == [(track.pk, "Recycling", "amber")]


def test_sessions_are_the_published_agenda_not_the_working_copy(api, conference, organiser):
    shown = SessionFactory(conference=conference, title="Securing anchor off-takers")
    SessionFactory(conference=conference, title="Draft", published=False)
    publish(conference, organiser)
    # Edits after the publish stay in the working copy until the next one.
    Session.objects.filter(pk=shown.pk).update(title="Renamed, unpublished")
    SessionFactory(conference=conference, title="Added, unpublished")

    sessions = api.get_json("sessions/")["results"]

    assert [s["title"] for s in sessions] == ["Securing anchor off-takers"]


def test_no_release_means_no_sessions(api, conference):
    SessionFactory(conference=conference)

    assert api.get_json("sessions/") == {"results": [], "next": None}


def test_a_session_carries_what_agenda_json_shows_with_speakers(api, conference, organiser):
    track = TrackFactory(conference=conference, name="Refining")
    session = SessionFactory(
        conference=conference, title="Bankability", track=track, capacity=40, kind="workshop"
    )
    speaker = SpeakerFactory(
        conference=conference, name="Aiko Tanaka", title="JBIC", bio="Project finance."
    )
    SessionSpeaker.objects.create(session=session, speaker=speaker, role="chair")
    publish(conference, organiser)

    [item] = api.get_json("sessions/")["results"]
    release = ScheduleRelease.objects.get(conference=conference)

    assert item["id"] == session.pk
    assert item["uid"].startswith("session-")
    assert item["kind"] == "workshop"
    assert item["track_id"] == track.pk and item["track"] == "Refining"
    assert item["room_id"] == session.room_id and item["room"] == session.room.name
    assert item["capacity"] == 40
    assert item["status"] == "confirmed"
    # Times in the conference's zone, with its offset (as agenda.json gives them).
    assert item["starts_at"] == local_time(conference, 9, 30).isoformat()
    assert item["speakers"] == [
        {"name": "Aiko Tanaka", "title": "JBIC", "bio": "Project finance.", "role": "chair"}
    ]
    assert item["url"].endswith(f"/events/{conference.slug}/agenda/sessions/{session.pk}/")
    assert datetime.datetime.fromisoformat(item["updated_at"]) == release.published_at


def test_a_closed_door_session_is_listed_as_on_the_public_agenda(api, conference, organiser):
    SessionFactory(conference=conference, title="Closed-door: offtake", kind="closed_door")
    publish(conference, organiser)

    [item] = api.get_json("sessions/")["results"]

    assert (item["title"], item["kind"]) == ("Closed-door: offtake", "closed_door")


def test_cancelled_and_removed_sessions_stay_listed_with_their_status(api, conference, organiser):
    cancelled = SessionFactory(conference=conference, title="Cancelled")
    removed = SessionFactory(conference=conference, title="Removed")
    SessionFactory(conference=conference, title="Kept")
    publish(conference, organiser)
    Session.objects.filter(pk=cancelled.pk).update(is_cancelled=True)
    Session.objects.filter(pk=removed.pk).update(published=False)
    publish(conference, organiser)

    statuses = {s["title"]: s["status"] for s in api.all_pages("sessions/")}
    confirmed = api.get_json("sessions/", {"status": "confirmed"})["results"]

    assert statuses == {"Cancelled": "cancelled", "Removed": "removed", "Kept": "confirmed"}
    assert [s["title"] for s in confirmed] == ["Kept"]


def test_updated_since_gives_the_sessions_changed_by_later_releases(api, conference, organiser):
    moved = SessionFactory(conference=conference, title="Moved")
    SessionFactory(conference=conference, title="Unchanged")
    first = publish(conference, organiser)
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    release_at(first, a_day_ago)
    Session.objects.filter(pk=moved.pk).update(
        starts_at=local_time(conference, 11), ends_at=local_time(conference, 12)
    )
    second = publish(conference, organiser)
    between = (a_day_ago + datetime.timedelta(hours=1)).isoformat()

    changed = api.get_json("sessions/", {"updated_since": between})["results"]

    assert [s["title"] for s in changed] == ["Moved"]
    assert changed[0]["sequence"] == 1
    assert datetime.datetime.fromisoformat(changed[0]["updated_at"]) == second.published_at
    # The list's order is (updated_at, id): the unchanged session comes first.
    assert [s["title"] for s in api.get_json("sessions/")["results"]] == ["Unchanged", "Moved"]


def test_sessions_page_with_a_cursor_like_every_list(api, conference, organiser):
    for i in range(5):
        SessionFactory(conference=conference, title=f"S{i}")
    publish(conference, organiser)

    first = api.get_json("sessions/", {"limit": 2})
    rows = api.all_pages("sessions/", {"limit": 2})

    assert len(first["results"]) == 2 and "cursor=" in first["next"]
    assert sorted(r["title"] for r in rows) == [f"S{i}" for i in range(5)]
    assert len({r["id"] for r in rows}) == 5


def test_a_publish_is_seen_at_once_despite_the_cache(api, conference, organiser):
    session = SessionFactory(conference=conference, title="Before")
    publish(conference, organiser)
    assert [s["title"] for s in api.get_json("sessions/")["results"]] == ["Before"]
    Session.objects.filter(pk=session.pk).update(title="After")
    publish(conference, organiser)

    assert [s["title"] for s in api.get_json("sessions/")["results"]] == ["After"]


def test_releases_list_their_number_time_and_changes(api, conference, organiser):
    session = SessionFactory(conference=conference, title="Recycling")
    first = publish(conference, organiser)
    release_at(first, timezone.now() - datetime.timedelta(days=1))
    Session.objects.filter(pk=session.pk).update(title="Recycling and black mass")
    publish(conference, organiser)

    releases = api.get_json("releases/")["results"]
    later = api.get_json(
        "releases/",
        {"updated_since": (timezone.now() - datetime.timedelta(hours=1)).isoformat()},
    )["results"]

    assert [r["number"] for r in releases] == [1, 2]
    assert releases[0]["changes"] == [
        {
            "session": session.pk,
            "title": "Recycling",
            "change": "new",
            "before": None,
            "after": None,
        }
    ]
    assert [c["change"] for c in releases[1]["changes"]] == ["renamed"]
    assert releases[1]["changes"][0]["after"]["title"] == "Recycling and black mass"
    assert [r["number"] for r in later] == [2]
    assert "snapshot" not in releases[0]
