from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
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
from conference import selectors, services
from conference.forms import OutboxFilterForm
from conference.models import OutgoingEmail, Role
from conference.permissions import ANYONE, conference_view
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


@never_cache
@require_GET
def healthz(request):
    checks, healthy = selectors.health_status()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks},
        status=200 if healthy else 503,
    )


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
