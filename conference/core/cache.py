"""
The Redis cache, made to degrade instead of fail.

The cache holds nothing that must survive (rate-limit counters, short locks),
but allauth consults it on every log-in and sign-up. With Django's plain
RedisCache a Redis outage turns those pages into errors; with this backend
they work, unthrottled, until Redis is back. After a failure Redis is left
alone for a few seconds, so a request does not wait for one connection
timeout per cache call.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# Seconds to skip Redis after a connection failure.
BACKOFF_SECONDS = 5.0


class ForgivingRedisCache(RedisCache):
    # Until when to leave this server alone (per instance: Django keeps one
    # per thread, and each names one server).
    _down_until = 0.0

    def _guard(self, method, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            logger.warning("Cache unavailable, carrying on without it: %s", exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", [], data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True: callers use add() as a lock and would spin on False forever.
        return self._guard("add", True, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)
