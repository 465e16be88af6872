"""
Fault test: PostgreSQL restarts under a running web server.

The test starts a PostgreSQL cluster of its own (initdb, pg_ctl), migrates
it, and serves the portal from it with gunicorn and persistent connections
(DB_CONN_MAX_AGE, as production runs). After the cluster restarts, every
connection the server held is dead; with CONN_HEALTH_CHECKS Django notices
at the start of the next request and reconnects, so that request succeeds.
The control shows that without the health check it would fail.
"""

import os
import subprocess
import sys
import urllib.request

import psycopg2
import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.postgresql.base import DatabaseWrapper

from tests.helpers import free_port
from tests.reliability.processes import LogFile, OwnPostgres, stop_process, wait_for

pytestmark = pytest.mark.django_db

SLUG = "restart"
REQUEST_SECONDS = 10


@pytest.fixture(scope="module")
def own_postgres():
    server = OwnPostgres()
    try:
        server.init()
        yield server
    finally:
        server.destroy()


def _backends(server):
    """Process ids of the client connections to the portal database, but this one."""
    conn = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="portal")
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = 'portal' "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return sorted(pid for (pid,) in cursor.fetchall())
    finally:
        conn.close()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def web(own_postgres):
    """gunicorn (one sync worker, persistent connections) on the test's cluster."""
    env = {
        **os.environ,
        "DATABASE_URL": own_postgres.url,
        "DB_CONN_MAX_AGE": "600",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": f"reliability-restart-{os.getpid()}",
    }
    for command in (
        ["manage.py", "migrate", "--noinput", "-v", "0"],
        [
            "manage.py",
            "shell",
            "-c",
            f"from tests.factories import ConferenceFactory; ConferenceFactory(slug={SLUG!r})",
        ],
    ):
        subprocess.run(
            [sys.executable, *command], cwd=settings.BASE_DIR, env=env, check=True, timeout=600
        )
    port = free_port()
    log = LogFile("reliability-gunicorn-")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "conference.wsgi:application"),
            *("--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return _get(base + "/healthz") in (200, 503)
        except OSError:
            return False

    try:
        wait_for(up, "gunicorn to answer", log=log.read, timeout=60)
        yield base, log
    finally:
        stop_process(process)
        log.close()


def test_after_postgres_restarts_the_next_request_succeeds(own_postgres, web):
    base, log = web
    home = f"{base}/events/{SLUG}/"
    assert _get(home) == 200
    assert _get(home) == 200
    held = _backends(own_postgres)
    assert len(held) == 1, "the web server should keep one persistent connection"

    own_postgres.restart()
    assert _backends(own_postgres) == []  # every connection it held is gone

    assert _get(home) == 200, log.read()
    assert _get(f"{base}/events/{SLUG}/agenda/") == 200, log.read()
    assert len(_backends(own_postgres)) == 1


def test_conn_health_checks_is_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("health_checks", [False, True], ids=["without", "with"])
def test_control_only_the_health_check_saves_the_first_request_after_a_restart(
    own_postgres, health_checks
):
    """
    A Django connection to the test's cluster, kept across requests as the
    web server keeps it: after a restart the first query of the next request
    fails unless CONN_HEALTH_CHECKS is on.
    """
    alias = "reliability_restart"
    wrapper = DatabaseWrapper(
        {
            **settings.DATABASES["default"],
            "NAME": "portal",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": own_postgres.port,
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": health_checks,
        },
        alias=alias,
    )
    connections[alias] = wrapper  # django.contrib.postgres looks it up on connecting

    def request():
        # What Django does on request_started, then the request's query.
        wrapper.close_if_unusable_or_obsolete()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    try:
        assert request() == 1
        own_postgres.restart()
        if health_checks:
            assert request() == 1
        else:
            with pytest.raises(OperationalError):
                request()
            assert request() == 1  # the request after that reconnects
    finally:
        wrapper.close()
        del connections[alias]
