"""
Speakers' public pages (photo only with consent), the room × time grid, "now
and next" and one session's calendar file: all read the published agenda,
so unpublished sessions never show, and each page takes a fixed number of
queries whatever the size of the agenda.
"""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from PIL import ExifTags, Image

from conference.core.images import image_prepare
from sessions_app import selectors, services
from sessions_app.models import SessionSpeaker, Speaker
from tests.factories import (
    OrganisationFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    local_time,
)
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db


def jpeg_with_gps():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N"}
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("face.jpg", out.getvalue(), content_type="image/jpeg")


def speak(session, speaker, role="speaker"):
    SessionSpeaker.objects.create(session=session, speaker=speaker, role=role)


@pytest.fixture
def speakers(conference, organiser, agenda):
    """
    Dr Sato (photo, consent) on the opening plenary; Ms Rao (photo, no
    consent) on the panel; Mr Hidden only on an unpublished session.
    """
    org = OrganisationFactory(name="Lohum Cleantech")
    sato = services.speaker_save(
        conference=conference,
        data={
            "name": "Dr Aiko Sato",
            "bio": "Cell chemist.",
            "photo_consent": True,
            "organisation": org,
        },
        actor=organiser,
        photo=image_prepare(jpeg_with_gps()),
    )
    rao = services.speaker_save(
        conference=conference,
        data={"name": "Ms Priya Rao", "photo_consent": False},
        actor=organiser,
        photo=image_prepare(jpeg_with_gps()),
    )
    hidden = SpeakerFactory(conference=conference, name="Mr Hidden")
    draft = SessionFactory(conference=conference, title="Draft session", published=False)
    speak(agenda["opening"], sato)
    speak(agenda["panel"], rao, role="moderator")
    speak(draft, hidden)
    publish(conference, organiser)
    return {"sato": sato, "rao": rao, "hidden": hidden, "draft": draft}


# Speakers -------------------------------------------------------------------------------


def test_the_speaker_list_shows_only_speakers_of_published_sessions(client, conference, speakers):
    page = client.get(url(conference, "speakers/")).content.decode()

    assert "Dr Aiko Sato" in page and "Ms Priya Rao" in page
    assert "Mr Hidden" not in page
    assert "Lohum Cleantech" in page


