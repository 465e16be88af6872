"""
The public agenda's event-day views in headless Chromium against gunicorn
(DEBUG off, whitenoise, strict CSP): the room × time grid with six rooms
fits a 1280 px screen (the grid scrolls inside itself, never the page) and
becomes a list on a 390 px phone; "now and next" on the conference clock;
a speaker's page with the photo they agreed to, and none for one who did not.

Screenshots at 1280 px and 390 px land under tests/e2e/artifacts/<test>/.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from conference.core.images import image_prepare
from sessions_app import services
from sessions_app.models import SessionSpeaker
from tests.factories import ConferenceFactory, OrganisationFactory, RoomFactory, SessionFactory
from tests.helpers import publish
from tests.helpers.browser import overflow

pytestmark = pytest.mark.e2e

ROOMS = [
    "Darbar Hall",
    "Lotus Room",
    "Banyan Room",
    "Committee Room A",
    "Committee Room B",
    "Board Room",
]


def photo():
    out = io.BytesIO()
    image = Image.new("RGB", (600, 600), (15, 118, 110))
    for x in range(200, 400):
        for y in range(150, 350):
            image.putpixel((x, y), (250, 220, 180))
    image.save(out, "JPEG")
    return SimpleUploadedFile("face.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def event_day(e2e_organiser):
    """
    A conference that is on today (conference clock), six rooms, sessions
    around now in each (one of 90 minutes), a break across every room, an
    unpublished session, and two speakers: one agreed to a public photo.
    """
    conference = ConferenceFactory(slug="live")
    now = timezone.now().astimezone(conference.tz)
    conference.start_date = now.date()
    conference.end_date = now.date() + datetime.timedelta(days=1)
    conference.save()
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=1)
    rooms = [
        RoomFactory(conference=conference, name=name, position=i) for i, name in enumerate(ROOMS)
    ]
    sessions = []
    for i, room in enumerate(rooms):
        sessions.append(
            SessionFactory(
                conference=conference,
                room=room,
                kind=["plenary", "panel", "workshop", "closed_door", "panel", "workshop"][i],
                title=f"Securing anchor off-takers for recycled black mass, part {i + 1}",
                starts_at=start + datetime.timedelta(minutes=30 * (i % 2)),
                ends_at=start + datetime.timedelta(minutes=30 * (i % 2) + 90),
            )
        )
        SessionFactory(
            conference=conference,
            room=room,
            title=f"Bankability of refining projects {i + 1}",
            starts_at=start + datetime.timedelta(hours=2, minutes=15),
            ends_at=start + datetime.timedelta(hours=3),
        )
    SessionFactory(
        conference=conference,
        room=None,
        kind="break",
        title="Tea",
        starts_at=start + datetime.timedelta(hours=2),
        ends_at=start + datetime.timedelta(hours=2, minutes=15),
    )
    SessionFactory(
        conference=conference,
        room=rooms[0],
        title="Unannounced session",
        published=False,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    sato = services.speaker_save(
        conference=conference,
        data={
            "name": "Dr Aiko Sato",
            "title": "Chief Technology Officer",
            "bio": "Twenty years in cathode chemistry and closed-loop recycling.",
            "organisation": OrganisationFactory(name="Lohum Cleantech"),
            "photo_consent": True,
        },
        actor=e2e_organiser,
        photo=image_prepare(photo()),
    )
    rao = services.speaker_save(
        conference=conference,
        data={"name": "Ms Priya Rao", "photo_consent": False},
        actor=e2e_organiser,
        photo=image_prepare(photo()),
    )
    SessionSpeaker.objects.create(session=sessions[0], speaker=sato)
    SessionSpeaker.objects.create(session=sessions[1], speaker=rao)
    publish(conference, e2e_organiser)
    return {"conference": conference, "sessions": sessions, "sato": sato, "rao": rao}


def test_the_grid_now_and_speaker_pages_fit_a_laptop_and_a_phone(
    new_page, shots, event_day, browser_errors
):
    conference = event_day["conference"]
    base = f"/events/{conference.slug}"
    page = new_page()

    # The day of the first sessions (near midnight, the later ones fall on the next day).
    first_day = event_day["sessions"][0].starts_at.astimezone(conference.tz).date()
    page.goto(f"{base}/agenda/grid/?day={first_day.isoformat()}")
    grid = page.get_by_test_id("agenda-grid")
    expect(grid).to_be_visible()
    expect(page.locator(".ag-room")).to_have_count(6)
    expect(page.locator(".ag-session", has_text="part 1")).to_be_visible()
    expect(page.get_by_text("Unannounced session")).to_have_count(0)
    assert overflow(page) == 0  # six rooms fit at 1280 px, or scroll inside the grid
    long = page.locator(f"[data-session='{event_day['sessions'][0].pk}']")
    short = page.locator(".ag-session", has_text="Bankability of refining projects 1")
    # 90 minutes are six quarter-hour rows, 45 minutes three.
    assert long.bounding_box()["height"] > 1.7 * short.bounding_box()["height"]
    assert page.locator(".ag-session", has_text="Tea").bounding_box()["width"] > 700
    shots(page, "grid")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".ag-room").first).to_be_hidden()  # a list on a phone
    expect(long.locator(".ag-where")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Now and next").click()
    expect(page.get_by_role("heading", name="Now and next")).to_be_visible()
    expect(page.locator(".now-room").first).to_be_visible()
    expect(page.locator("#now-board")).to_contain_text("Securing anchor off-takers")
    shots(page, "now")

    page.goto(f"{base}/agenda/")
    shots(page, "agenda-list")
    page.get_by_role("link", name="Dr Aiko Sato").first.click()
    expect(page.get_by_role("heading", name="Dr Aiko Sato")).to_be_visible()
    expect(page.get_by_text("Lohum Cleantech")).to_be_visible()
    image = page.locator("img.speaker-photo-large")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    shots(page, "speaker")

    page.goto(f"{base}/speakers/")
    expect(page.locator(".speaker-card")).to_have_count(2)
    shots(page, "speakers")
    page.goto(f"{base}/speakers/{event_day['rao'].pk}/")
    expect(page.locator("img.speaker-photo-large")).to_have_count(0)

    page.goto(f"{base}/agenda/sessions/{event_day['sessions'][0].pk}/")
    expect(page.get_by_role("link", name="Add to my calendar")).to_be_visible()

    assert shots.overflowing == []
    assert [e for e in browser_errors if not e.endswith("/favicon.ico]")] == []
