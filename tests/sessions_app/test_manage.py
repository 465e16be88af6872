"""The organisers' agenda builder: forms, moves, conflicts, rooms, tracks, speakers."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conference.core.models import AuditLog, Room
from sessions_app import services
from sessions_app.models import Session, SessionSpeaker, Speaker, Track
from sessions_app.selectors import agenda_conflicts
from tests.factories import (
    ConferenceFactory,
    MeetingFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    RegistrationFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    local_time,
)
from tests.helpers import login, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["delegate", "security_officer", "checkin_staff"])
def test_the_agenda_builder_is_for_organisers_only(conference, persona, request):
    client = login(request.getfixturevalue(persona))

    assert client.get(url(conference, "manage/agenda/")).status_code == 403
    assert client.get(url(conference, "manage/agenda/rooms/")).status_code == 403


def test_an_organiser_of_another_conference_gets_404_for_its_sessions(conference, organiser):
    theirs = SessionFactory(conference=ConferenceFactory())

    response = login(organiser).get(url(conference, f"manage/agenda/sessions/{theirs.pk}/"))

    assert response.status_code == 404


def test_the_timetable_shows_rooms_across_and_sessions_placed_in_time(
    conference, organiser, agenda
):
    html = login(organiser).get(url(conference, "manage/agenda/")).content.decode()

    assert "Darbar Hall" in html and "Lotus Room" in html
    # Opening 09:30 in the first room: rows are 5 minutes from 08:00, after the header row.
    assert "tt-session kind-plenary gc-2 gr-s-20 gr-e-32" in html
    assert "No room" in html  # the coffee break has none


def test_it_creates_a_session_with_speakers(conference, organiser):
    room = RoomFactory(conference=conference)
    chair, speaker = SpeakerFactory.create_batch(2, conference=conference)
    data = {
        "title": "Joint R&D",
        "kind": "workshop",
        "room": room.pk,
        "starts_at": local_time(conference, 14).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local_time(conference, 15).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "25",
        "signup_required": "on",
        "published": "on",
        "speakers-TOTAL_FORMS": "2",
        "speakers-INITIAL_FORMS": "0",
        "speakers-0-speaker": chair.pk,
        "speakers-0-role": "chair",
        "speakers-0-position": "0",
        "speakers-1-speaker": speaker.pk,
        "speakers-1-role": "speaker",
        "speakers-1-position": "1",
    }

    response = login(organiser).post(url(conference, "manage/agenda/sessions/new/"), data)

    assert response.status_code == 302
    session = Session.objects.get(title__contains="Joint R&D")
    assert session.starts_at == local_time(conference, 14)  # conference time, stored in UTC
    assert list(session.speaker_roles.values_list("speaker", "role")) == [
        (chair.pk, "chair"),
        (speaker.pk, "speaker"),
    ]
    assert AuditLog.objects.filter(action="session.create", object_id=str(session.pk)).exists()


def session_form(conference, session, **fields):
    """The session's form as its page posts it, without speaker rows, with `fields`."""
    local = "%Y-%m-%dT%H:%M"
    return {
        "title": session.title,
        "kind": session.kind,
        "starts_at": session.starts_at.astimezone(conference.tz).strftime(local),
        "ends_at": session.ends_at.astimezone(conference.tz).strftime(local),
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        **fields,
    }


def test_it_changes_removes_and_adds_speakers_of_a_session(conference, organiser, agenda):
    panel = agenda["panel"]
    chair, speaker, newcomer = SpeakerFactory.create_batch(3, conference=conference)
    chair_role = SessionSpeaker.objects.create(session=panel, speaker=chair, role="chair")
    speaker_role = SessionSpeaker.objects.create(session=panel, speaker=speaker, position=1)
    data = session_form(
        conference,
        panel,
        **{
            "speakers-TOTAL_FORMS": "3",
            "speakers-INITIAL_FORMS": "2",
            "speakers-0-id": chair_role.pk,
            "speakers-0-speaker": chair.pk,
            "speakers-0-role": "moderator",
            "speakers-0-position": "0",
            "speakers-1-id": speaker_role.pk,
            "speakers-1-speaker": speaker.pk,
            "speakers-1-role": "speaker",
            "speakers-1-position": "1",
            "speakers-1-DELETE": "on",
            "speakers-2-speaker": newcomer.pk,
            "speakers-2-role": "speaker",
            "speakers-2-position": "2",
        },
    )

    response = login(organiser).post(url(conference, f"manage/agenda/sessions/{panel.pk}/"), data)

    assert response.status_code == 302
    assert list(panel.speaker_roles.values_list("speaker", "role")) == [
        (chair.pk, "moderator"),
        (newcomer.pk, "speaker"),
    ]