def test_a_speakers_page_shows_bio_organisation_and_only_published_sessions(
    client, conference, speakers, agenda
):
    response = client.get(url(conference, f"speakers/{speakers['sato'].pk}/"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Cell chemist." in page and "Lohum Cleantech" in page
    assert "Opening plenary" in page
    assert f"agenda/sessions/{agenda['opening'].pk}/" in page
    hidden = client.get(url(conference, f"speakers/{speakers['hidden'].pk}/"))
    assert hidden.status_code == 404  # on an unpublished session only


def test_a_photo_is_public_only_with_the_speakers_consent(client, conference, speakers):
    sato, rao = speakers["sato"], speakers["rao"]
    sato_page = client.get(url(conference, f"speakers/{sato.pk}/")).content.decode()
    rao_page = client.get(url(conference, f"speakers/{rao.pk}/")).content.decode()

    assert f"speakers/{sato.pk}/photo-large.webp" in sato_page
    assert "photo-large.webp" not in rao_page and "photo-small.webp" not in rao_page
    for size in ("small", "large"):
        shown = client.get(url(conference, f"speakers/{sato.pk}/photo-{size}.webp"))
        assert shown.status_code == 200 and shown["Content-Type"] == "image/webp"
        assert (
            client.get(url(conference, f"speakers/{rao.pk}/photo-{size}.webp")).status_code == 404
        )
    assert client.get(url(conference, f"speakers/{sato.pk}/photo-huge.webp")).status_code == 404


def test_a_stored_speaker_photo_carries_no_exif(speakers):
    with default_storage.open(speakers["sato"].photo.name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "WEBP" and image.size == (300, 300)
    assert not image.getexif()


def test_organisers_upload_a_photo_and_record_consent_in_the_speaker_form(
    conference, organiser, agenda
):
    client = login(organiser)
    response = client.post(
        url(conference, "manage/agenda/speakers/new/"),
        {
            "name": "Dr New",
            "title": "CTO",
            "bio": "",
            "photo_consent": "on",
            "photo_upload": jpeg_with_gps(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    speaker = Speaker.objects.get(name="Dr New")
    assert speaker.photo_consent and speaker.photo and speaker.photo_small
    # Withdrawn consent: the photo is kept for staff but no longer public.
    speak(agenda["panel"], speaker)
    publish(conference, organiser)
    client.post(
        url(conference, f"manage/agenda/speakers/{speaker.pk}/"),
        {"name": "Dr New", "title": "CTO", "bio": ""},
    )
    speaker.refresh_from_db()
    assert not speaker.photo_consent and speaker.photo
    assert (
        login(None).get(url(conference, f"speakers/{speaker.pk}/photo-small.webp")).status_code
        == 404
    )


def test_the_agenda_and_session_pages_link_to_speakers_and_the_calendar_file(
    client, conference, speakers, agenda
):
    agenda_page = client.get(url(conference, "agenda/")).content.decode()
    session_page = client.get(url(conference, f"agenda/sessions/{agenda['opening'].pk}/"))

    assert f"speakers/{speakers['sato'].pk}/" in agenda_page
    assert "agenda/grid/" in agenda_page and "agenda/now/" in agenda_page
    assert f"speakers/{speakers['sato'].pk}/" in session_page.content.decode()
    assert f"agenda/sessions/{agenda['opening'].pk}.ics" in session_page.content.decode()


def test_speaker_ids_in_a_new_snapshot_are_not_a_change(conference, organiser, speakers):
    release = selectors.release_latest(conference=conference)
    older = [
        {**item, "speakers": [{k: v for k, v in s.items() if k != "id"} for s in item["speakers"]]}
        for item in release.snapshot
    ]
    assert selectors.release_diff(older, release.snapshot) == []


# The grid ----------------------------------------------------------------------------------


def test_the_grid_places_a_90_minute_session_across_six_quarter_hour_rows(
    client, conference, organiser, agenda
):
    lotus = agenda["workshop"].room
    long = SessionFactory(
        conference=conference,
        room=lotus,
        title="Long workshop",
        starts_at=local_time(conference, 13),
        ends_at=local_time(conference, 14, 30),
    )
    publish(conference, organiser)
    response = client.get(url(conference, "agenda/grid/"))
    grid = response.context["grid"]

    cell = next(c for c in grid.cells if c.session["id"] == long.pk)
    # The day starts 09:30 (line 2); 13:00 is 14 quarter hours later.
    assert (cell.row_start, cell.rows) == (16, 6)
    assert grid.rooms == ["Darbar Hall", "Lotus Room"]
    assert cell.column == 3  # the time column, then Darbar Hall, then Lotus Room
    assert 'class="ag-session gr-16 gs-6 gc-3 kind-panel"' in response.content.decode()
    coffee = next(c for c in grid.cells if c.session["title"] == "Coffee")
    assert coffee.classes == "gr-6 gs-2 gc-all"  # no room: across every room


def test_the_grid_shows_one_day_at_a_time_with_tabs_and_never_unpublished_sessions(
    client, conference, organiser, agenda
):
    SessionFactory(
        conference=conference,
        title="Day two keynote",
        starts_at=local_time(conference, 10, day=1),
        ends_at=local_time(conference, 11, day=1),
    )
    SessionFactory(conference=conference, title="Secret draft", published=False)
    publish(conference, organiser)
    second = (conference.start_date + datetime.timedelta(days=1)).isoformat()

    first_page = client.get(url(conference, "agenda/grid/")).content.decode()
    second_page = client.get(url(conference, "agenda/grid/"), {"day": second}).content.decode()

    assert "Opening plenary" in first_page and "Day two keynote" not in first_page
    assert "Day two keynote" in second_page and "Opening plenary" not in second_page
    assert f"?day={second}" in first_page
    assert "Secret draft" not in first_page + second_page
    assert "agenda/grid/" in first_page and 'href="/events/' in first_page


def test_the_grid_and_now_pages_answer_before_the_first_publish(client, conference):
    assert "has not been published" in client.get(url(conference, "agenda/grid/")).content.decode()
    assert "has not been published" in client.get(url(conference, "agenda/now/")).content.decode()


# Now and next ------------------------------------------------------------------------------


def test_now_and_next_follow_the_conference_clock_per_room(conference, agenda):
    release = selectors.release_head(conference=conference)
    board = selectors.now_and_next(
        conference=conference, release=release, now=local_time(conference, 11, 40)
    )

    assert board.phase == "during"
    by_room = {entry["room"]: entry for entry in board.rooms}
    assert [s["title"] for s in by_room["Darbar Hall"]["now"]] == ["Offtake panel"]
    assert [s["title"] for s in by_room["Lotus Room"]["now"]] == ["Black mass workshop"]
    assert "" not in by_room  # the coffee break is over and nothing follows it

    early = selectors.now_and_next(
        conference=conference, release=release, now=local_time(conference, 9, 45)
    )
    hall = {e["room"]: e for e in early.rooms}["Darbar Hall"]
    assert [s["title"] for s in hall["now"]] == ["Opening plenary"]
    assert hall["next"]["title"] == "Offtake panel"

    coffee_time = selectors.now_and_next(
        conference=conference, release=release, now=local_time(conference, 10, 40)
    )
    # The break is in no room: shown for all rooms, after the rooms.
    assert [e["room"] for e in coffee_time.rooms] == ["Darbar Hall", "Lotus Room", ""]
    assert [s["title"] for s in coffee_time.rooms[-1]["now"]] == ["Coffee"]


def test_before_and_after_the_conference_now_and_next_says_so_with_the_first_or_last_day(
    conference, agenda
):
    release = selectors.release_head(conference=conference)
    before = selectors.now_and_next(
        conference=conference, release=release, now=local_time(conference, 8, day=-3)
    )
    after = selectors.now_and_next(
        conference=conference, release=release, now=local_time(conference, 8, day=5)
    )

    assert before.phase == "before" and before.day == conference.start_date
    assert after.phase == "after" and after.day == conference.start_date
    assert before.day_sessions[0]["title"] == "Opening plenary"


def test_the_now_page_refreshes_its_board_every_minute(client, conference, agenda):
    page = client.get(url(conference, "agenda/now/")).content.decode()
    board = client.get(url(conference, "agenda/now/"), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 60s"' in page
    assert board.status_code == 200 and "<html" not in board.content.decode()
    assert "It is " in board.content.decode()


# One session's calendar file ---------------------------------------------------------------


def test_a_sessions_calendar_file_is_the_feeds_event_for_it(client, conference, agenda):
    session = agenda["opening"]
    response = client.get(url(conference, f"agenda/sessions/{session.pk}.ics"))
    feed = Calendar.from_ical(client.get(url(conference, "agenda.ics")).content)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    in_feed = next(e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Opening plenary")
    assert str(events[0]["UID"]) == str(in_feed["UID"])
    assert int(events[0]["SEQUENCE"]) == int(in_feed["SEQUENCE"])
    assert events[0]["DTSTART"].dt == local_time(conference, 9, 30)


def test_an_unpublished_session_has_no_calendar_file(client, conference, organiser, agenda):
    draft = SessionFactory(conference=conference, title="Draft", published=False)
    publish(conference, organiser)
    assert client.get(url(conference, f"agenda/sessions/{draft.pk}.ics")).status_code == 404


# Query counts -----------------------------------------------------------------------------


def grow(conference, organiser, rounds):
    """`rounds` more sessions in new rooms, each with a speaker who agreed to a photo."""
    for _ in range(rounds):
        room = RoomFactory(conference=conference)
        speaker = services.speaker_save(
            conference=conference,
            data={
                "name": f"Speaker in {room.name}",
                "photo_consent": True,
                "organisation": OrganisationFactory(),
            },
            actor=organiser,
            photo=image_prepare(jpeg_with_gps()),
        )
        session = SessionFactory(
            conference=conference,
            room=room,
            starts_at=local_time(conference, 14),
            ends_at=local_time(conference, 15, 30),
        )
        speak(session, speaker)
        speak(
            SessionFactory(
                conference=conference,
                room=room,
                starts_at=local_time(conference, 16),
                ends_at=local_time(conference, 17),
            ),
            speaker,
        )
    publish(conference, organiser)
    return speaker


@pytest.mark.parametrize(
    "path",
    ["speakers/", "speaker", "agenda/grid/", "agenda/now/", "session.ics"],
)
def test_the_new_pages_take_a_fixed_number_of_queries(conference, organiser, agenda, path):
    client = login(None)
    counts = []
    for rounds in (1, 3):
        speaker = grow(conference, organiser, rounds)
        address = {
            "speaker": f"speakers/{speaker.pk}/",
            "session.ics": f"agenda/sessions/{agenda['opening'].pk}.ics",
        }.get(path, path)
        client.get(url(conference, address))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(conference, address)).status_code == 200
        counts.append(len(queries))
    sql = "\n".join(q["sql"] for q in queries.captured_queries)
    assert counts[0] == counts[1] <= 8, f"{counts}:\n{sql}"
