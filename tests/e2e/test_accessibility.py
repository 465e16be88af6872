"""
WCAG 2.1 AA on the main pages: each is loaded in headless Chromium from the
served app, axe-core (vendored: static/vendor/axe-core/, see its README) is
injected and run with the WCAG 2.0/2.1 A and AA rules, and a serious or
critical violation fails the test with every violation printed.

axe is injected by the test only: the page's Content-Security-Policy forbids
scripts it did not ship, so the test's browser context bypasses CSP
(`bypass_csp=True`); the pages themselves are unchanged.

Two checks axe cannot make are made by hand: every control reachable with Tab
shows a visible focus indicator, and the agenda's time-zone switch works from
the keyboard alone.
"""

import datetime
import json
from pathlib import Path

import pytest

from b2b_meetings import services as b2b_services
from conference.core.models import OrganisationKind
from sessions_app import services as agenda_services
from sessions_app.services import schedule_publish
from tests.e2e import personas
from tests.factories import (
    MeetingRequestFactory,
    MeetingSlotFactory,
    RoomFactory,
    SessionFactory,
    TableFactory,
    TrackFactory,
    local_time,
)
from tests.helpers.browser import TIMEOUT_MS

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


# The world the pages show --------------------------------------------------------------


@pytest.fixture
def world(e2e_conference, e2e_organiser):
    """
    A published agenda (a plenary, a workshop with sign-up, a break), three
    listed delegates at a recycler (signed up for the workshop), an OEM and a
    financier, one booked B2B meeting and one pending request, so no page is
    an empty state.
    """
    conference = e2e_conference
    hall = RoomFactory(conference=conference, name="Darbar Hall", capacity=300)
    lotus = RoomFactory(conference=conference, name="Lotus Room", capacity=40)
    track = TrackFactory(conference=conference, name="Recycling", colour="emerald")
    sessions = [
        SessionFactory(
            conference=conference,
            room=hall,
            title="Opening plenary",
            kind="plenary",
            starts_at=local_time(conference, 9, 30),
            ends_at=local_time(conference, 10, 30),
        ),
        SessionFactory(
            conference=conference,
            room=None,
            title="Coffee",
            kind="break",
            starts_at=local_time(conference, 10, 30),
            ends_at=local_time(conference, 11),
        ),
        SessionFactory(
            conference=conference,
            room=lotus,
            track=track,
            title="Black mass workshop",
            kind="workshop",
            capacity=20,
            signup_required=True,
            starts_at=local_time(conference, 11),
            ends_at=local_time(conference, 12),
        ),
    ]
    schedule_publish(conference=conference, actor=e2e_organiser.user)
    recycler = personas.delegate(conference, kind=OrganisationKind.RECYCLER, directory_consent=True)
    oem = personas.delegate(conference, kind=OrganisationKind.OEM, directory_consent=True)
    financier = personas.delegate(
        conference, kind=OrganisationKind.FINANCIER, directory_consent=True
    )
    agenda_services.session_signup(registration=recycler.registration, session_id=sessions[2].pk)
    room = RoomFactory(conference=conference, name="B2B Lounge")
    tables = [TableFactory(conference=conference, room=room, label=f"T0{i}") for i in (1, 2)]
    start = local_time(conference, 14)
    slots = [
        MeetingSlotFactory(
            conference=conference,
            starts_at=start + datetime.timedelta(minutes=20 * i),
            ends_at=start + datetime.timedelta(minutes=20 * (i + 1)),
        )
        for i in range(3)
    ]
    meeting = b2b_services.meeting_create(
        conference=conference,
        slot=slots[0],
        table=tables[0],
        registrations=[recycler.registration, oem.registration],
        notify=False,
    )
    request = MeetingRequestFactory(
        conference=conference,
        requester=financier.registration,
        target_registration=recycler.registration,
    )
    return {
        "conference": conference,
        "session": sessions[2],
        "recycler": recycler,
        "oem": oem,
        "meeting": meeting,
        "request": request,
        "organiser": e2e_organiser,
    }


# axe --------------------------------------------------------------------------------


