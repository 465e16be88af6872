"""
The root conftest: service checks, the slow groups' markers, the personas,
the permission walk's world, an SMTP sink and a real Celery worker.

The suite runs against real PostgreSQL and Redis. Their localhost defaults
(DATABASE_URL, REDIS_URL) and the run's cache prefix are set by
tests/environment.py, a plugin pytest loads before pytest-django reads the
settings. Helpers (plain functions) live in tests/helpers; fixtures live here
and in the conftest of each folder.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis
from django.conf import settings as django_settings

from conference.celery import app as celery_app
from conference.core.models import Role
from tests.factories import (
    ConferenceFactory,
    ConferenceRoleFactory,
    RegistrationFactory,
    totp_activate,
)
from tests.helpers import database_url_of_tests
from tests.helpers.permission_world import World
from tests.helpers.smtp import running_smtp_sink
from tests.helpers.workers import WorkerProcess

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")
TESTS_DIR = Path(__file__).resolve().parent

# The slow groups, by folder or module under tests/ (markers in pyproject.toml):
# `make test` runs them all, `make test-fast` leaves them out.
SLOW_GROUPS = {
    "e2e": "e2e",
    "security/test_csp_in_browser.py": "e2e",
    "reliability": "reliability",
    "b2b_meetings/test_scheduler_engine.py": "scheduler_slow",
    "b2b_meetings/test_scheduler_worker.py": "scheduler_slow",
}


# Service checks ---------------------------------------------------------------


def _postgres_problem(url):
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    if not parts.scheme.startswith("postgres"):
        return f"DATABASE_URL must point at PostgreSQL for the test suite, not {parts.scheme}"
    try:
        psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg2.Error as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        reason = first_line.rsplit(": ", 1)[-1]
        return (
            f"PostgreSQL is not reachable at {where} ({reason}): "
            "start it with `pg_ctlcluster 15 main start`"
        )
    return None


def _redis_problem(url):
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return (
            f"Redis is not reachable at {where} ({type(exc).__name__}): "
            "start it with `service redis-server start`"
        )
    return None


def pytest_configure(config):
    # WhiteNoise warns that STATIC_ROOT is missing: tests don't run collectstatic.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    if config.getoption("help") or config.getoption("collectonly"):
        return
    problem = _postgres_problem(os.environ["DATABASE_URL"]) or _redis_problem(
        os.environ["REDIS_URL"]
    )
    if problem:
        pytest.exit(problem, returncode=3)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve()
        if TESTS_DIR not in path.parents:
            continue
        relative = path.relative_to(TESTS_DIR)
        for where, marker in SLOW_GROUPS.items():
            if relative == Path(where) or Path(where) in relative.parents:
                item.add_marker(marker)


# Settings for every test --------------------------------------------------------


@pytest.fixture(autouse=True)
def _test_settings(request, settings):
    """Fast password hashing, no kept pages, Celery tasks inline unless a worker is the point."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests move the clock and write in ways production does not; the kept
    # pages are tested on their own (tests/conference/test_private_cache.py)
    # and in every journey against a real server.
    settings.PRIVATE_PAGE_CACHE = False
    if request.node.get_closest_marker("celery_worker") is None:
        settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.fixture
def email_templates(settings):
    """Puts tests/templates (the test-only `emails/test_notice*`) first in the template dirs."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [TEMPLATES_DIR, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return TEMPLATES_DIR


# Personas ----------------------------------------------------------------------


@pytest.fixture
def conference(db):
    return ConferenceFactory()


def _staff(conference, role, *, mfa=False):
    user = ConferenceRoleFactory(conference=conference, role=role).user
    if mfa:
        totp_activate(user)
    return user


@pytest.fixture
def organiser(conference):
    """Organisers and security officers have the second factor conferences require."""
    return _staff(conference, Role.ORGANISER, mfa=True)


@pytest.fixture
def security_officer(conference):
    return _staff(conference, Role.SECURITY, mfa=True)


@pytest.fixture
def checkin_staff(conference):
    return _staff(conference, Role.CHECKIN)


def _delegate(conference):
    registration = RegistrationFactory(conference=conference, approved=True)
    user = registration.user
    user.registration = registration
    return user


@pytest.fixture
def delegate(conference):
    """A user with an approved registration (`delegate.registration`) and no staff role."""
    return _delegate(conference)


@pytest.fixture
def other_delegate(conference):
    return _delegate(conference)


@pytest.fixture
def world(conference, delegate, other_delegate, checkin_staff, security_officer, organiser):
    """
    The permission walk's world (tests/helpers/permission_walk.py): every object
    the project's URLs point at, and the six personas who request them.
    """
    personas = {
        "anonymous": None,
        "delegate": delegate,
        "other": other_delegate,
        "checkin": checkin_staff,
        "security": security_officer,
        "organiser": organiser,
    }
    return World(conference, personas)


# SMTP sink ---------------------------------------------------------------------


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 that keeps what it accepts (see tests/helpers/smtp.py)."""
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """Deliver through the SMTP sink, as production delivers through its relay."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_sink


# A real Celery worker (tests marked celery_worker) ----------------------------------


@pytest.fixture(scope="module")
def mail_server():
    """The SMTP sink of the module's worker."""
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def worker_process(django_db_setup, mail_server):
    """
    A `celery worker` for each module that asks for one, on the mail, default
    and long queues, delivering to `mail_server`. It needs only the test
    database's name: each test commits its own rows (`transactional_db`).
    """
    # Messages left in the queues by an interrupted run would run first.
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": django_settings.REDIS_URL,
        "EMAIL_HOST": mail_server.host,
        "EMAIL_PORT": str(mail_server.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "5",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = WorkerProcess(env)
    try:
        process.wait_until_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture
def worker(transactional_db, settings, worker_process, mail_server):
    """The module's worker, with this process sending tasks to it and an empty sink."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    mail_server.reset()
    return worker_process
