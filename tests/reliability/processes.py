"""
Processes of the fault tests, each the test's own: a redis-server, a
PostgreSQL cluster, a Celery worker and a gunicorn, started on free ports,
stopped whatever happens, every wait bounded (`free_port`, `wait_for` and
`database_url_of_tests` are in tests/helpers/processes.py).
"""

import asyncio
import contextlib
import functools
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

import pytest
import redis

from conference.celery import app as celery_app
from tests.helpers import database_url_of_tests, free_port
from tests.helpers import wait_for as _wait_for
from tests.helpers.smtp import SmtpSink
from tests.helpers.workers import WorkerProcess

WAIT_SECONDS = 45

# Faults take longer to recover from than a worker to start: longer waits, and
# polls (some of which run a sweep) twice a second.
wait_for = functools.partial(_wait_for, timeout=WAIT_SECONDS, interval=0.5)


def stop_process(process, timeout=10):
    """SIGTERM the process group, SIGKILL it if it lingers."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def sweep():
    """What beat sends every minute; refused quietly while the broker reconnects."""
    with contextlib.suppress(Exception):  # the next round tries again
        celery_app.send_task("conference.core.tasks.outbox_sweep", retry=False)


class LogFile:
    """A temporary file for a subprocess's output, readable while it runs."""

    def __init__(self, prefix):
        self.file = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log")  # noqa: SIM115

    def read(self):
        with open(self.file.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def close(self):
        self.file.close()


class OwnRedis:
    """A throwaway redis-server, no persistence, that the test stops and starts."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server).")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._pings(client), "redis-server to start", timeout=10)

    @staticmethod
    def _pings(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        stop_process(self.process)
        self.process = None


def _postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin).")
    return os.path.dirname(found[-1])


class OwnPostgres:
    """
    A PostgreSQL cluster of the test's own (initdb in a temporary folder,
    trust authentication on 127.0.0.1), which the test restarts. Run as the
    `postgres` user when the test runs as root, since initdb refuses root.
    """

    def __init__(self):
        self.bin = _postgres_bin()
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="reliability-pg-")
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "server.log")
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, *args, timeout=60):
        done = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode:
            pytest.fail(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                f"\n--- server log ---\n{self.log()[-3000:]}"
            )
        return done

    def log(self):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def init(self):
        self._run(
            f"{self.bin}/initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            timeout=120,
        )
        try:
            self.start()
        except pytest.fail.Exception:
            if "already in use" not in self.log():
                raise
            # Another cluster took the port since it was chosen: take any free one.
            self.port = free_port()
            self.url = f"postgres://postgres@127.0.0.1:{self.port}/portal"
            self.start()
        self._run(f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "portal")

    def pg_ctl(self, action, timeout=60):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._run(
            f"{self.bin}/pg_ctl",
            action,
            "-D",
            self.data,
            "-l",
            self.logfile,
            "-o",
            options,
            "-m",
            "fast",
            "-w",
            "-t",
            str(timeout),
            timeout=timeout + 10,
        )

    def start(self):
        self.pg_ctl("start")

    def restart(self):
        self.pg_ctl("restart")

    def destroy(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(
                [*self.as_user, f"{self.bin}/pg_ctl", "stop", "-D", self.data, "-m", "immediate"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


# Run instead of `celery -A conference worker` to shorten the time after which
# a row left "sending" counts as abandoned by a dead worker (5 minutes in
# production), so that a test can watch the sweep recover it.
_WORKER_WITH_SENDING_TIMEOUT = """
import datetime, os, sys
import django
django.setup()
import conference.core.services
conference.core.services.SENDING_TIMEOUT = datetime.timedelta(seconds=float(os.environ["T"]))
from celery.__main__ import main
sys.argv = ["celery", *sys.argv[1:]]
sys.exit(main())
"""


class Worker(WorkerProcess):
    """`celery worker` (solo pool) on the test database, the given Redis and SMTP sink."""

    ready_timeout = 60

    def __init__(self, redis_url, sink, *, sending_timeout=None, program=None, extra_env=None):
        """`program` and `extra_env`: another wrapper than the sending-timeout one, and its env."""
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "REDIS_URL": redis_url,
            "EMAIL_HOST": sink.host,
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_TIMEOUT": "10",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "conference.settings",
        }
        command = program
        if sending_timeout is not None:
            command = command or [sys.executable, "-c", _WORKER_WITH_SENDING_TIMEOUT]
            env["T"] = str(sending_timeout)
        env.update(extra_env or {})
        super().__init__(env, program=command)

    def kill(self):
        """SIGKILL, as the kernel's OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        stop_process(self.process)  # SIGTERM to the group: a warm shutdown
        os.unlink(self.logpath)


class SlowSmtpSink(SmtpSink):
    """
    The SMTP sink, slow to accept: it takes `delay` seconds to answer the
    end of DATA. A message counts as delivered only once that answer is
    given (RFC 5321, 6.1); a client that goes away before it delivered
    nothing (aiosmtpd then cancels this handler). `receiving` is set while
    a message waits for its answer.
    """

    def __init__(self, host, port, delay):
        super().__init__(host, port)
        self.delay = delay
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.receiving.clear()
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def running_slow_smtp_sink(delay, host="127.0.0.1"):
    from aiosmtpd.controller import Controller

    sink = SlowSmtpSink(host, free_port(), delay)
    controller = Controller(sink, hostname=host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