@pytest.fixture
def axe_page(browser, e2e_server):
    """A page in a context that lets the test inject axe despite the app's CSP."""
    context = browser.new_context(
        base_url=e2e_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Asia/Kolkata",
        bypass_csp=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page):
    """axe's WCAG 2.1 A/AA violations of the page as loaded."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_TAGS,
    )


def audit(page, paths, shot=None):
    """Visits each path; returns {path: violations}, printing all of them."""
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        if shot is not None:
            shot(page, path.split("/", 3)[-1] or "home")
        violations = axe_violations(page)
        found[path] = violations
        for violation in violations:
            print(f"\n[{violation['impact']}] {path}: {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:10]:
                print(f"    {node['target']}\n      {node['summary']}".replace("\n", "\n      "))
    return found


def assert_no_serious_violations(found):
    serious = {
        path: [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in violations
            if v["impact"] in FAILING_IMPACTS
        ]
        for path, violations in found.items()
    }
    serious = {path: v for path, v in serious.items() if v}
    assert not serious, "Serious or critical WCAG violations:\n" + json.dumps(serious, indent=1)


def event(world, path=""):
    return f"/events/{world['conference'].slug}/{path}"


def test_the_audit_catches_an_unlabelled_control(axe_page):
    """The harness itself: axe is injected and its serious findings fail the test."""
    axe_page.set_content(
        '<html lang="en"><head><title>t</title></head>'
        '<body><main><h1>Form</h1><input type="text" name="q"></main></body></html>'
    )
    violations = axe_violations(axe_page)

    assert {"label"} <= {v["id"] for v in violations if v["impact"] in FAILING_IMPACTS}
    with pytest.raises(AssertionError, match="label"):
        assert_no_serious_violations({"/": violations})


# Pages ------------------------------------------------------------------------------


def test_public_pages_have_no_serious_accessibility_violations(world, axe_page):
    found = audit(
        axe_page,
        [
            event(world),
            event(world, "agenda/"),
            event(world, f"agenda/sessions/{world['session'].pk}/"),
            event(world, "agenda/?tz=Australia/Sydney"),
            "/accounts/login/",
        ],
    )
    assert_no_serious_violations(found)


def test_delegate_pages_have_no_serious_accessibility_violations(world, axe_page, login, shot):
    login(axe_page, world["recycler"])
    oem_organisation = world["oem"].registration.organisation_id
    found = audit(
        axe_page,
        [
            event(world, "register/"),
            event(world, "me/"),
            event(world, "agenda/"),
            event(world, f"agenda/sessions/{world['session'].pk}/"),
            event(world, "b2b/"),
            event(world, "b2b/requests/"),
            event(world, f"b2b/requests/new/organisation/{oem_organisation}/"),
            event(world, f"b2b/requests/{world['request'].pk}/"),
            event(world, f"b2b/meetings/{world['meeting'].pk}/"),
            event(world, "me/?tz=Australia/Sydney"),
        ],
        shot,
    )
    assert_no_serious_violations(found)


def test_organiser_pages_have_no_serious_accessibility_violations(world, axe_page, login):
    login(axe_page, world["organiser"])
    found = audit(
        axe_page,
        [
            event(world, "manage/"),
            event(world, "manage/b2b/"),
            event(world, "manage/agenda/"),
        ],
    )
    assert_no_serious_violations(found)


# What axe cannot see -------------------------------------------------------------------


FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    const label = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "")
        .trim().slice(0, 40);
    return {tag: el.tagName.toLowerCase(), label, visible: outline || shadow};
}"""


def tab_through(page, steps):
    """Presses Tab `steps` times; returns what had focus after each press."""
    seen = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if focused is not None:
            seen.append(focused)
    return seen


def test_every_control_reached_by_tab_shows_where_the_focus_is(world, axe_page, login):
    login(axe_page, world["recycler"])
    for path in (event(world, "agenda/"), event(world, "me/"), event(world, "b2b/")):
        axe_page.goto(path)
        seen = tab_through(axe_page, 25)
        assert len(seen) >= 10, f"{path}: only {len(seen)} controls reachable by Tab"
        invisible = [f for f in seen if not f["visible"]]
        assert not invisible, f"{path}: focus not visible on {invisible}"


def test_the_agenda_time_zone_switch_works_from_the_keyboard(world, axe_page):
    """
    Arrow keys walk through the zones without reloading the page under the
    user (the switch applies itself only for mouse changes); Enter applies it.
    """
    agenda = event(world, "agenda/")
    axe_page.goto(agenda)
    select = axe_page.get_by_label("Time zone")
    select.focus()
    for _ in range(3):  # Asia/Kolkata (conference) → UTC → Asia/Tokyo → Australia/Sydney
        axe_page.keyboard.press("ArrowDown")
    axe_page.wait_for_timeout(300)  # time enough for a navigation to start, were there one

    assert axe_page.url.endswith(agenda)
    assert select.input_value() == "Australia/Sydney"
    with axe_page.expect_navigation():
        axe_page.keyboard.press("Enter")
    assert "tz=Australia%2FSydney" in axe_page.url
    assert "Times are shown in Australia/Sydney" in axe_page.locator("main").inner_text()


def test_a_mouse_change_of_the_time_zone_applies_at_once(world, axe_page):
    axe_page.goto(event(world, "agenda/"))
    with axe_page.expect_navigation():
        axe_page.get_by_label("Time zone").select_option("Asia/Tokyo")
    assert "tz=Asia%2FTokyo" in axe_page.url
