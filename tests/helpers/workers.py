"""The one command line the suite starts Celery workers with, and a worker process."""

import os
import signal
import subprocess
import sys
import tempfile
import uuid

import pytest
from django.conf import settings

from tests.helpers.processes import wait_for


def celery_worker_argv(*, hostname=None, program=None):
    """
    A Celery worker on every queue with the solo pool, as docker-compose.yml
    starts it (without beat). `program` replaces `python -m celery`, e.g. a
    `python -c` wrapper that patches a setting before Celery starts.
    """
    return [
        *(program or [sys.executable, "-m", "celery"]),
        "-A",
        "conference",
        "worker",
        "--queues=mail,default,long",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *([f"--hostname={hostname}"] if hostname else []),
        "--loglevel=INFO",
    ]


class WorkerProcess:
    """
    `celery worker` on every queue, its output in a log file; `stop()` removes
    the log. `program` as in celery_worker_argv.
    """

    ready_timeout = 30

    def __init__(self, env, *, program=None):
        self.name = f"pytest-{uuid.uuid4().hex[:8]}@%h"
        fd, self.logpath = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            self.process = self._start(env, log, program)

    def _start(self, env, log, program):
        return subprocess.Popen(
            celery_worker_argv(hostname=self.name, program=program),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self):
        with open(self.logpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_until_ready(self):
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, "the worker to start", log=self.log, timeout=self.ready_timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        os.unlink(self.logpath)
