"""
What tests that start processes share: the test database's URL for a
subprocess, free ports, bounded waits, and a Python process with the
production settings.
"""

import os
import secrets
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "portal.example.org",
}


def database_url_of_tests():
    """The URL of the database this test process uses (pytest's test database, per xdist worker)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port(host="127.0.0.1"):
    """A port nothing listens on now, chosen by the kernel (never a fixed one: runs overlap)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for(condition, what, log=None, timeout=20, every=None, interval=0.1):
    """
    Poll `condition` until it returns something true, and return that; fail the
    test after `timeout` seconds with the end of `log()`. `every` runs before
    each poll (e.g. a sweep).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if every:
            every()
        result = condition()
        if result:
            return result
        time.sleep(interval)
    detail = f"\n--- log ---\n{log()[-6000:]}" if log else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.{detail}")


def production_env(**extra):
    """The environment of a production process, on the test database and Redis."""
    return {
        **os.environ,
        **PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    }


def run_python(code, env):
    """Run `code` in a new Python process from the project directory; never raises on failure."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
