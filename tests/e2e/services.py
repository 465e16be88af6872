"""
The processes a browser test talks to: gunicorn serving the app as production
does (DEBUG off, whitenoise, collected static files) and a Celery worker, both
on the pytest test database, the test's Redis and an SMTP sink.

Production defaults stay as they are; the only concessions to plain HTTP on
127.0.0.1 are environment variables production would not set
(`SECURE_SSL_REDIRECT=0`, `WEBHOOK_ALLOWED_NETWORKS`). Chromium treats http://127.0.0.1 as a secure
context, so the `Secure` session and CSRF cookies still work.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings

from tests.helpers import database_url_of_tests
from tests.helpers.workers import celery_worker_argv

HOST = "127.0.0.1"
# Shared by the test process, gunicorn and the worker: allauth encrypts TOTP
# secrets and Django signs tokens with it.
SECRET_KEY = "e2e-only-" + "k" * 60
READY_SECONDS = 60


class ServiceError(RuntimeError):
    pass


def service_env(*, static_root, site_root, smtp):
    """The environment of a production-like process on the test's services."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": HOST,
        "SITE_ROOT": site_root,
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "5",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # Webhooks may reach the test's own receiver on loopback (refused in production).
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def collectstatic(static_root):
    """Collect static files as the Dockerfile does (manifest, compressed)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "STATIC_ROOT": str(static_root),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode:
        raise ServiceError(f"collectstatic failed:\n{result.stdout}\n{result.stderr}")


class Process:
    """A subprocess in its own session with its output in a log file."""

    def __init__(self, name, argv, env):
        self.name = name
        fd, self.logpath = tempfile.mkstemp(prefix=f"e2e-{name}-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self):
        return Path(self.logpath).read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition, what, timeout=READY_SECONDS):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            if condition():
                return
            time.sleep(0.2)
        raise ServiceError(f"Timed out waiting for {what}:\n{self.log()}")

    def terminate(self):
        """Asks for a graceful shutdown without waiting for it (see `stop`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self):
        self.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # The whole group: gunicorn's and Celery's children too.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        Path(self.logpath).unlink(missing_ok=True)


class Server:
    """gunicorn serving conference.wsgi at `url`."""

    def __init__(self, *, port, env):
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.env = env
        self.process = Process(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "conference.wsgi:application",
                f"--bind={HOST}:{port}",
                "--workers=2",
                "--threads=4",
                "--timeout=60",
                "--graceful-timeout=5",
                "--access-logfile=-",
            ],
            env,
        )

    def _healthy(self):
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status in (200, 503)
        except urllib.error.HTTPError as exc:
            return exc.code == 503  # up, with beat missing: fine here
        except OSError:
            return False

    def wait_until_ready(self):
        self.process.wait_for(self._healthy, f"gunicorn on {self.url}")

    def log(self):
        return self.process.log()

    def terminate(self):
        self.process.terminate()

    def stop(self):
        self.process.stop()


class Worker:
    """A Celery worker on every queue, as docker-compose.yml starts it (without beat)."""

    def __init__(self, *, env):
        self.name = f"e2e-{uuid.uuid4().hex[:8]}@%h"
        self.process = Process(
            "celery",
            celery_worker_argv(hostname=self.name),
            {**env, "LOG_LEVEL": "INFO"},
        )

    def wait_until_ready(self):
        self.process.wait_for(lambda: " ready." in self.log(), "the Celery worker")

    def log(self):
        return self.process.log()

    def terminate(self):
        self.process.terminate()

    def stop(self):
        self.process.stop()
