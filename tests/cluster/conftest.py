"""
The cluster of `make cluster` (cluster/run.py), started once per module on
the test database, a redis-server of its own and an SMTP sink, on free ports
of its 127.0.0.x addresses, in a temporary folder; stopped whatever happens.
"""

import os
import shutil
import tempfile

import pytest

from cluster.run import Cluster, ClusterError
from tests.helpers import database_url_of_tests
from tests.helpers.smtp import running_smtp_sink
from tests.reliability.processes import OwnRedis


@pytest.fixture(scope="module")
def smtp():
    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def own_redis():
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(django_db_setup, own_redis, smtp):
    base = tempfile.mkdtemp(prefix="portal-cluster-")
    os.chmod(base, 0o755)  # pgbouncer runs as `postgres` and reads its folder inside
    nodes = Cluster(
        base,
        database_url_of_tests(),
        own_redis.url,
        free_ports=True,
        web_threads=2,
        worker_concurrency=1,
        extra_env={
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_TIMEOUT": "10",
            # A standby beat tries for the lock every second: takeover within seconds.
            "CELERY_BEAT_LEADER_RETRY_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        },
    )
    try:
        try:
            nodes.start(timeout=150)
        except ClusterError as exc:
            pytest.fail(f"The cluster did not start: {exc}")
        yield nodes
    finally:
        nodes.stop()
        shutil.rmtree(base, ignore_errors=True)
