"""
Project-wide request and response policies that no single view should have to
remember: refusing input the database cannot store, and headers that keep
personal pages out of shared caches.
"""

import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, UnreadablePostError
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

NUL = "\x00"
# In a JSON body NUL is spelt \u0000: a backslash that is not itself escaped
# (an even run of backslashes before it), then u0000. A raw NUL byte is no
# valid JSON, but is refused too rather than left to the parser.
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")


class RefuseNulMiddleware:
    """
    Answers 400 to a request that carries a NUL character anywhere a view
    could read it: the path, the query string, a header or cookie, a form
    field's name or value (uploads included).

    PostgreSQL can neither store NUL in text nor compare text with it, so a
    NUL that reached a query (a calendar token, an invitation token, a badge
    code) was a 500 from wherever the view happened to use it. No honest
    client sends one, so it is refused here, once, for every view. Bytes that
    are not UTF-8 need no check: Django percent-escapes them in the path and
    replaces them (U+FFFD) in the query string and form data.

    It comes before SessionMiddleware: before the session, the user or any
    view touches the database. Of a body it reads only what Django parses
    anyway, and the CSRF check would read next: the form data of a POST (of
    an upload, the fields and names; the file itself goes to the upload
    handlers as usual), and a JSON body (the API's), whatever the method,
    which the API reads whole anyway. Other bodies are not read at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in text for text in self._texts(request)):
            return self._refusal(request)
        return self.get_response(request)

    def _texts(self, request):
        yield request.path
        for key, value in request.META.items():
            if key.startswith("HTTP_"):
                yield value
        # A quoted cookie may spell NUL as the escape \000, which Django decodes.
        yield from request.COOKIES.values()
        yield from self._pairs(request.GET)
        if request.method == "POST":
            try:
                yield from self._pairs(request.POST)
                # Only the field names: Django drops unprintable characters from file names.
                yield from request.FILES
            except UnreadablePostError:
                pass  # the client went away: the view gets the same error
        if self._is_json(request):
            try:
                if JSON_NUL.search(request.body):
                    yield NUL
            except (UnreadablePostError, RequestDataTooBig):
                pass  # the view gets the same error when it reads the body

    @staticmethod
    def _is_json(request):
        content_type = request.content_type or ""
        return content_type == "application/json" or content_type.endswith("+json")

    @staticmethod
    def _pairs(query):
        for key, values in query.lists():
            yield key
            yield from values

    @staticmethod
    def _refusal(request):
        # LocaleMiddleware has not run yet: speak the language it would choose.
        with translation.override(translation.get_language_from_request(request)):
            message = _(
                "This request contains a NUL character, which no address or form field "
                "may contain. Check the link or what was typed, and try again."
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class PrivatePagesMiddleware:
    """
    Keeps what one person sees out of every cache but their own browser's
    short-lived memory: a response without a Cache-Control of its own gets
    `private, no-store` when the request came with a session (a signed-in
    person, or one half-way through logging in or signing up) or the response
    starts or ends one.

    Without a session cookie a page is the same for every visitor (a
    conference's home page, the agenda) and stays as cacheable as it was. A
    view that sets Cache-Control has chosen (exports: `never_cache`; the
    public agenda feeds: public and revalidated; a delegate's calendar feed,
    which calendar apps fetch without a session: private), so it is left
    alone. A page opened by a secret in its address (the invitation link)
    sets its own.

    It comes before SessionMiddleware, so it sees the session cookie that
    middleware sets on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        cookie = settings.SESSION_COOKIE_NAME
        if cookie in request.COOKIES or cookie in response.cookies:
            patch_cache_control(response, private=True, no_store=True)
        return response


def permissions_policy_header(features):
    """`{"camera": ["self"], "usb": []}` as `camera=(self), usb=()` (an RFC 8941 dictionary)."""

    def allowlist(origins):
        return " ".join(origin if origin == "self" else f'"{origin}"' for origin in origins)

    return ", ".join(f"{name}=({allowlist(origins)})" for name, origins in features.items())


class PermissionsPolicyMiddleware:
    """
    Sends settings.PERMISSIONS_POLICY (the browser features no page of the
    portal uses, turned off) on every response that has no policy of its own.
    A page that needs a feature says so with `permissions_policy`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", permissions_policy_header(settings.PERMISSIONS_POLICY)
        )
        return response


def permissions_policy(features):
    """
    View decorator: the project's Permissions-Policy with `features` changed,
    e.g. `permissions_policy({"camera": ["self"]})` for the check-in desk's
    badge scanner.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            policy = {**settings.PERMISSIONS_POLICY, **features}
            response.headers["Permissions-Policy"] = permissions_policy_header(policy)
            return response

        return wrapper

    return decorator
