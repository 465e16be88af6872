"""
The suite's environment defaults, loaded as a plugin (`-p tests.environment`
in pyproject.toml's addopts) before pytest-django reads the settings, so
`make test`, a plain `pytest` and every xdist worker get the same values and
the settings module is read once.

- DATABASE_URL: PostgreSQL on localhost (pytest-django makes a `test_`
  database of it, one per xdist worker: `test_<name>_gw0`, ...).
- REDIS_URL: Redis on localhost, database 15 (broker and cache).
- MEDIA_ROOT: a fresh temporary directory per run (uploaded photos and
  logos), so tests never write into the checkout's media/.
- CACHE_KEY_PREFIX: fresh for each run, so one run's rate-limit counters and
  cached pages never count in the next; each xdist worker adds its id, so
  parallel workers never share a counter or a cached page either.

Only environment variables: nothing here imports Django.
"""

import os
import re
import tempfile
import uuid

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}

for _name, _value in DEFAULTS.items():
    os.environ.setdefault(_name, _value)

# Workers inherit the controller's environment (the media directory too).
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="portal-test-media-"))

# Workers inherit the controller's environment, prefix included.
_prefix = os.environ.setdefault("CACHE_KEY_PREFIX", f"portal-test-{uuid.uuid4().hex[:8]}")
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and not _prefix.endswith(f"-{_worker}"):
    os.environ["CACHE_KEY_PREFIX"] = f"{_prefix}-{_worker}"


def _without_password(url):
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)


def pytest_report_header(config):
    return [
        f"DATABASE_URL: {_without_password(os.environ['DATABASE_URL'])}",
        f"REDIS_URL: {_without_password(os.environ['REDIS_URL'])}",
        f"CACHE_KEY_PREFIX: {os.environ['CACHE_KEY_PREFIX']}",
    ]