def test_a_form_without_speaker_rows_keeps_the_speakers(conference, organiser, agenda):
    panel = agenda["panel"]
    role = SessionSpeaker.objects.create(
        session=panel, speaker=SpeakerFactory(conference=conference)
    )

    response = login(organiser).post(
        url(conference, f"manage/agenda/sessions/{panel.pk}/"),
        session_form(conference, panel, description="Now with Q&A."),
    )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.description == "Now with Q&A."
    assert list(panel.speaker_roles.all()) == [role]


def test_it_refuses_a_capacity_below_the_confirmed_places(conference, organiser, agenda):
    workshop = agenda["workshop"]
    for _ in range(2):
        registration = RegistrationFactory(conference=conference, approved=True)
        services.session_signup(registration=registration, session_id=workshop.pk)
    data = {
        "title": workshop.title,
        "kind": workshop.kind,
        "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T10:00",
        "capacity": "1",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
    }

    response = login(organiser).post(
        url(conference, f"manage/agenda/sessions/{workshop.pk}/"), data
    )

    assert response.status_code == 200
    assert "already confirmed" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.capacity == 2


def move(client, conference, session, **data):
    return client.post(
        url(conference, f"manage/agenda/sessions/{session.pk}/move/"),
        data,
        HTTP_ACCEPT="application/json",
    )


def test_a_drag_and_drop_move_saves_and_returns_the_new_conflicts(conference, organiser, agenda):
    client = login(organiser)
    panel = agenda["panel"]

    response = move(
        client,
        conference,
        panel,
        room=agenda["workshop"].room_id,
        starts_at=local_time(conference, 11, 15).strftime("%Y-%m-%dT%H:%M"),
        ends_at=local_time(conference, 12, 45).strftime("%Y-%m-%dT%H:%M"),
    )

    data = json.loads(response.content)
    assert response.status_code == 200 and data["ok"]
    assert data["session"]["label"] == "11:15–12:45"
    panel.refresh_from_db()
    assert panel.room == agenda["workshop"].room
    assert panel.starts_at == local_time(conference, 11, 15)
    assert sorted(data["conflict_ids"]) == sorted([panel.pk, agenda["workshop"].pk])
    assert "Two sessions in Lotus Room at once" in data["conflicts_html"]
    assert "Offtake panel" in data["changes_html"]  # now waiting to be published


def test_a_move_to_another_conferences_room_or_backwards_is_refused(conference, organiser, agenda):
    client = login(organiser)
    start = local_time(conference, 9).strftime("%Y-%m-%dT%H:%M")
    end = local_time(conference, 10).strftime("%Y-%m-%dT%H:%M")
    foreign = RoomFactory(conference=ConferenceFactory())

    wrong_room = move(
        client, conference, agenda["panel"], room=foreign.pk, starts_at=start, ends_at=end
    )
    backwards = move(client, conference, agenda["panel"], starts_at=end, ends_at=start)

    assert wrong_room.status_code == 400 and backwards.status_code == 400
    assert "must end after it starts" in json.loads(backwards.content)["error"]
    agenda["panel"].refresh_from_db()
    assert agenda["panel"].starts_at == local_time(conference, 11, 30)


def test_the_keyboard_fallback_form_moves_a_session(conference, organiser, agenda):
    response = login(organiser).post(
        url(conference, f"manage/agenda/sessions/{agenda['panel'].pk}/move/"),
        {
            "room": "",
            "starts_at": local_time(conference, 16).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local_time(conference, 17).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    agenda["panel"].refresh_from_db()
    assert agenda["panel"].room is None
    assert agenda["panel"].starts_at == local_time(conference, 16)


def test_it_warns_of_each_kind_of_conflict(conference, agenda):
    hall = agenda["opening"].room
    # Two sessions in the hall at once.
    SessionFactory(
        conference=conference,
        room=hall,
        title="Clash in the hall",
        starts_at=local_time(conference, 10),
        ends_at=local_time(conference, 11),
    )
    # A speaker in two places at once.
    speaker = SpeakerFactory(conference=conference, name="Priya Nair")
    SessionSpeaker.objects.create(session=agenda["workshop"], speaker=speaker)
    SessionSpeaker.objects.create(session=agenda["panel"], speaker=speaker)
    # More places than the room seats.
    Session.objects.filter(pk=agenda["workshop"].pk).update(capacity=90)
    # A speaker who is a delegate with a B2B meeting during their session.
    registration = RegistrationFactory(conference=conference, approved=True)
    delegate_speaker = SpeakerFactory(
        conference=conference, name="Arjun Menon", registration=registration
    )
    SessionSpeaker.objects.create(session=agenda["opening"], speaker=delegate_speaker)
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 10),
        ends_at=local_time(conference, 10, 20),
    )
    MeetingSeatFactory(
        meeting=MeetingFactory(conference=conference, slot=slot), registration=registration
    )

    conflicts = agenda_conflicts(conference=conference)

    found = sorted((c["code"], c.get("speaker") or c.get("room")) for c in conflicts)
    assert found == [
        ("b2b", "Arjun Menon"),
        ("capacity", "Lotus Room"),
        ("room", "Darbar Hall"),
        ("speaker", "Priya Nair"),
    ]


