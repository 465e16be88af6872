"""
Caching of the agenda's pages and feeds.

Cached renderings are keyed by release number (`selectors.agenda_cache_key`),
so they never go stale. A visitor with no state (not logged in, no session,
no message cookie) sees the same agenda page as every other such visitor but
for the CSRF token of the language form: that page is cached whole, with a
placeholder for the token, and answered from conference/core/shared_cache.py
until the next release. Feeds are revalidated by browsers and calendar
apps on every use, cheaply, with an ETag.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from conference.core import shared_cache

# The timeout only bounds how long unused renderings occupy the cache.
AGENDA_CACHE_SECONDS = 24 * 60 * 60


def cached(key, build):
    """
    `build()` once per key. The cache backend carries on without Redis when
    it is down (conference.core.cache), so the agenda then renders every time.
    """
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, AGENDA_CACHE_SECONDS)
    return value


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stateless_page(request, key, render, *, slug, generation):
    """
    The whole page of a stateless visitor, from the cache under `key` and the
    address: `render(csrf_token)` builds it once with a placeholder, which
    each response replaces with the visitor's own token. Shared with the
    next such visitors until `generation` (the release) changes.
    """
    placeholder = shared_cache.CSRF_PLACEHOLDER
    page = cached(f"{key}:page:{digest(request.get_full_path())}", lambda: render(placeholder))
    response = HttpResponse(page.replace(placeholder, get_token(request)))
    return shared_cache.share(
        response, request=request, slug=slug, generation=generation, template=page
    )


def feed_response(body, content_type, *, etag, last_modified=None, private=False):
    response = HttpResponse(body, content_type=content_type)
    feed_headers(response, etag=etag, last_modified=last_modified, private=private)
    return response


def feed_headers(response, *, etag, last_modified=None, private=False):
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    # Revalidate every time: a publish must show up at once, and an ETag
    # makes the check cheap.
    if private:
        patch_cache_control(response, private=True, no_cache=True)
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        patch_cache_control(response, public=True, no_cache=True)
