"""
Signed-in pages kept for the session that asked for them, while nothing has
been written anywhere.

The busiest pages of a signed-in person (the B2B directory, "my schedule",
the organisers' dashboard and registration list) cost 10 to 20 ms of CPU
each to render, and people reload them far more often than anything they
show changes. A view marked `@private_page` has its response kept, and the
same session asking for the same address again gets it back before the view
runs (no permission lookup, no queries, no rendering) as long as:

- the data version has not moved since the copy was rendered. Every
  statement that writes (INSERT, UPDATE, DELETE, DDL, raw SQL: anything that
  is not a read) on any Django connection, in the web processes, the Celery
  workers and management commands alike, gives the version a new value
  (`install()` wraps each connection's execution) once it is committed. A
  copy is tagged with the version read before the view read any data, so a
  page rendered while a transaction was open is never taken for newer than
  it is. (So it needs commits: tests inside TestCase's never-committed
  transaction keep it off.) The only tables that do not
  count are the sessions' and the beat heartbeat's: no kept page shows them.
  Whatever changes the page (someone's profile, a request, a role, the
  viewer's time zone or password, a registration status, a published
  agenda) is a write, so the permission check the view would make and the
  content it would show are both as fresh as a rendering;
- the copy is younger than PAGE_SECONDS: a page that says "now" or "in 5
  minutes", or data written behind Django's back (psql), is at most that old.

The key holds the code version, the session key, the signed-in user and their
session hash, the CSRF cookie (the page's forms carry a token of that
secret), the language and the full address. Nothing else in the request
changes these pages. Not kept: anything but a 200 HTML response of a GET,
an htmx request, a response that sets cookies, and a rendering that showed
messages; a request with a message waiting is not answered from a copy.

Settings: PRIVATE_PAGE_CACHE (on when Redis is the cache, and only with it:
copies in one process's memory would not see another's writes; the test
suite turns serving off except in the tests of this module, since tests move
the clock and write in transactions that never commit). Writes move the
version in every process with Redis, whatever this setting says.
"""

import hashlib
import re
import uuid
import zlib

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import transaction

from conference.core.release import code_version
from conference.core.shared_cache import kept_headers, replayed

VERSION_KEY = "private-data-version"
PAGE_SECONDS = 60
# Tables whose writes no kept page shows: a session saved on every login
# and message, the beat's heartbeat every minute.
IGNORED_TABLES = frozenset({"django_session", "conference_heartbeat"})
_READ = re.compile(
    r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|SET|SHOW|EXPLAIN|BEGIN|COMMIT|DECLARE|FETCH|CLOSE)\b",
    re.IGNORECASE,
)
_TABLE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def private_page(view):
    """Marks `view` (the outermost decorator) as a page kept per session (see above)."""
    view.private_page = True
    return view


# The data version -----------------------------------------------------------------


def is_write(sql):
    """Whether `sql` may change what a page shows: anything but a read, the ignored tables."""
    if _READ.match(sql):
        return False
    table = _TABLE.match(sql)
    return table is None or table.group(1) not in IGNORED_TABLES


def data_version():
    """The current version; made afresh when Redis has none (restarted, evicted)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def new_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _after_write(connection):
    if not connection.in_atomic_block:
        new_version()  # autocommit: it is committed already
    elif not any(func is new_version for _sids, func, _robust in connection.run_on_commit):
        # Once per transaction, when it commits. A page rendered meanwhile was
        # tagged with the version read before it read the data, which this moves.
        transaction.on_commit(new_version, using=connection.alias)


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    # Every process that shares the cache moves the version, whether or not it
    # serves kept pages itself: a worker set up otherwise cannot leave them stale.
    if settings.REDIS_URL and is_write(sql):
        _after_write(context["connection"])
    return result


def install(sender=None, connection=None, **kwargs):
    """connection_created receiver: every write on `connection` moves the version."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


# The copies ----------------------------------------------------------------------


def _key(request):
    session = request.session
    parts = (
        session.session_key,
        str(session.get(SESSION_KEY)),
        session.get(HASH_SESSION_KEY, ""),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.LANGUAGE_CODE,
        request.get_full_path(),
    )
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"private:{code_version()}:{digest}"


def _messages_waiting(request):
    return bool(request.COOKIES.get(CookieStorage.cookie_name)) or (
        SessionStorage.session_key in request.session
    )


def _showed_messages(request):
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    return bool(getattr(storage, "_queued_messages", None)) or bool(
        storage.used and getattr(storage, "_loaded_data", None)
    )


def _csrf_secret_kept(request):
    """False when the page's tokens are of a secret made in this request (not yet the cookie's)."""
    return request.META.get("CSRF_COOKIE") in (
        None,
        request.COOKIES.get(settings.CSRF_COOKIE_NAME),
    )


class PrivatePageMiddleware:
    """Answers a session from its copy of a `@private_page` view, and keeps copies. Innermost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        marked = getattr(request, "_private_page", None)
        if (
            marked is not None
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith("text/html")
            and not _showed_messages(request)
            and _csrf_secret_kept(request)
        ):
            key, version = marked
            copy = {
                "version": version,
                "headers": kept_headers(response),
                "body": zlib.compress(response.content, 1),
            }
            cache.set(key, copy, PAGE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            not getattr(view_func, "private_page", False)
            or not settings.PRIVATE_PAGE_CACHE
            or request.method != "GET"
            or "HTTP_HX_REQUEST" in request.META
            or not request.session.get(SESSION_KEY)
            or _messages_waiting(request)
        ):
            return None
        key = _key(request)
        found = cache.get_many([key, VERSION_KEY])
        version = found.get(VERSION_KEY)
        copy = found.get(key)
        if copy is not None and version is not None and copy["version"] == version:
            return replayed(copy["headers"], zlib.decompress(copy["body"]))
        request._private_page = (key, version or data_version())
        return None
