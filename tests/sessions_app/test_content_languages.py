"""
Content in several languages (issue 18): organisers write session titles,
abstracts, tracks, rooms, bios and the conference's own texts in each of the
conference's content languages; viewers see their language, else the
conference's default, on the pages, the feeds, the PDFs and in emails.
"""

import pytest
from django.test import Client
from django.utils import translation
from icalendar import Calendar

from conference.core.content import (
    ContentText,
    content_fallback,
    content_missing,
    content_same,
    content_text,
)
from conference.core.models import Conference, OutgoingEmail
from sessions_app.models import Session, Track
from tests.factories import (
    RoomFactory,
    SessionFactory,
    SessionSignupFactory,
    TrackFactory,
    local_time,
)
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"
OPENING = {"en": "Opening plenary", "ja": "開会全体会議"}


@pytest.fixture
def bilingual(conference):
    """A published session with an English and Japanese title, in a translated track and room."""
    track = TrackFactory(conference=conference, name={"en": "Recycling", "ja": "リサイクル"})
    room = RoomFactory(conference=conference, name={"en": "Lotus Room", "ja": "ロータス・ルーム"})
    session = SessionFactory(
        conference=conference,
        title=OPENING,
        description={"en": "Why the supply chain matters."},
        track=track,
        room=room,
    )
    publish(conference)
    return session


def ics_summaries(response):
    calendar = Calendar.from_ical(response.content)
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


# The text and its fallbacks ------------------------------------------------------------------


def test_a_text_is_shown_in_the_active_language():
    text = ContentText({"en": "Lunch", "ja": "昼食"})

    with translation.override("ja"):
        assert str(text) == "昼食"
    with translation.override("en"):
        assert str(text) == "Lunch"


def test_a_missing_language_falls_back_to_the_conference_default():
    text = ContentText({"en": "Lunch", "ja": "昼食"})
    japanese_only = ContentText({"ja": "昼食"})
    conference = Conference(default_content_language="ja")

    assert text.localize("fr", fallback="ja") == "昼食"
    with content_fallback(conference), translation.override("en"):
        assert str(ContentText({"ja": "昼食", "fr": "Déjeuner"})) == "昼食"
        assert str(japanese_only) == "昼食"
    assert content_text({"ja": "昼食"}, "en") == "昼食"  # any text rather than none


def test_a_plain_string_written_before_reads_the_same_in_every_language():
    text = ContentText("Coffee break")

    with translation.override("ja"):
        assert str(text) == "Coffee break"
    assert content_same("Coffee break", {"en": "Coffee break"})
    assert not content_same("Coffee break", {"en": "Coffee break", "ja": "休憩"})
    assert content_missing("Coffee break", ["en", "ja"]) == ["ja"]
    assert content_missing("", ["en", "ja"]) == []


def test_japanese_is_stored_as_typed_so_the_database_finds_it(conference):
    SessionFactory(conference=conference, title=OPENING)

    assert Session.objects.filter(title__icontains="開会").count() == 1
    assert Session.objects.filter(title__icontains="opening").count() == 1


# Staff forms ---------------------------------------------------------------------------------


def test_the_session_form_shows_the_conference_languages_side_by_side(conference, organiser):
    html = login(organiser).get(url(conference, "manage/agenda/sessions/new/")).content.decode()

    assert 'name="title_0"' in html and 'name="title_1"' in html
    assert 'lang="ja"' in html and "Japanese" in html
    assert 'name="description_1"' in html


def test_a_conference_in_one_language_shows_one_input(conference, organiser):
    conference.content_languages = ["en"]
    conference.save()

    html = login(organiser).get(url(conference, "manage/agenda/tracks/new/")).content.decode()

    assert 'name="name_0"' in html
    assert 'name="name_1"' not in html


