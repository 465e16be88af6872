"""
Who is calling: a bearer token, its conference, its scopes, its rate limit.

`event_for` is the one place an endpoint turns (token, slug, scope) into the
conference it may read: a token of another conference, or without the
scope, is refused there, before any query for the data.
"""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from conference.api.errors import Problem, forbidden
from conference.api.ratelimit import rate_limit_check
from conference.api.scopes import Scope
from conference.api.tokens import token_authenticate
from conference.core.content import content_fallback_set


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        access = token_authenticate(token)
        if access is None:
            return None
        wait = rate_limit_check(access.token.pk)
        if wait:
            raise Problem(
                429,
                "rate-limited",
                _("Too many requests"),
                _("This token has used its requests for this minute; try again in %(s)s seconds.")
                % {"s": wait},
                headers={"Retry-After": str(wait)},
            )
        request.token_access = access
        return access


def event_for(request, slug, scope):
    """
    The conference of `slug`, if the request's token belongs to it and holds
    `scope` (a tuple: any one of them; None: any scope will do).
    """
    access = request.auth
    conference = access.conference
    if conference.slug != slug:
        raise forbidden(_("This token belongs to another conference."))
    if scope is not None:
        wanted = scope if isinstance(scope, tuple) else (scope,)
        if access.scopes.isdisjoint(wanted):
            names = ", ".join(Scope(s).value for s in wanted)
            if len(wanted) == 1:
                message = _(
                    "This token lacks the scope %(scope)s "
                    "(or its creator no longer holds the role)."
                )
            else:
                message = _(
                    "This token needs one of the scopes %(scope)s (or its creator no longer "
                    "holds the role)."
                )
            raise forbidden(message % {"scope": names})
    # Texts missing in the request's language fall back to the conference's default.
    content_fallback_set(conference.default_content_language)
    return conference
