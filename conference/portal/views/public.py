"""Pages anyone may open: the conference list, a conference's home page, /healthz, the favicon."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from conference.core import selectors as core_selectors
from conference.core.permissions import ANYONE, conference_view
from conference.portal import selectors


def index(request):
    conferences = list(core_selectors.conference_list_upcoming())
    if len(conferences) == 1:
        return redirect(conferences[0])
    return render(request, "conference/index.html", {"conferences": conferences})


@conference_view(ANYONE)
def home(request, access):
    conference = access.conference
    context = {
        "conference": conference,
        **selectors.conference_overview(conference=conference),
    }
    return render(request, "conference/home.html", context)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says."""
    # Resolved per request: the hashed static name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


# Callers that may read each dependency's state in /healthz without the token:
# loopback and the private networks (the load balancer, the container network).
HEALTHZ_LOCAL_NETWORKS = [
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
    )
]


def _client_address(request):
    """
    The caller's IP address: the socket's peer, or behind TRUSTED_PROXY_COUNT
    proxies the X-Forwarded-For entry written by the outermost of them (the
    entries to its left are whatever the client sent). None if it cannot be
    known, such as a header with fewer entries than there are proxies.
    """
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    if proxies:
        hops = request.headers.get("X-Forwarded-For", "").split(",")
        value = hops[-proxies] if len(hops) >= proxies else ""
    else:
        value = request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _healthz_details_allowed(request):
    """The local network, or `Authorization: Bearer <HEALTHZ_TOKEN>`."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    given = token.strip().encode() if scheme.lower() == "bearer" else b""
    expected = settings.HEALTHZ_TOKEN.encode()
    if expected and hmac.compare_digest(given, expected):
        return True
    address = _client_address(request)
    return address is not None and any(address in net for net in HEALTHZ_LOCAL_NETWORKS)


@never_cache
@require_GET
def healthz(request):
    """
    Whether the portal can serve, as the HTTP status (200 or 503) and
    `{"status": ...}`. The state of each dependency (database, Redis, beat's
    heartbeat age) tells an outsider what runs behind the portal, so only the
    local network and holders of the token read it.
    """
    checks, healthy = core_selectors.health_status()
    body = {"status": "ok" if healthy else "unhealthy"}
    if _healthz_details_allowed(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)
