"""
The staff pages of the API: tokens (organisers, security officers, check-in
staff, each for the scopes their role may grant) and webhook endpoints with
their delivery log (organisers).

A secret (a token's, an endpoint's) is shown once, in the answer to the POST
that made it: it is kept nowhere (not in the session, not in a message) and
that answer is never cached.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from conference.api import tokens as api_tokens
from conference.api.forms import EndpointForm, MessageFilterForm, TokenForm
from conference.api.models import ApiToken, WebhookMessage
from conference.api.scopes import grantable
from conference.api.webhooks import selectors, services
from conference.core.models import Role
from conference.core.permissions import conference_view

# Staff who may hold tokens: each grants (and sees) only the scopes of their roles.
TOKEN_ROLES = (Role.ORGANISER, Role.SECURITY, Role.CHECKIN)
# Messages shown in an endpoint's delivery log, newest first.
LOG_SIZE = 100


# Tokens ----------------------------------------------------------------------------------------


def _token_status(token, now):
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _tokens_for(access):
    """
    The conference's tokens that `access` could have created: every scope
    within what their roles grant. A check-in desk never sees (nor revokes)
    an organiser's token; an organiser does not see the security officer's.
    One query.
    """
    allowed = set(grantable(access.roles))
    tokens = ApiToken.objects.filter(conference=access.conference).select_related("created_by")
    return [token for token in tokens if set(token.scopes) <= allowed]


def _token_for(access, token_id):
    token = get_object_or_404(
        ApiToken.objects.select_related("conference"), conference=access.conference, pk=token_id
    )
    if not set(token.scopes) <= set(grantable(access.roles)):
        raise Http404
    return token


@never_cache
@require_http_methods(["GET", "POST"])
@conference_view(*TOKEN_ROLES)
def tokens(request, access):
    """The tokens list and the form for a new one; its secret is shown in the answer."""
    conference = access.conference
    data = request.POST if request.method == "POST" else None
    form = TokenForm(data, conference=conference, roles=access.roles)
    created = secret = None
    if form.is_valid():
        try:
            created, secret = api_tokens.token_create(
                conference=conference,
                actor=request.user,
                roles=access.roles,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm(conference=conference, roles=access.roles)
    now = timezone.now()
    context = {
        "conference": conference,
        "form": form,
        "tokens": [(token, _token_status(token, now)) for token in _tokens_for(access)],
        "created": created,
        "secret": secret,
        # The conference itself: any scope may read it, so the example works for every token.
        "example_url": request.build_absolute_uri(
            reverse("api:api-root") + f"events/{conference.slug}/"
        ),
    }
    return render(request, "api/tokens.html", context)


@require_http_methods(["GET", "POST"])
@conference_view(*TOKEN_ROLES)
def token_revoke(request, access, token_id):
    """Asks first (GET), then revokes (POST)."""
    token = _token_for(access, token_id)
    if request.method == "POST":
        api_tokens.token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api_manage:tokens", access.conference.slug)
    return render(
        request,
        "api/confirm.html",
        {
            "conference": access.conference,
            "tab": "tokens",
            "title": _("Revoke the token “%(name)s”?") % {"name": token.name},
            "explanation": _(
                "Every request made with it is refused from now on. This cannot be undone: "
                "the system that uses it needs a new token."
            ),
            "button": _("Revoke the token"),
            "cancel_url": reverse("api_manage:tokens", args=[access.conference.slug]),
        },
    )


# Webhook endpoints -----------------------------------------------------------------------------


def _endpoint_values(form):
    data = form.cleaned_data
    return {
        "url": data["url"],
        "event_types": data["event_types"],
        "description": data["description"],
    }


@never_cache
@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def webhooks(request, access):
    """The endpoints and the form for a new one; its secret is shown in the answer."""
    conference = access.conference
    form = EndpointForm(request.POST if request.method == "POST" else None)
    created = secret = None
    if form.is_valid():
        try:
            created, secret = services.endpoint_create(
                conference=conference, actor=request.user, **_endpoint_values(form)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = EndpointForm()
    context = {
        "conference": conference,
        "form": form,
        "endpoints": selectors.endpoint_list(conference=conference),
        "created": created,
        "secret": secret,
    }
    return render(request, "api/webhooks.html", context)


def _webhook_page(request, access, endpoint, *, form=None, secret=None):
    """An endpoint: its settings, its actions and its delivery log (filtered by status)."""
    filters = MessageFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    if form is None:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": endpoint.event_types,
            }
        )
    context = {
        "conference": access.conference,
        "endpoint": endpoint,
        "form": form,
        "secret": secret,
        "status": status,
        "statuses": WebhookMessage.Status.choices,
        "log": selectors.message_list(endpoint=endpoint, status=status, limit=LOG_SIZE),
        "log_size": LOG_SIZE,
    }
    return render(request, "api/webhook.html", context)


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def webhook(request, access, endpoint_id):
    """An endpoint's page; a POST saves its settings."""
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    form = None
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(
                    endpoint=endpoint, actor=request.user, **_endpoint_values(form)
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The endpoint is saved."))
                return redirect("api_manage:webhook", access.conference.slug, endpoint.pk)
    return _webhook_page(request, access, endpoint, form=form)


@require_POST
@conference_view(Role.ORGANISER)
def webhook_enable(request, access, endpoint_id):
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    services.endpoint_enable(endpoint=endpoint, actor=request.user)
    messages.success(request, _("The endpoint is enabled: waiting messages are sent again."))
    return redirect("api_manage:webhook", access.conference.slug, endpoint.pk)


@require_POST
@conference_view(Role.ORGANISER)
def webhook_disable(request, access, endpoint_id):
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    reason = request.POST.get("reason", "").strip()[:200]
    services.endpoint_disable(endpoint=endpoint, actor=request.user, reason=reason)
    messages.success(
        request, _("The endpoint is disabled: new events wait until it is enabled again.")
    )
    return redirect("api_manage:webhook", access.conference.slug, endpoint.pk)


@require_POST
@conference_view(Role.ORGANISER)
def webhook_ping(request, access, endpoint_id):
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    try:
        services.endpoint_ping(endpoint=endpoint, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A test ping is queued: it appears in the delivery log."))
    return redirect("api_manage:webhook", access.conference.slug, endpoint.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def webhook_rotate(request, access, endpoint_id):
    """Asks first (GET), then replaces the secret and shows the new one once (POST)."""
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    if request.method == "POST":
        secret = services.endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        return _webhook_page(request, access, endpoint, secret=secret)
    return render(
        request,
        "api/confirm.html",
        {
            "conference": access.conference,
            "tab": "webhooks",
            "title": _("Give %(url)s a new secret?") % {"url": endpoint.url},
            "explanation": _(
                "Messages are signed with the new secret from now on, and the receiver "
                "rejects them until it has the new secret too. The new secret is shown once."
            ),
            "button": _("Rotate the secret"),
            "cancel_url": reverse("api_manage:webhook", args=[access.conference.slug, endpoint.pk]),
        },
    )


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def webhook_delete(request, access, endpoint_id):
    """Asks first (GET), then deletes the endpoint and its delivery log (POST)."""
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
        return redirect("api_manage:webhooks", access.conference.slug)
    return render(
        request,
        "api/confirm.html",
        {
            "conference": access.conference,
            "tab": "webhooks",
            "title": _("Delete the endpoint %(url)s?") % {"url": endpoint.url},
            "explanation": _(
                "Its delivery log goes with it, and messages not yet delivered are never "
                "sent. To stop deliveries for a while, disable it instead."
            ),
            "button": _("Delete the endpoint"),
            "cancel_url": reverse("api_manage:webhook", args=[access.conference.slug, endpoint.pk]),
        },
    )


@conference_view(Role.ORGANISER)
def webhook_message(request, access, endpoint_id, message_id):
    """One message: its payload and every attempt to deliver it."""
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    message = selectors.message_get(endpoint=endpoint, message_id=message_id)
    context = {
        "conference": access.conference,
        "endpoint": endpoint,
        "message": message,
        "attempts": message.attempts_list,
        "payload": json.dumps(message.payload, indent=2, ensure_ascii=False),
    }
    return render(request, "api/webhook_message.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def webhook_redeliver(request, access, endpoint_id, message_id):
    endpoint = selectors.endpoint_get(conference=access.conference, endpoint_id=endpoint_id)
    message = selectors.message_get(endpoint=endpoint, message_id=message_id)
    try:
        services.message_redeliver(message=message, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The %(event)s message is queued to be sent again.") % {"event": message.event_type},
        )
    if request.POST.get("next") == "message":
        return redirect(
            "api_manage:webhook_message", access.conference.slug, endpoint.pk, message.pk
        )
    return redirect("api_manage:webhook", access.conference.slug, endpoint.pk)
