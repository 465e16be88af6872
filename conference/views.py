from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingRequest
from conference import selectors
from conference.models import Role
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
        "audit": selectors.audit_latest(conference=conference),
    }
    return render(request, "conference/dashboard.html", context)


@never_cache
@require_GET
def healthz(request):
    checks, healthy = selectors.health_status()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks},
        status=200 if healthy else 503,
    )
