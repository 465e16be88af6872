"""
The production-like server every HTTP benchmark starts: its environment
(DEBUG off, whitenoise static files, persistent connections, its own cache
prefix) and how it is stopped.
"""

import os
import signal
import subprocess
import uuid


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
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static_root,
        "DB_CONN_MAX_AGE": conn_max_age,
        "LOG_LEVEL": "WARNING",
        "SITE_ROOT": f"http://127.0.0.1:{port}",
    }


def server_stop(server):
    """Stop a server started in its own process group: TERM, then KILL after 30 s."""
    if server is None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
