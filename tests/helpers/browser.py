"""Headless Chromium for the browser tests: Debian's package, no `playwright install`."""

import contextlib
import os
import time

import pytest
from playwright.sync_api import sync_playwright

# How long a browser test waits for a page, an element or an expectation.
TIMEOUT_MS = 15_000
# The two screens the journeys are looked at on: a laptop and a phone.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.getenv("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    # Containers often have a small /dev/shm, which crashes renderers.
    "--disable-dev-shm-usage",
]


@contextlib.contextmanager
def running_chromium():
    """A launched browser, closed afterwards; a missing Chromium fails in one line."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
            "(or set E2E_CHROMIUM to its path).",
            pytrace=False,
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # made by tests and fixtures between browser steps are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def overflow(page):
    """How many CSS pixels the page is wider than its viewport (0: it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def wait_until(condition, what, timeout=15):
    """Polls the database (or anything) until `condition()` is truthy; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.")
