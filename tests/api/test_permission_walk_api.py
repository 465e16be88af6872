"""
The permission walk's second axis: every operation of the API, called with
a token of each scope alone, a token of another conference (holding every
scope), a revoked and an expired token (every scope), and no token, answers
with the status its row in OPERATIONS expects.

The operations are read from the API itself (its OpenAPI paths, cross-checked
with its URL patterns), so a new endpoint fails
`test_every_operation_has_an_expectation` until it gets a row here.

HOW TO ADD A ROW: key it by "METHOD /api/v1/path/{param}/" as the schema
names it; give the scopes any one of which lets a token in (None: any token
of the conference), the status a token with one of them gets, and, if the
path has parameters besides `slug` or the operation reads a body, `kwargs`
and `body` built from the world `w` (see World below). Every request runs
in a savepoint that is rolled back, so a write in one row cannot change what
another row sees.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from accounts.models import Invitation
from conference.api.api import api
from conference.api.models import ApiToken, WebhookMessage
from conference.api.scopes import Scope
from conference.api.tokens import token_revoke
from conference.api.webhooks import services as webhook_services
from tests.api.client import ApiClient, token_with
from tests.factories import (
    ConferenceFactory,
    InvitationFactory,
    MeetingFactory,
    MeetingSeatFactory,
    RegistrationFactory,
    RoomFactory,
    SessionFactory,
    TableFactory,
    TrackFactory,
)
from tests.helpers import make_slots, publish

pytestmark = pytest.mark.django_db

ROOT = "/api/v1/"
ALL_SCOPES = tuple(Scope)
# The callers besides one token per scope.
OTHER_CONFERENCE, NO_TOKEN, REVOKED, EXPIRED = "other-conference", "none", "revoked", "expired"


@dataclass
class Op:
    # Any one of these lets a token of the conference in; None: any token; "public": anyone.
    scopes: Any
    ok: int = 200
    kwargs: Any = None
    body: Any = None


def hook(**kwargs):
    return Op(Scope.WEBHOOKS_MANAGE, kwargs=lambda w: {"endpoint_id": w.endpoint.pk}, **kwargs)


OPERATIONS = {
    # --- Meta: public ------------------------------------------------------------------------
    "GET /api/v1/": Op("public"),
    # --- The conference: any token of it ------------------------------------------------------
    "GET /api/v1/events/{slug}/": Op(None),
    # --- Agenda -------------------------------------------------------------------------------
    "GET /api/v1/events/{slug}/rooms/": Op(Scope.AGENDA_READ),
    "GET /api/v1/events/{slug}/tracks/": Op(Scope.AGENDA_READ),
    "GET /api/v1/events/{slug}/sessions/": Op(Scope.AGENDA_READ),
    "GET /api/v1/events/{slug}/releases/": Op(Scope.AGENDA_READ),
    # --- Organisations and registrations ------------------------------------------------------
    "GET /api/v1/events/{slug}/organisations/": Op(Scope.REGISTRATIONS_READ),
    "GET /api/v1/events/{slug}/registrations/": Op(
        (Scope.REGISTRATIONS_READ, Scope.REGISTRATIONS_ID_DATA)
    ),
    # --- Invitations --------------------------------------------------------------------------
    "GET /api/v1/events/{slug}/invitations/": Op(Scope.INVITATIONS_WRITE),
    "POST /api/v1/events/{slug}/invitations/": Op(
        Scope.INVITATIONS_WRITE, ok=201, body=lambda w: {"email": "walk@example.org"}
    ),
    "POST /api/v1/events/{slug}/invitations/bulk/": Op(
        Scope.INVITATIONS_WRITE,
        body=lambda w: {"invitations": [{"email": "walk1@example.org"}]},
    ),
    "POST /api/v1/events/{slug}/invitations/{invitation_id}/resend/": Op(
        Scope.INVITATIONS_WRITE, kwargs=lambda w: {"invitation_id": w.invitation.pk}
    ),
    "POST /api/v1/events/{slug}/invitations/{invitation_id}/revoke/": Op(
        Scope.INVITATIONS_WRITE, kwargs=lambda w: {"invitation_id": w.invitation.pk}
    ),
    # --- B2B meetings -------------------------------------------------------------------------
    "GET /api/v1/events/{slug}/meeting-slots/": Op(Scope.MEETINGS_READ),
    "GET /api/v1/events/{slug}/meeting-tables/": Op(Scope.MEETINGS_READ),
    "GET /api/v1/events/{slug}/meetings/": Op(Scope.MEETINGS_READ),
    # --- Check-in -----------------------------------------------------------------------------
    "GET /api/v1/events/{slug}/checkins/": Op(Scope.CHECKIN_WRITE),
    "POST /api/v1/events/{slug}/checkins/": Op(
        Scope.CHECKIN_WRITE, ok=201, body=lambda w: {"badge_code": w.registration.badge_code}
    ),
    # --- Webhooks (conference/api/endpoints/webhooks.py) --------------------------------------
    "GET /api/v1/events/{slug}/webhooks/": Op(Scope.WEBHOOKS_MANAGE),
    "POST /api/v1/events/{slug}/webhooks/": Op(
        Scope.WEBHOOKS_MANAGE,
        ok=201,
        body=lambda w: {"url": "http://127.0.0.1:9/walk", "event_types": ["checkin.created"]},
    ),
    "GET /api/v1/events/{slug}/webhooks/{endpoint_id}/": hook(),
    "PATCH /api/v1/events/{slug}/webhooks/{endpoint_id}/": hook(
        body=lambda w: {"description": "Walked"}
    ),
    "DELETE /api/v1/events/{slug}/webhooks/{endpoint_id}/": hook(ok=204),
    "GET /api/v1/events/{slug}/webhooks/{endpoint_id}/messages/": hook(),
    "POST /api/v1/events/{slug}/webhooks/{endpoint_id}/messages/{message_id}/redeliver/": Op(
        Scope.WEBHOOKS_MANAGE,
        ok=202,
        kwargs=lambda w: {"endpoint_id": w.endpoint.pk, "message_id": w.message.pk},
    ),
    "POST /api/v1/events/{slug}/webhooks/{endpoint_id}/ping/": hook(ok=202),
}

# Served by ninja beside the operations, to anyone: the schema and its docs page.
PUBLIC_PAGES = ("/api/v1/openapi.json", "/api/v1/docs")


def schema_operations():
    """Every operation of the API: {"METHOD /path": operation}, from its OpenAPI paths."""
    schema = api.get_openapi_schema(path_prefix=ROOT)
    return {
        f"{method.upper()} {path}": operation
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def url_routes(patterns=None, prefix=""):
    """The routes of the API's URL patterns, with {name} for each parameter."""
    for entry in patterns if patterns is not None else api.urls[0]:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield entry.name, ROOT + _braced(route)


