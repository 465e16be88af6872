"""
Creating, revoking and recognising API tokens.

A token is `cp_` followed by 43 URL-safe characters (256 random bits). Only
its SHA-256 digest is stored; `token_create` returns the secret once.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from conference.api import scopes as scope_rules
from conference.api.models import ApiToken
from conference.core.models import ConferenceRole, Role
from conference.core.services import audit_message, audit_record

PREFIX = "cp_"
# last_used_at is written at most this often per token (seconds): a busy
# client must not turn every read into a write.
LAST_USED_RESOLUTION = 60
# How long a token's lookup is reused before it is read again (seconds): the
# longest a change made around the signals (a bulk UPDATE) takes to count.
TOKEN_CACHE_SECONDS = 30


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, conference, actor, roles, name, scopes, expires_at=None):
    """
    A new token of `conference` named `name` with `scopes`, each of which the
    creator's `roles` must allow. Returns (token, secret); the secret is not
    stored and cannot be shown again. Audited.
    """
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name, e.g. the system that will use it."))
    limit = ApiToken._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError(
            _("Keep the name to %(limit)s characters or fewer.") % {"limit": limit}
        )
    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        raise ValidationError(_("Choose at least one scope."))
    unknown = [s for s in scopes if s not in scope_rules.Scope.values]
    if unknown:
        raise ValidationError(_("Unknown scope: %(scope)s.") % {"scope": ", ".join(unknown)})
    refused = [s for s in scopes if s not in scope_rules.grantable(roles)]
    if refused:
        raise ValidationError(
            _("Your role cannot grant: %(scopes)s.") % {"scopes": ", ".join(refused)}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."))
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            conference=conference,
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            digest=_digest(secret),
            scopes=scopes,
            created_by=actor,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="api.token_create",
            obj=token,
            summary=audit_message(
                gettext_noop("API token “%(name)s” created (%(scopes)s)"),
                name=name,
                scopes=", ".join(scopes),
            ),
        )
    return token, secret


def token_revoke(*, token, actor):
    """Make `token` unusable from its next request on (idempotent). Audited."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_record(
                actor=actor,
                conference=token.conference,
                action="api.token_revoke",
                obj=token,
                summary=audit_message(
                    gettext_noop("API token “%(name)s” revoked"), name=token.name
                ),
            )
    token.refresh_from_db(fields=["revoked_at"])
    # At once, and after the commit (a request in between may cache it again).
    token_cache_forget([token])
    transaction.on_commit(lambda: token_cache_forget([token]))
    return token


@dataclass(frozen=True)
class TokenAccess:
    """A recognised token: its conference and the scopes it may use now."""

    token: ApiToken
    scopes: frozenset

    @property
    def conference(self):
        return self.token.conference


def _role_held(role):
    return Exists(
        ConferenceRole.objects.filter(
            conference=OuterRef("conference"), user=OuterRef("created_by"), role=role
        )
    )


@functools.cache
def _usable_tokens():
    """
    Tokens of active creators, with their conference and creator, and which
    of the creator's roles still stand. Built once per process: resolving
    the three subqueries cost more than running the query, on every request
    of the API. Each lookup filters a clone; this queryset is never run.
    """
    return (
        ApiToken.objects.select_related("conference", "created_by")
        .annotate(**{f"holds_{role}": _role_held(role) for role in Role.values})
        .filter(created_by__is_active=True)
    )


def _cache_key(digest):
    return f"api:token:{digest}"


def token_cache_forget(tokens):
    """
    Drop `tokens` (ApiToken rows or querysets) from the lookup cache, so a
    revocation or a change of their creator's roles counts from the next
    request in every process.
    """
    cache.delete_many([_cache_key(token.digest) for token in tokens])


def _lookup(digest):
    token = _usable_tokens().filter(digest=digest).first()
    if token is None:
        return None
    roles = frozenset(role for role in Role.values if getattr(token, f"holds_{role}"))
    return token, roles


def token_authenticate(secret):
    """
    The TokenAccess of `secret`, or None when it is unknown, revoked, expired
    or its creator is no longer active. One query (the token, its
    conference, its creator, whom its writes are audited as, and which of
    the creator's roles still stand), whose answer is kept in the cache
    (Redis) for TOKEN_CACHE_SECONDS: revoking a token, changing its
    creator's roles or deactivating the creator forget it at once (signals
    in conference/api/apps.py); the expiry is checked on every request.
    Unknown secrets are not cached.
    """
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    digest = _digest(secret)
    found = cache.get(_cache_key(digest))
    if found is None:
        found = _lookup(digest)
        if found is None:
            return None
        cache.set(_cache_key(digest), found, TOKEN_CACHE_SECONDS)
    token, roles = found
    now = timezone.now()
    if not token.is_usable(now):
        return None
    # add() succeeds once per resolution window and token, in whichever process.
    if cache.add(f"api:token-used:{token.pk}", 1, LAST_USED_RESOLUTION):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return TokenAccess(token=token, scopes=scope_rules.effective(token.scopes, roles))
