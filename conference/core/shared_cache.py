"""
Whole responses shared by every anonymous visitor, answered before the rest
of the middleware runs.

A public page (the agenda, its feeds) is the same for every visitor who
asks with the same address and language and carries no session: rendering
it is cached already, but reaching the cached copy through sessions,
authentication, the permission lookup and the release query cost about ten
times what sending it does. A view marks such a response with `share()`;
`SharedPageMiddleware` keeps it in the cache, and answers the next visitor
with no state from there, with the same status, body and headers (ETag,
Vary, Content-Language, CSP) and a fresh request id.

Correctness:
- the key holds the code version, the language the locale middleware would
  choose and the full address (filters, time zone, `?lang=`);
- each copy carries the generation of its conference's data (the agenda's
  release number), and is used only while the conference's generation key
  says the same. A publish sets the new generation when it commits
  (`set_generation`); the key also expires after GENERATION_SECONDS, so a
  write the cache missed (Redis restarted) is outlived within that time;
- a page with a form gets each visitor's own CSRF token and cookie: the copy
  holds a placeholder, filled per response as CsrfViewMiddleware would.
Anything but a GET, or with a session, a message or an Authorization
header, goes the whole way through Django.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language_from_request

from conference.core.release import code_version

# Cookies that do not change what a public page shows (the language is part
# of the key): any other cookie (session, messages) means the visitor has state.
STATELESS_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME})
# Where shared pages live: /events/<slug>/...
PREFIX = "/events/"
# Short: a copy costs one rendering to make again, and every address (any
# query string) gets its own, so this bounds what visitors can make Redis hold.
PAGE_SECONDS = 15 * 60
GENERATION_SECONDS = 60
CSRF_PLACEHOLDER = "shared-page-csrf-placeholder-5f0c2e"
# Set per response, by the middleware outside this one or below.
_LIVE_HEADERS = frozenset({"set-cookie", "x-request-id", "date"})


def is_stateless(request):
    """A visitor with nothing of their own: no session, no message, no credentials."""
    return (
        set(request.COOKIES) <= STATELESS_COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not getattr(getattr(request, "user", None), "is_authenticated", False)
    )


def kept_headers(response):
    """The headers of `response` a copy keeps: not those set afresh for each answer."""
    return [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in _LIVE_HEADERS
    ]


def replayed(headers, body):
    """A 200 response made again from a copy's headers and body."""
    response = HttpResponse(body, status=200)
    for name, value in headers:
        response.headers[name] = value
    response.headers["Content-Length"] = str(len(body))
    return response


def share(response, *, request, slug, generation, template=None):
    """
    Marks `response` as the page every stateless visitor gets at this address
    while `slug`'s generation is `generation`. `template`: the body with
    CSRF_PLACEHOLDER where each visitor's token goes (a page with a form).
    """
    if is_stateless(request) and response.status_code in (200, 304):
        response.shared_page = (slug, generation, template)
    return response


def set_generation(slug, generation):
    """The generation of `slug`'s public data from now on (call when it commits)."""
    cache.set(_generation_key(slug), generation, GENERATION_SECONDS)


def _generation_key(slug):
    return f"shared-gen:{slug}"


def _page_key(request, language):
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"shared:{code_version()}:{language}:{address}"


def _slug(path):
    return path[len(PREFIX) :].partition("/")[0] or None


class SharedPageMiddleware:
    """Answers a stateless visitor from the shared copy, and keeps copies views share()."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        if (
            request.method != "GET"
            or not request.path.startswith(PREFIX)
            or not is_stateless(request)
        ):
            return self.get_response(request)
        slug = _slug(request.path)
        language = get_language_from_request(request)
        key = _page_key(request, language)
        found = cache.get_many([key, _generation_key(slug)]) if slug else {}
        copy = found.get(key)
        if copy is not None and copy["generation"] == found.get(_generation_key(slug)):
            return self._answer(request, copy)
        response = self.get_response(request)
        marked = getattr(response, "shared_page", None)
        if marked is not None and marked[0] == slug and response.status_code == 200:
            self._keep(key, request, response, *marked)
        return response

    def _keep(self, key, request, response, slug, generation, template):
        # add(): a publish that committed meanwhile wins over this older view.
        cache.add(_generation_key(slug), generation, GENERATION_SECONDS)
        headers = kept_headers(response)
        body = template.encode() if template is not None else response.content
        copy = {
            "generation": generation,
            "headers": headers,
            "body": body,
            "csrf": template is not None,
            "view": request.resolver_match.view_name if request.resolver_match else None,
        }
        cache.set(key, copy, PAGE_SECONDS)

    def _answer(self, request, copy):
        # The metrics count it under its view, as when the view answers.
        request.shared_page_view = copy["view"]
        headers = dict(copy["headers"])
        etag = headers.get("ETag")
        if etag is not None:
            modified = headers.get("Last-Modified")
            not_modified = get_conditional_response(
                request,
                etag=etag,
                last_modified=parse_http_date_safe(modified) if modified else None,
            )
            if not_modified is not None:
                for name, value in copy["headers"]:
                    if name.lower() not in ("content-type", "content-length"):
                        not_modified.headers[name] = value
                return not_modified
        body = copy["body"]
        if copy["csrf"]:
            # As the view would: the visitor's secret from their cookie (or a
            # new one), masked afresh, and the cookie (re)set on the way out.
            self.csrf.process_request(request)
            token = get_token(request)
            body = body.replace(CSRF_PLACEHOLDER.encode(), token.encode())
        response = replayed(copy["headers"], body)
        if copy["csrf"]:
            response = self.csrf.process_response(request, response)
        return response
