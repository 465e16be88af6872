import hmac
import ipaddress

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingRequest
from conference.core import selectors, services
from conference.core.forms import OutboxFilterForm
from conference.core.models import OutgoingEmail, Role
from conference.core.permissions import ANYONE, conference_view
from sessions_app.selectors import release_latest


def index(request):
    conferences = list(selectors.conference_list_upcoming())
    if len(conferences) == 1:
        return redirect(conferences[0])
    return render(request, "conference/index.html", {"conferences": conferences})


@conference_view(ANYONE)
def home(request, access):
    conference = access.conference
    release = release_latest(conference=conference)
    sessions = release.snapshot if release else []
    context = {
        "conference": conference,
        "session_count": len([s for s in sessions if not s.get("cancelled")]),
        "tracks": sorted({s["track"] for s in sessions if s.get("track")}),
        "days": (conference.end_date - conference.start_date).days + 1,
    }
    return render(request, "conference/home.html", context)


@conference_view(Role.ORGANISER)
def dashboard(request, access):
    conference = access.conference
    registrations = selectors.count_by(Registration.objects.filter(conference=conference), "status")
    requests = selectors.count_by(MeetingRequest.objects.filter(conference=conference), "status")
    context = {
        "conference": conference,
        "registrations": registrations,
        "registration_total": sum(registrations.values()),
        "requests": requests,
        "meetings": Meeting.objects.filter(
            conference=conference, status=Meeting.Status.ACTIVE
        ).count(),
        "outbox": selectors.outbox_status_counts(conference=conference),
        # Check-ins would flood this list on the morning of the event.
        "audit": selectors.audit_latest(conference=conference, exclude_prefixes=["checkin."]),
        # Who read the gate list (ID data), for the organisers to see.
        "downloads": selectors.audit_latest(
            conference=conference, actions=["gatelist.download"], limit=5
        ),
    }
    return render(request, "conference/dashboard.html", context)


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
    checks, healthy = selectors.health_status()
    body = {"status": "ok" if healthy else "unhealthy"}
    if _healthz_details_allowed(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)


@conference_view(Role.ORGANISER)
def outbox(request, access):
    """The staff outbox: every email of the conference, its status, search."""
    conference = access.conference
    filters = OutboxFilterForm(request.GET or None)
    status = query = ""
    if filters.is_valid():
        status, query = filters.cleaned_data["status"], filters.cleaned_data["q"]
    page = Paginator(
        selectors.outbox_list(conference=conference, status=status, query=query), 50
    ).get_page(request.GET.get("page"))
    counts = selectors.outbox_status_counts(conference=conference)
    context = {
        "conference": conference,
        "filters": filters,
        "page": page,
        "status_counts": [
            (value, label, counts[value]) for value, label in OutgoingEmail.Status.choices
        ],
    }
    return render(request, "conference/outbox.html", context)


@conference_view(Role.ORGANISER)
def outbox_email(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    return render(
        request, "conference/outbox_email.html", {"conference": access.conference, "email": email}
    )


# The HTML body is the email as sent: it carries inline styles, so it is served
# on its own, framed by the message page only, with scripts, forms and remote
# content refused (its own policy instead of the site's).
@xframe_options_sameorigin
@csp(
    {
        "default-src": [NONE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["data:"],
        "frame-ancestors": [SELF],
        "sandbox": [""],
    }
)
@conference_view(Role.ORGANISER)
def outbox_email_body(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    body = email.body_html or ""
    if not body:
        body = "<pre>" + escape(email.body_text) + "</pre>"
    return HttpResponse(body, content_type="text/html; charset=utf-8")


@require_POST
@conference_view(Role.ORGANISER)
def outbox_resend(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    if email.status != email.Status.FAILED:
        messages.info(request, _("Only a failed email can be sent again."))
    else:
        services.outbox_resend(email=email, actor=request.user)
        messages.success(request, _("The email is queued again."))
    return redirect("conference:outbox_email", access.conference.slug, email.pk)
