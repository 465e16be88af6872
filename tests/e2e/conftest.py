"""
Fixtures for the real-browser tests: headless Chromium (Debian's, at
/usr/bin/chromium) driving the app as production serves it.

One server per run of this package (`e2e_server`): static files collected into
a temporary STATIC_ROOT and served by whitenoise, gunicorn with DEBUG off on
127.0.0.1 (a free port),
and a Celery worker. Both processes use the pytest test database, Redis and
an SMTP sink (`e2e_mail`). Every test runs on `transactional_db`, so what it
writes is committed and visible to them, and is flushed after it.

Stable names others build on: `e2e_server` (has `.url`), `browser`, `page`,
`new_page`, `login(page, email, password)`, `shot(page, name)`, `e2e_mail`,
`browser_errors` and the personas `e2e_conference`, `e2e_organiser`,
`e2e_checkin`, `e2e_security`, `e2e_delegate`.
"""

import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conference.core.models import Role
from tests.e2e import personas, services
from tests.factories import ConferenceFactory
from tests.helpers import free_port
from tests.helpers.browser import DESKTOP, PHONE, TIMEOUT_MS, overflow, running_chromium
from tests.helpers.smtp import running_smtp_sink

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MAIL_WAIT_SECONDS = 30

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test shows the end of the server's and the worker's logs."""
    report = yield
    server = getattr(item, "funcargs", {}).get("e2e_server")
    if report.failed and server is not None:
        report.sections.append(("gunicorn log (end)", server.log()[-6000:]))
        report.sections.append(("celery worker log (end)", server.worker.log()[-6000:]))
    return report


# Services ----------------------------------------------------------------------


@pytest.fixture(scope="package")
def e2e_mail():
    """The SMTP sink the served app and its worker deliver to (tests/helpers/smtp.py)."""
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="package")
def e2e_server(django_db_setup, e2e_mail, tmp_path_factory):
    """
    gunicorn (DEBUG off, whitenoise) and a Celery worker on the test database.
    `.url` is the base URL; `.log()` the server's output; `.worker` the worker.
    """
    from conference.celery import app as celery_app

    # Under pytest's temporary directory, which pytest itself prunes.
    static_root = tmp_path_factory.mktemp("e2e-static")
    port = free_port()
    env = services.service_env(
        static_root=static_root, site_root=f"http://{services.HOST}:{port}", smtp=e2e_mail
    )
    # Messages left in the queues by an interrupted run would run first.
    celery_app.control.purge()
    processes = []
    try:
        # The worker starts while the static files are collected.
        worker = services.Worker(env=env)
        processes.append(worker)
        services.collectstatic(static_root)
        server = services.Server(port=port, env=env)
        processes.append(server)
        worker.wait_until_ready()
        server.wait_until_ready()
        server.worker = worker
        yield server
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.stop()


@pytest.fixture(autouse=True)
def _e2e_settings(_test_settings, transactional_db, settings, e2e_server, e2e_mail):
    """
    This process agrees with the served app: the same secret key (signed
    tokens), tasks sent to the real worker, mail to the same sink.
    """
    settings.SECRET_KEY = services.SECRET_KEY
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SITE_ROOT = e2e_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = e2e_mail.host
    settings.EMAIL_PORT = e2e_mail.port
    e2e_mail.reset()
    return settings


# Browser -----------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    with running_chromium() as browser:
        yield browser


@pytest.fixture
def browser_errors():
    """Console errors (CSP violations included) and uncaught exceptions of this test's pages."""
    return []


def _console_error(page, msg, errors):
    if msg.type == "error":
        source = msg.location.get("url") or ""
        errors.append(f"{page.url}: {msg.text}" + (f" [{source}]" if source else ""))


@pytest.fixture
def new_page(browser, e2e_server, browser_errors):
    """`new_page()`: a page in a fresh browser context (its own cookies: one person)."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=e2e_server.url,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            locale="en-GB",
            timezone_id="Asia/Kolkata",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: _console_error(page, msg, browser_errors))
        page.on("pageerror", lambda exc: browser_errors.append(f"{page.url}: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def login():
    """
    `login(page, email, password)`: logs in through allauth's form, answering
    the two-factor step with a TOTP code from the user's stored secret. A
    `Persona` may stand in for email and password. `next` is a path to go to.
    """

    def log_in(page, email, password=None, *, next=None):
        if isinstance(email, personas.Persona):
            email, password = email.email, password or email.password
        url = "/accounts/login/" + (f"?next={next}" if next else "")
        page.goto(url)
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.locator("form[action='/accounts/login/'] [type=submit]").click()
        if "/accounts/2fa/authenticate" in page.url:
            secret = personas.totp_secret_of(email)
            assert secret, f"{email} is asked for a second factor but has no TOTP secret"
            page.fill("input[name=code]", personas.totp_code(secret))
            with page.expect_navigation():
                page.locator(
                    "form[action='/accounts/2fa/authenticate/'] [type=submit]"
                ).first.click()
        assert not re.search(r"/accounts/(login|2fa)/", page.url), (
            f"{email} is not logged in: still on {page.url}\n{page.locator('body').inner_text()}"
        )
        return page

    return log_in


@pytest.fixture
def shot(request):
    """`shot(page, name)`: a full-page screenshot in tests/e2e/artifacts/<test>/NN-<name>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(page, name):
        nonlocal count
        count += 1
        slug = re.sub(r"[^\w.-]+", "-", name)
        path = folder / f"{count:02d}-{slug}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def shots(shot):
    """
    `shots(page, name)`: screenshots at 1280 px and at 390 px wide (a phone).
    The page is back at 1280 px afterwards. A page wider than the phone's
    screen is recorded in `shots.overflowing`, which the journeys assert empty.
    """

    def take(page, name):
        shot(page, f"{name}-1280")
        page.set_viewport_size(PHONE)
        try:
            shot(page, f"{name}-390")
            extra = overflow(page)
            if extra > 0:
                take.overflowing.append(f"{name}: {page.url} is {extra} px wider than 390 px")
        finally:
            page.set_viewport_size(DESKTOP)

    take.overflowing = []
    return take


# Mail ---------------------------------------------------------------------------


@pytest.fixture
def wait_for_email(e2e_mail, e2e_server):
    """`wait_for_email(to, subject_contains="")`: the first such message the sink accepted."""

    def wait(to, subject_contains="", timeout=MAIL_WAIT_SECONDS):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(e2e_mail.messages):
                message = item["message"]
                if to.lower() in [r.lower() for r in item["to"]] and subject_contains in str(
                    message["Subject"]
                ):
                    return message
            time.sleep(0.2)
        seen = [(m["to"], str(m["message"]["Subject"])) for m in e2e_mail.messages]
        pytest.fail(
            f"No email to {to} with {subject_contains!r} within {timeout} s; the sink has {seen}."
            f"\n--- worker log ---\n{e2e_server.worker.log()[-4000:]}"
        )

    return wait


# Personas -----------------------------------------------------------------------


@pytest.fixture
def e2e_conference(transactional_db):
    """A conference 30 days ahead, registration open, staff required to use TOTP."""
    return ConferenceFactory()


@pytest.fixture
def e2e_organiser(e2e_conference):
    return personas.staff(e2e_conference, Role.ORGANISER)


@pytest.fixture
def e2e_security(e2e_conference):
    return personas.staff(e2e_conference, Role.SECURITY)


@pytest.fixture
def e2e_checkin(e2e_conference):
    return personas.staff(e2e_conference, Role.CHECKIN)


@pytest.fixture
def e2e_delegate(e2e_conference):
    return personas.delegate(e2e_conference)