def test_cancelled_sessions_raise_no_conflict(conference, agenda):
    SessionFactory(
        conference=conference,
        room=agenda["opening"].room,
        starts_at=agenda["opening"].starts_at,
        ends_at=agenda["opening"].ends_at,
        is_cancelled=True,
    )

    assert agenda_conflicts(conference=conference) == []


def test_duplicating_copies_the_speakers_but_not_the_publication(conference, organiser, agenda):
    SessionSpeaker.objects.create(
        session=agenda["workshop"], speaker=SpeakerFactory(conference=conference)
    )

    response = login(organiser).post(
        url(conference, f"manage/agenda/sessions/{agenda['workshop'].pk}/duplicate/")
    )

    copy = Session.objects.exclude(pk=agenda["workshop"].pk).get(title__endswith="(copy)")
    assert response.status_code == 302
    assert copy.published is False and copy.taken == 0
    assert copy.speaker_roles.count() == 1


def test_deleting_a_published_session_through_the_page_is_refused(conference, organiser, agenda):
    client = login(organiser)

    response = client.post(
        url(conference, f"manage/agenda/sessions/{agenda['panel'].pk}/delete/"), follow=True
    )

    assert "This session has been published" in response.content.decode()
    assert Session.objects.filter(pk=agenda["panel"].pk).exists()


def test_rooms_tracks_and_speakers_are_kept_per_conference(conference, organiser):
    client = login(organiser)

    client.post(
        url(conference, "manage/agenda/rooms/new/"),
        {"name": "Sakura", "capacity": 40, "position": 1},
    )
    client.post(
        url(conference, "manage/agenda/tracks/new/"),
        {"name": "Offtake", "colour": "amber", "position": 0},
    )
    duplicate = client.post(
        url(conference, "manage/agenda/rooms/new/"), {"name": "sakura", "position": 2}
    )
    delegate = RegistrationFactory(conference=conference, approved=True)
    client.post(
        url(conference, "manage/agenda/speakers/new/"), {"registration": delegate.pk, "name": ""}
    )

    assert Room.objects.get(conference=conference).name == "Sakura"
    assert Track.objects.get(conference=conference).colour == "amber"
    assert "already used" in duplicate.content.decode()
    assert Speaker.objects.get(conference=conference).name == delegate.user.display_name
    assert client.get(url(conference, "manage/agenda/rooms/")).status_code == 200
    assert client.get(url(conference, "manage/agenda/unknown/")).status_code == 404


def test_a_room_of_another_conference_cannot_be_edited_or_deleted(conference, organiser):
    theirs = RoomFactory(conference=ConferenceFactory())
    client = login(organiser)

    assert client.get(url(conference, f"manage/agenda/rooms/{theirs.pk}/")).status_code == 404
    assert (
        client.post(url(conference, f"manage/agenda/rooms/{theirs.pk}/delete/")).status_code == 404
    )
    assert Room.objects.filter(pk=theirs.pk).exists()


def test_a_room_with_b2b_meetings_is_not_deleted(conference, organiser):
    room = MeetingFactory(conference=conference).table.room

    response = login(organiser).post(
        url(conference, f"manage/agenda/rooms/{room.pk}/delete/"), follow=True
    )

    assert "is still in use" in response.content.decode()
    assert Room.objects.filter(pk=room.pk).exists()
    assert not AuditLog.objects.filter(action="agenda.rooms.delete").exists()


def test_the_agenda_builder_takes_a_fixed_number_of_queries(conference, organiser, agenda):
    client = login(organiser)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(conference, "manage/agenda/")).status_code == 200
    for hour in range(8, 18):  # clashing sessions with speakers: conflicts to list
        session = SessionFactory(
            conference=conference,
            room=agenda["opening"].room,
            starts_at=local_time(conference, hour),
            ends_at=local_time(conference, hour + 1, 30),
        )
        SessionSpeaker.objects.create(
            session=session, speaker=SpeakerFactory(conference=conference)
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url(conference, "manage/agenda/"))

    assert len(few) == len(many)
