"""
A Japanese viewer of the public agenda in headless Chromium (issue 18,
content in several languages): they switch the site to Japanese and see the
agenda, the room × time grid and a speaker's page with the Japanese titles,
track, room and bio, the English text where no Japanese was written, and
download the agenda's calendar file in Japanese.

Screenshots at 1280 px and 390 px land under tests/e2e/artifacts/<test>/.
"""

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from sessions_app.models import SessionSpeaker
from tests.factories import (
    ConferenceFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
    local_time,
)
from tests.helpers import publish

pytestmark = pytest.mark.e2e


@pytest.fixture
def bilingual_agenda(e2e_organiser):
    conference = ConferenceFactory(slug="bilingual")
    track = TrackFactory(conference=conference, name={"en": "Recycling", "ja": "リサイクル"})
    hall = RoomFactory(
        conference=conference, name={"en": "Darbar Hall", "ja": "ダルバール・ホール"}
    )
    lotus = RoomFactory(conference=conference, name={"en": "Lotus Room", "ja": "ロータス・ルーム"})
    opening = SessionFactory(
        conference=conference,
        room=hall,
        track=track,
        kind="plenary",
        title={"en": "Opening plenary", "ja": "開会全体会議"},
        description={"en": "A trusted supply chain.", "ja": "信頼できるサプライチェーン。"},
        starts_at=local_time(conference, 9, 30),
        ends_at=local_time(conference, 10, 30),
    )
    SessionFactory(
        conference=conference,
        room=lotus,
        title={"en": "Workshop in English only"},
        starts_at=local_time(conference, 11),
        ends_at=local_time(conference, 12),
    )
    speaker = SpeakerFactory(
        conference=conference,
        name="Takeshi Morita",
        bio={"en": "Resource security.", "ja": "資源安全保障を担当。"},
    )
    SessionSpeaker.objects.create(session=opening, speaker=speaker)
    publish(conference, e2e_organiser)
    return {"conference": conference, "opening": opening, "speaker": speaker}


def test_a_japanese_viewer_sees_the_agenda_grid_speaker_and_calendar_in_japanese(
    new_page, shots, bilingual_agenda, browser_errors
):
    conference = bilingual_agenda["conference"]
    base = f"/events/{conference.slug}"
    page = new_page()

    page.goto(f"{base}/agenda/")
    expect(page.get_by_text("Opening plenary").first).to_be_visible()
    page.select_option("#language-select", "ja")
    with page.expect_navigation():
        page.locator("form.language-form [type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_text("開会全体会議").first).to_be_visible()
    expect(page.get_by_text("Workshop in English only").first).to_be_visible()  # the default
    expect(page.locator("main")).to_contain_text("リサイクル")  # the track
    shots(page, "agenda-ja")

    page.goto(f"{base}/agenda/grid/?day={conference.start_date.isoformat()}")
    expect(page.get_by_test_id("agenda-grid")).to_contain_text("開会全体会議")
    expect(page.get_by_test_id("agenda-grid")).to_contain_text("ダルバール・ホール")
    shots(page, "grid-ja")

    page.goto(f"{base}/speakers/{bilingual_agenda['speaker'].pk}/")
    expect(page.get_by_text("資源安全保障を担当。")).to_be_visible()
    expect(page.get_by_text("開会全体会議").first).to_be_visible()
    shots(page, "speaker-ja")

    page.goto(f"{base}/agenda/")
    with page.expect_download() as download_info:
        page.evaluate(
            "() => { const a = document.querySelector('a[href*=\"agenda.ics\"]');"
            " a.setAttribute('download', ''); a.click(); }"
        )
    path = download_info.value.path()
    calendar = Calendar.from_ical(open(path, "rb").read())  # noqa: SIM115
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert summaries == ["Workshop in English only", "開会全体会議"]

    assert shots.overflowing == []
    assert browser_errors == []
