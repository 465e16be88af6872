"""
Fixtures of the fault tests: a Redis of the test's own as broker and cache.
"""

import pytest

from conference.celery import app as celery_app
from tests.reliability.processes import OwnRedis


def _reset_broker_connections():
    """Make this process's Celery app connect anew, to the broker now configured."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings):
    """The test's Redis, as broker and cache of this process and of the worker."""
    server = OwnRedis()
    server.start()
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    _reset_broker_connections()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url,
            "KEY_PREFIX": "reliability",
        }
    }
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.broker_url = previous
        _reset_broker_connections()
