"""Headless Chromium for the browser tests: Debian's package, no `playwright install`."""

import contextlib
import os

import pytest
from playwright.sync_api import sync_playwright

# How long a browser test waits for a page, an element or an expectation.
TIMEOUT_MS = 15_000
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
