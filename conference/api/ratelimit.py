"""
Per-token rate limits, counted in the cache (Redis in production, shared by
every web process): a fixed one-minute window per token. Like the login's
limits, they lapse while Redis is down rather than refuse every request.
"""

import time

from django.conf import settings
from django.core.cache import cache

from conference.core.cache import UNAVAILABLE

WINDOW_SECONDS = 60


def rate_limit_check(token_id):
    """Seconds to wait before the next request of `token_id`, or 0 if it may go now."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    if not limit:
        return 0
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"api:rate:{token_id}:{window}"
    try:
        # One round trip for all but a window's first request.
        count = cache.incr(key)
    except ValueError:
        count = 1 if cache.add(key, 1, timeout=2 * WINDOW_SECONDS) else cache.incr(key)
    except UNAVAILABLE:
        return 0
    if count > limit:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return 0
