"""
What load balancers, orchestrators and monitoring read:

- `/livez`: the process is up and answers (no dependency is checked, no query
  is made), so a database outage never gets every web process restarted;
- `/readyz`: whether the portal can serve now (database, Redis, beat's
  heartbeat), so a load balancer sends traffic elsewhere until it can.
  `/healthz` is the same check under its older name;
- `/metrics`: Prometheus's text format (conference/core/metrics.py).

The state of each dependency and the metrics tell an outsider what runs
behind the portal, so only the local network and holders of a token read them.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from conference.core import selectors as core_selectors
from conference.core.metrics import metrics_render

# Callers that may read the details without a token: loopback and the private
# networks (the load balancer, the container network, the monitoring host).
LOCAL_NETWORKS = [
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


def _local_or_token(request, expected_token):
    """The local network, or `Authorization: Bearer <expected_token>` (when one is set)."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    given = token.strip().encode() if scheme.lower() == "bearer" else b""
    expected = expected_token.encode()
    if expected and hmac.compare_digest(given, expected):
        return True
    address = _client_address(request)
    return address is not None and any(address in net for net in LOCAL_NETWORKS)


@never_cache
@require_GET
def livez(request):
    """200 as long as the process answers: no dependency is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """
    Whether the portal can serve, as the HTTP status (200 or 503) and
    `{"status": ...}`; the local network and holders of HEALTHZ_TOKEN also
    read each dependency's state (database, Redis, beat's heartbeat age).
    Served at /readyz and, under its older name, /healthz.
    """
    checks, healthy = core_selectors.health_status()
    body = {"status": "ok" if healthy else "unhealthy"}
    if _local_or_token(request, settings.HEALTHZ_TOKEN):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def metrics(request):
    """Prometheus's scrape, for the local network and `Authorization: Bearer <METRICS_TOKEN>`."""
    if not _local_or_token(request, settings.METRICS_TOKEN):
        return HttpResponseForbidden(b"", content_type="text/plain")
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
