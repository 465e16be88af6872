"""
The embedded broker of `make run` (kombu's filesystem transport, no Redis).

Its exchange table is created without a lock against a second creator, so
`make run` declares the queues from one process before the web server, the
worker and beat start together (conference.celery.broker_declare).
"""

import json
import os

from tests.helpers import run_python


def test_broker_declare_writes_the_binding_table_of_every_queue(tmp_path):
    env = {**os.environ, "REDIS_URL": "", "VAR_DIR": str(tmp_path)}
    result = run_python("from conference.celery import broker_declare; broker_declare()", env)

    assert result.returncode == 0, result.stderr
    table = json.loads((tmp_path / "broker" / "control" / "default.exchange").read_text())
    # kombu's rows: (routing key, pattern, queue).
    assert sorted(queue for _key, _pattern, queue in table) == ["default", "long", "mail"]


def test_a_second_declare_leaves_the_table_whole(tmp_path):
    env = {**os.environ, "REDIS_URL": "", "VAR_DIR": str(tmp_path)}
    for _ in range(2):
        result = run_python("from conference.celery import broker_declare; broker_declare()", env)
        assert result.returncode == 0, result.stderr

    table = json.loads((tmp_path / "broker" / "control" / "default.exchange").read_text())
    assert len(table) == 3
