"""
The strict policy, as a browser enforces it: headless Chromium loads the
main pages of each persona from a live server and records every
`securitypolicyviolation` event. None may occur, htmx must have inserted no
<style> element of its own (its indicator styles are switched off by the
htmx-config meta tag), and a control page shows the recorder does catch an
inline style.
"""

import os
import threading

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread

from sessions_app.services import schedule_publish
from tests.factories import SessionFactory
from tests.helpers.browser import running_chromium

# Any free port unless one is named (a fixed port collides with a parallel run).
PORT = int(os.getenv("SECURITY_LIVE_PORT", "0"))

RECORDER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_url():
    before = set(threading.enumerate())
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=PORT)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    # Request threads close their database connections as they end; wait for
    # them, or the test database cannot be dropped at the end of the run.
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)


@pytest.fixture
def chromium():
    with running_chromium() as browser:
        yield browser


def visit(browser, base_url, user, paths):
    """{path: (violations, htmx config, <style> elements)} for each path, as `user`."""
    context = browser.new_context(base_url=base_url)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base_url}])
    context.add_init_script(RECORDER)
    page = context.new_page()
    seen = {}
    for path in paths:
        response = page.goto(path, wait_until="load")
        assert response.status == 200, path
        page.wait_for_timeout(150)  # let deferred scripts and htmx settle
        seen[path] = page.evaluate(
            """() => [
                window.__violations,
                window.htmx ? window.htmx.config.includeIndicatorStyles : "no htmx",
                document.querySelectorAll("style").length,
            ]"""
        )
        # A script that failed to load would break no policy: all must load.
        for src in page.evaluate("Array.from(document.scripts).map((s) => s.src)"):
            assert page.request.get(src).status == 200, src
    context.close()
    # Under Playwright's sync API this code has a database connection of its
    # own, which nothing else would close.
    connections.close_all()
    return seen


def test_the_recorder_catches_an_inline_style(live_url, chromium, conference):
    path = f"/events/{conference.slug}/"
    context = chromium.new_context(base_url=live_url)
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(path)
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color:red">x</p>')""")
    page.wait_for_timeout(150)

    assert any("style-src" in v for v in page.evaluate("window.__violations"))
    context.close()


def test_no_page_breaks_the_policy_in_a_browser(
    live_url, chromium, conference, organiser, delegate, checkin_staff
):
    SessionFactory(conference=conference, signup_required=True, capacity=10)
    schedule_publish(conference=conference, actor=organiser)
    base = f"/events/{conference.slug}/"
    pages = {
        None: ["/accounts/login/", base, base + "agenda/", "/accounts/password/reset/"],
        delegate: [
            base + "agenda/",
            base + "me/",
            base + "register/",
            base + "b2b/",
            base + "b2b/requests/",
            base + "b2b/availability/",
        ],
        organiser: [
            base + "manage/",
            base + "manage/agenda/",
            base + "manage/invitations/",
            base + "manage/registrations/",
            base + "manage/b2b/",
            base + "manage/exports/",
            base + "manage/outbox/",
        ],
        checkin_staff: [base + "manage/checkin/"],
    }
    problems = []
    for user, paths in pages.items():
        for path, (violations, indicator_styles, styles) in visit(
            chromium, live_url, user, paths
        ).items():
            if violations:
                problems.append(f"{path} as {user}: {violations}")
            if indicator_styles is not False or styles:
                problems.append(f"{path} as {user}: htmx {indicator_styles}, {styles} <style>")

    assert not problems, "\n".join(problems)