def _braced(route):
    """ "events/<slug>/x/<int:y>/" as "events/{slug}/x/{y}/"."""
    out, rest = "", route
    while "<" in rest:
        before, _sep, after = rest.partition("<")
        name, _sep, rest = after.partition(">")
        out += before + "{" + name.rsplit(":", 1)[-1] + "}"
    return out + rest


class World:
    """The objects the operations point at, and a caller of each kind."""

    def __init__(self, conference, settings):
        settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
        settings.API_RATE_LIMIT_PER_MINUTE = 0
        self.conference = conference
        RoomFactory(conference=conference)
        TrackFactory(conference=conference)
        SessionFactory(conference=conference)
        publish(conference)
        self.registration = RegistrationFactory(conference=conference, approved=True)
        self.invitation = InvitationFactory(
            conference=conference, email="invited@example.org", status=Invitation.Status.SENT
        )
        [slot] = make_slots(conference, 1)
        meeting = MeetingFactory(
            conference=conference, slot=slot, table=TableFactory(conference=conference)
        )
        MeetingSeatFactory(meeting=meeting, registration=self.registration, slot=slot)
        organiser = token_with(conference, Scope.WEBHOOKS_MANAGE)[0].created_by
        self.endpoint, _secret = webhook_services.endpoint_create(
            conference=conference,
            actor=organiser,
            url="http://127.0.0.1:9/hook",
            event_types=["checkin.created"],
        )
        self.message = WebhookMessage.objects.create(
            endpoint=self.endpoint,
            event_type="checkin.created",
            resource=f"registration:{self.registration.pk}",
            payload={},
            status=WebhookMessage.Status.FAILED,
        )
        self.callers = {scope.value: self._client(scope.value, scope) for scope in Scope}
        # Every scope, of a conference of its own, asking for this one's URLs.
        other = ApiClient.for_scopes(ConferenceFactory(), *ALL_SCOPES)
        other.conference = conference
        self.callers[OTHER_CONFERENCE] = other
        self.callers[NO_TOKEN] = ApiClient(conference, None)
        revoked = self._client(REVOKED, *ALL_SCOPES)
        token_revoke(token=revoked.token, actor=None)
        self.callers[REVOKED] = revoked
        expired = self._client(EXPIRED, *ALL_SCOPES)
        ApiToken.objects.filter(pk=expired.token.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        self.callers[EXPIRED] = expired

    def _client(self, name, *scopes):
        return ApiClient.for_scopes(self.conference, *scopes, name=f"walk {name}")


@pytest.fixture
def world(conference, settings):
    return World(conference, settings)


def expected(op, caller):
    if op.scopes == "public":
        return op.ok
    if caller in (NO_TOKEN, REVOKED, EXPIRED):
        return 401
    if caller == OTHER_CONFERENCE:
        return 403
    if op.scopes is None:
        return op.ok
    allowed = op.scopes if isinstance(op.scopes, tuple) else (op.scopes,)
    return op.ok if caller in allowed else 403


def call(client, key, op, world, **override):
    method, path = key.split(" ", 1)
    kwargs = {"slug": world.conference.slug, **(op.kwargs(world) if op.kwargs else {})}
    kwargs.update(override)
    url = path.format(**kwargs)
    body = op.body(world) if op.body else None
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif method == "POST":
            response = client.post(url, body)
        else:
            response = client.send(method, url, body)
        transaction.set_rollback(True)
    return response


def test_every_operation_has_an_expectation():
    operations = set(schema_operations())
    missing = sorted(operations - set(OPERATIONS))
    gone = sorted(set(OPERATIONS) - operations)
    assert not missing, "Operations with no row in OPERATIONS:\n  " + "\n  ".join(missing)
    assert not gone, "Rows for operations that no longer exist:\n  " + "\n  ".join(gone)


def test_every_url_of_the_api_is_an_operation_or_a_public_page():
    """An endpoint left out of the schema (include_in_schema=False) is still walked."""
    paths = {key.split(" ", 1)[1] for key in schema_operations()} | set(PUBLIC_PAGES)
    routes = {route for name, route in url_routes() if name != "api-root"}
    assert routes <= paths, sorted(routes - paths)


def test_every_operation_answers_every_caller_as_expected(world, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    failures, calls = [], 0
    for key in sorted(schema_operations()):
        op = OPERATIONS.get(key)
        if op is None:
            continue  # reported by the test above
        for caller, client in world.callers.items():
            response = call(client, key, op, world)
            calls += 1
            want = expected(op, caller)
            if response.status_code != want:
                failures.append(
                    f"{key} as {caller}: expected {want}, got {response.status_code} "
                    f"{response.content[:200]!r}"
                )
            elif want >= 400:
                # Refusals are problem documents.
                assert response["Content-Type"] == "application/problem+json", key
    assert calls >= len(OPERATIONS) * 11
    assert not failures, f"{len(failures)} unexpected answers:\n" + "\n".join(failures)


def test_the_schema_and_the_docs_page_are_public(world):
    for path in PUBLIC_PAGES:
        for caller, client in world.callers.items():
            response = client.get(path)
            assert response.status_code == 200, (path, caller)


def test_an_id_beyond_the_database_range_is_a_404_not_a_server_error(world, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    huge = 2**64
    checked = []
    for key, op in OPERATIONS.items():
        names = [n for n in ("invitation_id", "endpoint_id", "message_id") if "{" + n + "}" in key]
        if not names:
            continue
        allowed = op.scopes if isinstance(op.scopes, tuple) else (op.scopes,)
        client = world.callers[allowed[0].value]
        response = call(client, key, op, world, **dict.fromkeys(names, huge))
        checked.append(key)
        assert response.status_code in (404, 422), (key, response.status_code)
    assert len(checked) >= 8


# Values no honest client sends (NUL is refused before any view: RefuseNulMiddleware).
TROUBLEMAKERS = [
    "",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "'; select 1; --",
    "<script>alert(1)</script>",
    "\u202e\ufeff",
    "x" * 5000,
    "2026-13-45T99:99:99+99:99",
    "WzEsMiwzXQ",  # base64 of [1,2,3]: a cursor of the wrong size
    "eyJhIjoxfQ",  # base64 of {"a":1}
]


def test_troublemakers_in_any_parameter_are_refused_not_a_server_error(world, caplog):
    """Every query parameter of every list, and every id in a path, with each troublemaker."""
    caplog.set_level(logging.CRITICAL, logger="django.request")
    schema = api.get_openapi_schema(path_prefix=ROOT)
    client = ApiClient.for_scopes(world.conference, *ALL_SCOPES, name="fuzz")
    failures, sent = [], 0
    for key, op in OPERATIONS.items():
        method, path = key.split(" ", 1)
        if op.scopes == "public":
            continue
        parameters = schema["paths"][path][method.lower()].get("parameters", [])
        queries = [p["name"] for p in parameters if p["in"] == "query"]
        ids = [p["name"] for p in parameters if p["in"] == "path" and p["name"] != "slug"]
        for value in TROUBLEMAKERS:
            attempts = [{"params": {name: value}} for name in queries]
            attempts += [{"override": {name: value}} for name in ids if value]
            for attempt in attempts:
                arguments = {
                    "slug": world.conference.slug,
                    **(op.kwargs(world) if op.kwargs else {}),
                }
                arguments.update(attempt.get("override", {}))
                url = path.format(**arguments)
                with transaction.atomic():
                    if method == "GET":
                        response = client.get(url, attempt.get("params"))
                    else:
                        response = client.send(method, url, op.body(world) if op.body else None)
                    transaction.set_rollback(True)
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{key} {attempt}: {response.status_code}")
    assert sent > 300
    assert not failures, "\n".join(failures)


def with_nul(value, path=()):
    """Each copy of the JSON value `value` with one string (a key or a value) given a NUL."""
    if isinstance(value, str):
        yield path, value + "\x00"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, f"key {key}"), {**value, key + "\x00": item}
            for where, changed in with_nul(item, (*path, key)):
                yield where, {**value, key: changed}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for where, changed in with_nul(item, (*path, index)):
                yield where, [*value[:index], changed, *value[index + 1 :]]


def test_nul_in_any_string_of_any_json_body_is_refused_before_the_operation(world, caplog):
    """
    The API reads JSON, which spells NUL \\u0000: refused before the view (one place:
    RefuseNulMiddleware), as in a path, query or form, never a 500 from PostgreSQL.
    """
    caplog.set_level(logging.CRITICAL, logger="django.request")
    client = ApiClient.for_scopes(world.conference, *ALL_SCOPES, name="nul")
    sent, failures = 0, []
    for key, op in OPERATIONS.items():
        if op.body is None:
            continue
        method, path = key.split(" ", 1)
        url = path.format(slug=world.conference.slug, **(op.kwargs(world) if op.kwargs else {}))
        for where, body in with_nul(op.body(world)):
            with transaction.atomic():
                response = client.send(method, url, body)
                transaction.set_rollback(True)
            sent += 1
            if response.status_code != 400 or b"NUL character" not in response.content:
                failures.append(f"{key} {where}: {response.status_code}")
    assert sent >= 10
    assert not failures, "\n".join(failures)


def test_a_scanned_badge_code_with_nul_is_refused_and_checks_no_one_in(world):
    door = ApiClient.for_scopes(world.conference, Scope.CHECKIN_WRITE, name="Door")

    response = door.post("checkins/", {"badge_code": f"{world.registration.badge_code}\x00"})

    assert response.status_code == 400
    world.registration.refresh_from_db()
    assert world.registration.checked_in_at is None


@pytest.mark.parametrize(
    "text", ["\\u0000", "C:\\\\u0000", "\\\\\\\\u0000"], ids=["one", "path", "four"]
)
def test_an_escaped_backslash_before_u0000_is_text_not_nul(world, text):
    """JSON \\\\u0000 is a backslash and 'u0000': no NUL, so the operation runs."""
    hooks = ApiClient.for_scopes(world.conference, Scope.WEBHOOKS_MANAGE, name="hooks")

    response = hooks.send("PATCH", f"webhooks/{world.endpoint.pk}/", {"description": text})

    assert response.status_code == 200
    world.endpoint.refresh_from_db()
    assert world.endpoint.description == text
