"""
Webhook endpoints of a conference, and their delivery log (scope
`webhooks:manage`). The signing secret is in the creation's answer only.
Writes are the token creator's, audited under the token's name.
"""

from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from conference.api.auth import event_for
from conference.api.endpoints.common import answers, token_actor, token_write
from conference.api.errors import invalid, not_found
from conference.api.models import WebhookMessage
from conference.api.scopes import Scope
from conference.api.webhooks import selectors, services

router = Router(tags=["webhooks"])
SCOPE = Scope.WEBHOOKS_MANAGE


class EndpointIn(Schema):
    url: str
    event_types: list[str]
    description: str = ""


class EndpointPatch(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime
    # In lists only.
    undelivered_count: int | None = None
    failed_count: int | None = None

    @staticmethod
    def resolve_enabled(obj):
        return obj.is_enabled

    @staticmethod
    def resolve_undelivered_count(obj):
        return getattr(obj, "undelivered_count", None)

    @staticmethod
    def resolve_failed_count(obj):
        return getattr(obj, "failed_count", None)


class EndpointCreatedOut(EndpointOut):
    # Shown once: sign-verify with it (Standard Webhooks); it cannot be read again.
    secret: str


class EndpointPage(Schema):
    results: list[EndpointOut]
    next: str | None


class AttemptOut(Schema):
    started_at: datetime
    duration_ms: int
    response_code: int | None
    error: str
    succeeded: bool
    manual: bool


class MessageOut(Schema):
    id: int
    message_id: str
    event_type: str
    resource: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_response_code: int | None
    payload: dict
    latest_attempt: AttemptOut | None = None

    @staticmethod
    def resolve_latest_attempt(obj):
        return getattr(obj, "latest_attempt", None)


class MessagePage(Schema):
    results: list[MessageOut]
    next: str | None


class MessagesQuery(Schema):
    status: str = ""
    limit: int = 100


@contextmanager
def _write(request):
    """token_write, with the services' refusals (ValidationError) as 422 problems."""
    with token_write(request, refusal=invalid):
        try:
            yield
        except ValidationError as exc:
            raise invalid(" ".join(exc.messages)) from exc


def _endpoint(request, slug, endpoint_id):
    conference = event_for(request, slug, SCOPE)
    try:
        return selectors.endpoint_get(conference=conference, endpoint_id=endpoint_id)
    except Http404 as exc:
        raise not_found(_("No such webhook endpoint.")) from exc


@router.get(
    "/events/{slug}/webhooks/",
    response=answers(EndpointPage),
    summary="Webhook endpoints",
    operation_id="webhook_list",
)
def webhook_list(request, slug: str):
    """The conference's endpoints, with their undelivered and failed message counts."""
    conference = event_for(request, slug, SCOPE)
    return {"results": selectors.endpoint_list(conference=conference), "next": None}


@router.post(
    "/events/{slug}/webhooks/",
    response=answers(EndpointCreatedOut, status=201),
    summary="Register a webhook endpoint",
    operation_id="webhook_create",
)
def webhook_create(request, slug: str, body: EndpointIn):
    """
    Register a URL for some of the events (registration.created, …). The URL
    must resolve to public addresses. The answer holds the signing secret,
    which is never shown again.
    """
    conference = event_for(request, slug, SCOPE)
    with _write(request):
        endpoint, secret = services.endpoint_create(
            conference=conference,
            actor=token_actor(request),
            url=body.url,
            event_types=body.event_types,
            description=body.description,
        )
    endpoint.secret = secret
    return Status(201, endpoint)


@router.get(
    "/events/{slug}/webhooks/{endpoint_id}/",
    response=answers(EndpointOut, 404),
    summary="A webhook endpoint",
    operation_id="webhook_get",
)
def webhook_get(request, slug: str, endpoint_id: int):
    return _endpoint(request, slug, endpoint_id)


@router.patch(
    "/events/{slug}/webhooks/{endpoint_id}/",
    response=answers(EndpointOut, 404),
    summary="Change a webhook endpoint",
    operation_id="webhook_update",
)
def webhook_update(request, slug: str, endpoint_id: int, body: EndpointPatch):
    """
    Change the URL, events or description; `enabled` switches delivery on
    (failure count reset, kept messages sent) or off (messages kept).
    """
    endpoint = _endpoint(request, slug, endpoint_id)
    actor = token_actor(request)
    with _write(request):
        if {"url", "event_types", "description"} & body.model_fields_set:
            services.endpoint_update(
                endpoint=endpoint,
                actor=actor,
                url=endpoint.url if body.url is None else body.url,
                event_types=endpoint.event_types if body.event_types is None else body.event_types,
                description=endpoint.description if body.description is None else body.description,
            )
        if body.enabled is True:
            services.endpoint_enable(endpoint=endpoint, actor=actor)
        elif body.enabled is False:
            services.endpoint_disable(
                endpoint=endpoint, actor=actor, reason=_("Disabled through the API.")
            )
    return endpoint


@router.delete(
    "/events/{slug}/webhooks/{endpoint_id}/",
    response=answers(None, 404, status=204),
    summary="Delete a webhook endpoint",
    operation_id="webhook_delete",
)
def webhook_delete(request, slug: str, endpoint_id: int):
    """Delete the endpoint with its messages and delivery log."""
    endpoint = _endpoint(request, slug, endpoint_id)
    with _write(request):
        services.endpoint_delete(endpoint=endpoint, actor=token_actor(request))
    return Status(204, None)


@router.get(
    "/events/{slug}/webhooks/{endpoint_id}/messages/",
    response=answers(MessagePage, 404),
    summary="A webhook endpoint's delivery log",
    operation_id="webhook_messages",
)
def webhook_messages(request, slug: str, endpoint_id: int, query: Query[MessagesQuery]):
    """The latest messages, newest first (at most `limit`, up to 500), with their latest attempt."""
    endpoint = _endpoint(request, slug, endpoint_id)
    if query.status and query.status not in WebhookMessage.Status.values:
        raise invalid(
            _("status must be one of: %(values)s.")
            % {"values": ", ".join(WebhookMessage.Status.values)}
        )
    if not 1 <= query.limit <= 500:
        raise invalid(_("limit must be between 1 and %(max)s.") % {"max": 500})
    rows = selectors.message_list(endpoint=endpoint, status=query.status, limit=query.limit)
    return {"results": rows, "next": None}


@router.post(
    "/events/{slug}/webhooks/{endpoint_id}/messages/{message_id}/redeliver/",
    response=answers(MessageOut, 404, status=202),
    summary="Deliver a webhook message again",
    operation_id="webhook_redeliver",
)
def webhook_redeliver(request, slug: str, endpoint_id: int, message_id: int):
    """Send the message again now (after older undelivered messages of its resource)."""
    endpoint = _endpoint(request, slug, endpoint_id)
    try:
        message = selectors.message_get(endpoint=endpoint, message_id=message_id)
    except Http404 as exc:
        raise not_found(_("No such webhook message.")) from exc
    with _write(request):
        message = services.message_redeliver(message=message, actor=token_actor(request))
    return Status(202, message)


@router.post(
    "/events/{slug}/webhooks/{endpoint_id}/ping/",
    response=answers(MessageOut, 404, status=202),
    summary="Send a test event",
    operation_id="webhook_ping",
)
def webhook_ping(request, slug: str, endpoint_id: int):
    """Send a `ping` event to this endpoint only, to test the receiver."""
    endpoint = _endpoint(request, slug, endpoint_id)
    with _write(request):
        message = services.endpoint_ping(endpoint=endpoint, actor=token_actor(request))
    return Status(202, message)
