"""
The one conftest: real services, shared personas and an SMTP sink.

The suite runs against real PostgreSQL and Redis. `make test` passes
DATABASE_URL and REDIS_URL; a plain `pytest` gets the same localhost
defaults here. pytest-django loads the settings before any conftest is
imported, so after filling in the defaults the settings module is read
again (nothing has connected to a database or a cache at that point).
"""

import importlib
import os
import sys
import uuid
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis
from django import conf as django_conf
from django.db import connections

from conference.core.models import Role
from tests.factories import (
    ConferenceFactory,
    ConferenceRoleFactory,
    RegistrationFactory,
    totp_activate,
)
from tests.smtp import running_smtp_sink

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")


def _load_settings_for_tests():
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    # Rate-limit counters live in Redis: a fresh prefix per run keeps one run's
    # logins and sign-ups from counting against the next.
    os.environ.setdefault("CACHE_KEY_PREFIX", f"portal-test-{uuid.uuid4().hex[:8]}")

    module = importlib.reload(sys.modules[os.environ["DJANGO_SETTINGS_MODULE"]])
    django_conf.settings._wrapped = django_conf.Settings(module.__name__)
    # The connection handler read DATABASES while apps were set up (no
    # connection was opened): make it read them again.
    for alias in list(connections.settings):
        if hasattr(connections._connections, alias):
            connections[alias].close()
            del connections[alias]
    connections._settings = None
    connections.__dict__.pop("settings", None)


_load_settings_for_tests()


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


# Settings for every test --------------------------------------------------------


@pytest.fixture(autouse=True)
def _test_settings(request, settings):
    """Fast password hashing, and Celery tasks run inline unless a worker is the point."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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


# SMTP sink ---------------------------------------------------------------------


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 that keeps what it accepts (see tests/smtp.py)."""
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
