"""
The organisers' agenda builder in headless Chromium at 1280 px, with six
rooms: every room is in view, a session's length is dragged from its grip,
the change list says "Length changed" with both ends, and a click on an empty
cell opens the new-session form at that room and time, marked to be
published, after which the publish panel says it is not yet public.

Screenshots land under tests/e2e/artifacts/<test>/.
"""

import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import Session
from tests.factories import RoomFactory, SessionFactory, local_time
from tests.helpers import publish
from tests.helpers.browser import overflow

pytestmark = pytest.mark.e2e

ROOMS = [
    "Darbar Hall",
    "Lotus Room",
    "Banyan Room",
    "Committee Room A",
    "Committee Room B",
    "Board Room (Annexe)",
]


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def test_six_rooms_fit_lengths_drag_from_the_grip_and_empty_cells_start_sessions(
    new_page, login, shot, e2e_conference, e2e_organiser, browser_errors
):
    conference = e2e_conference
    rooms = [
        RoomFactory(conference=conference, name=name, capacity=40 + i, position=i)
        for i, name in enumerate(ROOMS)
    ]
    sessions = [
        SessionFactory(
            conference=conference,
            room=room,
            title=f"Recycled black mass offtake, part {i + 1}",
            starts_at=local_time(conference, 9, 30),
            ends_at=local_time(conference, 10, 30),
        )
        for i, room in enumerate(rooms)
    ]
    publish(conference, e2e_organiser)
    day = conference.start_date.isoformat()
    page = new_page()
    login(page, e2e_organiser, next=f"/events/{conference.slug}/manage/agenda/?day={day}")

    # Six rooms at 1280 px: the sixth room's header is inside the grid's box and the screen.
    headers = page.locator(".tt-room[data-room]")
    expect(headers).to_have_count(6)
    sixth = headers.nth(5).bounding_box()
    box = page.locator(".tt-scroll").bounding_box()
    assert sixth["x"] + sixth["width"] <= box["x"] + box["width"] + 0.5, (sixth, box)
    assert sixth["x"] + sixth["width"] <= 1280
    assert overflow(page) == 0
    expect(page.get_by_text("Nothing to publish: the agenda matches version 1.")).to_be_visible()
    shot(page, "six-rooms")

    # Drag the first session's grip a quarter of an hour down: 09:30–10:45.
    first = sessions[0]
    block = page.locator(f".tt-session[data-id='{first.pk}']")
    grip = block.locator(".tt-resize").bounding_box()
    assert grip["height"] >= 12  # no longer an 8 px edge
    hour = page.locator(".tt-hour").first.bounding_box()["height"]
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    with page.expect_response(lambda r: r.url.endswith(f"/sessions/{first.pk}/move/")) as moved:
        for step in range(1, 11):
            page.mouse.move(x, y + hour / 4 * step / 10)
        page.mouse.up()
    assert moved.value.ok, moved.value.text()
    expect(block).to_contain_text("09:30–10:45")
    first.refresh_from_db()
    assert first.starts_at == local_time(conference, 9, 30)
    assert first.ends_at == local_time(conference, 10, 45)
    changes = page.locator("#agenda-changes")
    expect(changes).to_contain_text("Length changed")
    expect(changes).to_contain_text("09:30–10:30 → 09:30–10:45")
    expect(changes).to_contain_text("Not yet public: 1 change")
    shot(page, "length-changed")

    # An empty cell: the sixth room at 11:00 opens the form there (once the
    # page has settled from the resize: its panels refresh in the background).
    page.wait_for_load_state("networkidle")
    eleven = page.locator(".tt-hour", has_text="11:00").bounding_box()
    sixth = headers.nth(5).bounding_box()
    cell_x, cell_y = sixth["x"] + sixth["width"] / 2, eleven["y"] + 4
    page.mouse.move(cell_x, cell_y)
    ghost = page.locator(".tt-ghost")
    expect(ghost).to_be_visible()
    expect(ghost).to_contain_text("11:00")
    shot(page, "empty-cell-hover")
    with page.expect_navigation():
        page.mouse.click(cell_x, cell_y)
    expect(page).to_have_url(re.compile(r"/manage/agenda/sessions/new/\?"))
    expect(page.get_by_label("Room")).to_have_value(str(rooms[5].pk))
    expect(page.get_by_label("Starts")).to_have_value(f"{day}T11:00")
    expect(page.get_by_label("Ends")).to_have_value(f"{day}T12:00")
    expect(page.get_by_label("Published")).to_be_checked()
    page.get_by_label("Title").fill("Joint R&D on direct recycling")
    shot(page, "new-session-prefilled")
    submit(page, page.locator("main form button[type=submit]").first)

    expect(page.get_by_text("Not yet public: publish the agenda to show it")).to_be_visible()
    new = Session.objects.get(
        conference=conference, title__contains="Joint R&D on direct recycling"
    )
    assert new.room == rooms[5] and new.published
    assert new.starts_at == local_time(conference, 11)
    expect(page.locator(f".tt-session[data-id='{new.pk}']")).to_contain_text("not yet public")
    expect(page.locator("#agenda-changes")).to_contain_text("Not yet public: 2 changes")
    expect(page.get_by_text("Nothing to publish")).to_have_count(0)
    shot(page, "new-session-not-yet-public")

    assert [e for e in browser_errors if not e.endswith("/favicon.ico]")] == []