def test_an_organiser_saves_a_session_in_two_languages(conference, organiser):
    room = RoomFactory(conference=conference)

    response = login(organiser).post(
        url(conference, "manage/agenda/sessions/new/"),
        {
            "title_0": "Joint R&D",
            "title_1": "共同研究開発",
            "kind": "workshop",
            "room": room.pk,
            "starts_at": local_time(conference, 14).strftime(LOCAL),
            "ends_at": local_time(conference, 15).strftime(LOCAL),
            "published": "on",
            "speakers-TOTAL_FORMS": "0",
            "speakers-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    session = Session.objects.get(conference=conference)
    assert session.title.data == {"en": "Joint R&D", "ja": "共同研究開発"}


def test_a_track_name_already_used_in_another_language_is_refused(conference, organiser):
    TrackFactory(conference=conference, name={"en": "Recycling", "ja": "リサイクル"})

    response = login(organiser).post(
        url(conference, "manage/agenda/tracks/new/"),
        {"name_0": "Circularity", "name_1": "リサイクル", "colour": "teal", "position": 0},
    )

    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert Track.objects.filter(conference=conference).count() == 1


def test_the_organiser_chooses_the_languages_and_the_default(conference, organiser):
    client = login(organiser)

    response = client.post(
        url(conference, "manage/agenda/languages/"),
        {
            "content_languages": ["en", "ja"],
            "default_content_language": "ja",
            "name_0": "Battery Conference",  # one input per language, in the site's order
            "name_1": "電池・重要鉱物会議",
            "tagline_0": "",
            "tagline_1": "",
            "description_0": "",
            "description_1": "",
        },
    )

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.default_content_language == "ja"
    assert conference.content_locales == ["ja", "en"]  # the default first
    assert conference.name.data == {"en": "Battery Conference", "ja": "電池・重要鉱物会議"}


def test_the_default_language_must_be_a_content_language(conference, organiser):
    response = login(organiser).post(
        url(conference, "manage/agenda/languages/"),
        {
            "content_languages": ["en"],
            "default_content_language": "ja",
            "name_0": "Battery Conference",
        },
    )

    assert response.status_code == 200
    conference.refresh_from_db()
    assert conference.default_content_language == "en"


# The agenda builder --------------------------------------------------------------------------


def test_the_builder_marks_sessions_missing_a_translation(conference, organiser):
    SessionFactory(conference=conference, title=OPENING)
    SessionFactory(
        conference=conference,
        title={"en": "Only in English"},
        starts_at=local_time(conference, 11),
        ends_at=local_time(conference, 12),
    )

    response = login(organiser).get(url(conference, "manage/agenda/"))

    untranslated = response.context["untranslated"]
    assert [(str(s.title), missing) for s, missing in untranslated] == [
        ("Only in English", ["Japanese"])
    ]
    html = response.content.decode()
    assert html.count('data-testid="missing-translation"') == 2  # its tile and the list


# What viewers see ----------------------------------------------------------------------------


def test_a_japanese_viewer_sees_japanese_titles_and_the_default_for_the_rest(conference, bilingual):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")

    html = client.get(url(conference, "agenda/")).content.decode()

    assert "開会全体会議" in html
    assert "リサイクル" in html  # the track, in the filter and on the session
    assert "Why the supply chain matters." not in html or "開会全体会議" in html
    session_html = client.get(url(conference, f"agenda/sessions/{bilingual.pk}/")).content.decode()
    assert "開会全体会議" in session_html
    assert "ロータス・ルーム" in session_html
    assert "Why the supply chain matters." in session_html  # no Japanese: the default


def test_an_english_viewer_sees_english(conference, bilingual):
    html = Client().get(url(conference, "agenda/")).content.decode()

    assert "Opening plenary" in html
    assert "開会全体会議" not in html


@pytest.mark.parametrize("words", ["開会", "opening plenary"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_agenda_search_finds_a_session_in_either_language(
    conference, bilingual, words, language
):
    SessionFactory(
        conference=conference, title="Coffee break", starts_at=local_time(conference, 11)
    )
    publish(conference)

    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(url(conference, "agenda/"), {"q": words})

    html = response.content.decode()
    assert OPENING[language] in html
    assert "Coffee break" not in html


def test_the_agenda_feed_carries_the_requested_language(conference, bilingual):
    client = Client()

    japanese = client.get(url(conference, "agenda.ics"), {"lang": "ja"})
    english = client.get(url(conference, "agenda.ics"))

    assert japanese.status_code == 200
    assert ics_summaries(japanese) == ["開会全体会議"]
    assert japanese["Content-Language"] == "ja"
    assert ics_summaries(english) == ["Opening plenary"]
    assert japanese["ETag"] != english["ETag"]
    assert "リサイクル" in japanese.content.decode()  # the track, in the description


def test_one_session_calendar_file_carries_the_requested_language(conference, bilingual):
    response = Client().get(url(conference, f"agenda/sessions/{bilingual.pk}.ics"), {"lang": "ja"})

    assert ics_summaries(response) == ["開会全体会議"]


def test_an_unknown_feed_language_is_ignored(conference, bilingual):
    response = Client().get(url(conference, "agenda.ics"), {"lang": "xx"})

    assert ics_summaries(response) == ["Opening plenary"]


def test_the_json_agenda_is_in_the_viewer_language(conference, bilingual):
    data = Client(HTTP_ACCEPT_LANGUAGE="ja").get(url(conference, "agenda.json")).json()

    (session,) = data["sessions"]
    assert session["title"] == "開会全体会議"
    assert session["track"] == "リサイクル"
    assert session["room"] == "ロータス・ルーム"
    assert session["description"] == "Why the supply chain matters."
    assert data["language"] == "ja"


def test_a_pdf_asked_for_in_japanese_carries_the_japanese_conference_name(
    conference, organiser, delegate
):
    from tests.i18n.test_language import pdf_text

    conference.name = {"en": "Battery Conference", "ja": "電池会議"}
    conference.save()
    client = login(organiser)
    client.cookies["django_language"] = "ja"

    response = client.get(url(conference, "manage/exports/badges.pdf"))

    assert response.status_code == 200
    assert "電池会議" in pdf_text(response)


def test_a_change_email_names_the_session_in_the_recipient_language(
    conference, bilingual, delegate
):
    SessionSignupFactory(session=bilingual, registration=delegate.registration)
    user = delegate
    user.language = "ja"
    user.save()
    bilingual.starts_at = local_time(conference, 16)
    bilingual.ends_at = local_time(conference, 17)
    bilingual.save()

    publish(conference)

    email = OutgoingEmail.objects.get(user=user, kind="session.changed")
    assert "開会全体会議" in email.body_text
    assert "Opening plenary" not in email.body_text


def test_publishing_texts_that_gained_languages_reports_no_rename(conference):
    session = SessionFactory(conference=conference, title="Opening plenary")
    publish(conference)
    session.title = {"en": "Opening plenary"}  # as the migration stores the same text
    session.save()

    release = publish(conference)

    assert [c["change"] for c in release.changes] == []


def test_the_api_answers_in_the_language_asked_for(conference, bilingual):
    from conference.api.scopes import Scope
    from tests.api.client import ApiClient

    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    japanese = {"HTTP_ACCEPT_LANGUAGE": "ja"}

    sessions = api.get("sessions/", headers=japanese).json()["results"]
    tracks = api.get("tracks/", headers=japanese).json()["results"]
    rooms = api.get("rooms/").json()["results"]

    assert [s["title"] for s in sessions] == ["開会全体会議"]
    assert [t["name"] for t in tracks] == ["リサイクル"]
    assert [r["name"] for r in rooms] == ["Lotus Room"]


def test_the_rooms_list_marks_a_room_without_its_japanese_name(conference, organiser):
    RoomFactory(conference=conference, name={"en": "Board Room"})
    RoomFactory(conference=conference, name={"en": "Foyer", "ja": "ホワイエ"})

    html = login(organiser).get(url(conference, "manage/agenda/rooms/")).content.decode()

    assert html.count('data-testid="missing-translation"') == 1


def test_the_frab_schedule_names_the_language_each_title_is_in(conference, bilingual):
    SessionFactory(
        conference=conference, title="Coffee break", starts_at=local_time(conference, 11)
    )
    publish(conference)

    data = Client().get(url(conference, "schedule.json"), {"lang": "ja"}).json()

    events = {
        event["title"]: event["language"]
        for day in data["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    }
    assert events == {"開会全体会議": "ja", "Coffee break": "en"}
