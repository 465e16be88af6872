"""
The servers and databases the benchmarks start, in one place: a benchmark's
own PostgreSQL database (created afresh, dropped at the end), the
production-like gunicorn every HTTP benchmark starts (DEBUG off, whitenoise
static files, persistent connections, its own cache prefix), a throwaway
redis-server, free ports, bounded waits, how everything is stopped, and a
logged-in session cookie for a user (Django set up by the caller).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


def free_port():
    """A port nothing listens on now, chosen by the kernel."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run(args, env, timeout, log=print):
    """Run a command from the repository root (logged first); raise if it fails."""
    log("$ " + " ".join(str(arg) for arg in args))
    subprocess.run(args, cwd=ROOT, env=env, check=True, timeout=timeout)


# Databases -----------------------------------------------------------------------------


def database_name(url):
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"Unexpected database name {name!r}")
    return name


def is_bench_database(url):
    """Only a database named portal_bench_* is the benchmark's to create and drop."""
    return database_name(url).startswith("portal_bench")


def recreate_database(url, *, drop_only=False):
    """Drop the benchmark's database (closing its connections) and, unless drop_only, create it."""
    import psycopg2

    if not is_bench_database(url):
        raise SystemExit(
            f"Refusing to recreate database {database_name(url)!r}: name it portal_bench_*."
        )
    name = database_name(url)
    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database_unless_kept(url, log=print):
    """
    At the end of a run: drop the benchmark's database unless BENCH_KEEP_DB=1
    (this process closes its own connections first).
    """
    if os.getenv("BENCH_KEEP_DB") == "1":
        return
    try:
        recreate_database(url, drop_only=True)
    except Exception as exc:  # a failed clean-up must not hide the result
        log(f"could not drop the benchmark database: {exc}")


# gunicorn ------------------------------------------------------------------------------


def server_env(*, name, database_url, redis_url, port, static_root, conn_max_age="60"):
    """The environment for manage.py and gunicorn of benchmark `name`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"bench-{name}-{uuid.uuid4().hex[:8]}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static_root,
        "DB_CONN_MAX_AGE": conn_max_age,
        "LOG_LEVEL": "WARNING",
        "SITE_ROOT": f"http://{HOST}:{port}",
    }


def server_start(*, app, port, env, workers, log=print):
    """gunicorn serving the WSGI `app` ("module:callable") on 127.0.0.1, in its own group."""
    args = [
        *(PYTHON, "-m", "gunicorn", app),
        *("--workers", str(workers), "--bind", f"{HOST}:{port}"),
        *("--log-level", "warning"),
    ]
    log("$ " + " ".join(args))
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)


def wait_until_up(url, timeout=60):
    """Until `url` answers at all (any status: the caller checks what it says)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def server_stop(server):
    """Stop a server started in its own process group: TERM, then KILL after 30 s."""
    if server is None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


# redis-server ----------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the benchmark's own on a free port, with nothing written to disk."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server).")
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", HOST),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# The machine ---------------------------------------------------------------------------


def wait_for_quiet(limit_seconds):
    """
    The machine is shared: wait (bounded) until the 1-minute load average is
    below the number of CPUs, so that others' work weighs less on the numbers.
    Returns the seconds waited and whether it got quiet.
    """
    started = time.monotonic()
    cpus = os.cpu_count() or 1
    while os.getloadavg()[0] >= cpus:
        if time.monotonic() - started > limit_seconds:
            return round(time.monotonic() - started), False
        time.sleep(5)
    return round(time.monotonic() - started), True


def session_cookie(user):
    """A logged-in session for `user`, made in the database as a log-in would make it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key
