"""
The event day on a phone when the venue's network fails, in headless Chromium
against gunicorn (DEBUG off, whitenoise, hashed static names): the service
worker (/sw.js) keeps the public agenda and a signed-in delegate's schedule,
badge and meetings, shows them offline with an "Offline — last updated at"
line, and forgets the personal ones at logout and when someone else signs in.

Chromium counts http://127.0.0.1 as a secure context, so the worker runs on the
test server as it would over HTTPS. Screenshots at 1280 and 390 px land in
tests/e2e/artifacts/<test>/.
"""

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e import personas
from tests.factories import (
    MeetingFactory,
    MeetingSeatFactory,
    SessionFactory,
    SessionSignupFactory,
)
from tests.helpers.data import publish

pytestmark = pytest.mark.e2e

OFFLINE_LINE = "Offline — last updated at"

CACHED_URLS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return found;
}"""


def controlled(page):
    """Waits for the service worker, then reloads once so that it controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
        page.reload()
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)"), "no worker controls it"


def wait_for_cached(page, cache, path, seconds=15):
    """The caches once `path` is in `cache` (the worker stores in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        cached = page.evaluate(CACHED_URLS)
        if path in cached.get(cache, []) or time.monotonic() > deadline:
            assert path in cached.get(cache, []), f"{path} never reached {cache}: {cached}"
            return cached
        page.wait_for_timeout(100)


def offline_page_fails(page, path):
    """Opening `path` with no network fails (the browser's own error page)."""
    try:
        response = page.goto(path)
    except PlaywrightError:
        return True
    return response is None or not response.ok


def goto_after_failures(page, path, tries=3):
    """
    page.goto() after navigations that failed: their error page is itself a
    navigation, which can commit after goto() raised and interrupt the next
    one (Chromium's own race, not the worker's); then go again.
    """
    for attempt in range(tries):
        try:
            return page.goto(path)
        except PlaywrightError as error:
            if "chrome-error://" not in str(error) or attempt == tries - 1:
                raise
            page.wait_for_load_state()


def delegate_day(conference):
    """A delegate signed up to a published panel and seated in a B2B meeting with a partner."""
    delegate = personas.delegate(conference)
    partner = personas.delegate(conference)
    panel = SessionFactory(conference=conference, title="Securing anchor off-takers")
    SessionSignupFactory(session=panel, registration=delegate.registration)
    meeting = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    MeetingSeatFactory(meeting=meeting, registration=partner.registration)
    publish(conference)
    return delegate, partner, panel, meeting


def test_agenda_schedule_badge_and_meeting_open_offline_until_logout(
    new_page, login, shots, e2e_conference, browser_errors
):
    conference = e2e_conference
    delegate, partner, panel, meeting = delegate_day(conference)
    code = delegate.registration.badge_code
    event = f"/events/{conference.slug}/"
    pages = {
        "agenda": (f"{event}agenda/", str(panel.title)),
        "my-schedule": (f"{event}me/", str(panel.title)),
        "badge": (f"{event}me/badge/", " ".join(code[i : i + 4] for i in range(0, len(code), 4))),
        "meeting": (f"{event}b2b/meetings/{meeting.pk}/", partner.user.display_name),
    }
    page = new_page()
    context = page.context
    login(page, delegate, next=pages["agenda"][0])
    controlled(page)
    # The badge page is in the delegate's menu.
    page.get_by_role("button", name=delegate.user.display_name).click()
    expect(page.get_by_role("link", name="My badge", exact=True)).to_have_attribute(
        "href", pages["badge"][0]
    )
    # Online, under the worker: each page once, as a delegate opens them before the day.
    for path, text in pages.values():
        page.goto(path)
        expect(page.locator("main")).to_contain_text(text)
        expect(page.locator("[data-offline-banner]")).to_be_hidden()

    # The anonymous copy of the agenda is fetched in the worker's background
    # (event.waitUntil), after the page has loaded: a phone has that time, the
    # test waits for it rather than racing it.
    cached = wait_for_cached(page, "portal-pages-v1", pages["agenda"][0])
    personal = set(cached.get("portal-personal-v1", []))
    assert {path for path, _text in pages.values()} <= personal, cached
    # An allow-list: nothing of the login, the logout or any download is kept.
    kept = {path for paths in cached.values() for path in paths}
    assert not [path for path in kept if path.startswith("/accounts/") or "/manage/" in path]
    assert not [path for path in kept if path.endswith((".pdf", ".ics", ".csv"))]

    context.set_offline(True)
    for name, (path, text) in pages.items():
        page.goto(path)
        expect(page.locator("main")).to_contain_text(text)
        banner = page.locator("[data-offline-banner]")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(OFFLINE_LINE)
        expect(banner.locator("time")).not_to_be_empty()
        shots(page, f"offline-{name}")
    assert shots.overflowing == []

    # Back online: the delegate logs out from the menu.
    context.set_offline(False)
    page.goto(pages["my-schedule"][0])
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    page.get_by_role("button", name=delegate.user.display_name).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    assert not page.evaluate(CACHED_URLS).get("portal-personal-v1")

    context.set_offline(True)
    for name in ("my-schedule", "badge", "meeting"):
        assert offline_page_fails(page, pages[name][0]), f"{name} still opens after logout"
    # The public agenda stays, as an anonymous visitor sees it.
    goto_after_failures(page, pages["agenda"][0])
    expect(page.locator("main")).to_contain_text(str(panel.title))
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(delegate.user.display_name)
    shots(page, "offline-agenda-after-logout")
    context.set_offline(False)
    # Pages from the cache keep their policy: nothing was refused.
    assert [error for error in browser_errors if "Content Security Policy" in error] == []


def test_next_person_on_the_device_never_sees_the_last_ones_pages_offline(
    new_page, login, e2e_conference
):
    """A session that ended without a logout: the next login's first page drops the old cache."""
    conference = e2e_conference
    delegate, _partner, panel, _meeting = delegate_day(conference)
    other = personas.delegate(conference)
    event = f"/events/{conference.slug}/"
    page = new_page()
    context = page.context
    login(page, delegate, next=f"{event}agenda/")
    controlled(page)
    page.goto(f"{event}me/")
    expect(page.locator("main")).to_contain_text(str(panel.title))

    context.clear_cookies()  # the session expires; nobody pressed "Log out"
    login(page, other, next=f"{event}agenda/")
    expect(page.get_by_role("button", name=other.user.display_name)).to_be_visible()

    context.set_offline(True)
    assert offline_page_fails(page, f"{event}me/"), "the previous person's schedule opened"
    context.set_offline(False)
