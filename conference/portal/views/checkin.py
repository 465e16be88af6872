"""
The check-in desk: scan or type a badge code, or find a person by name, and
check them in; arrivals by organisation kind. Check-in staff, and organisers
too, who run the desk when it is short-handed (they see everything it shows
anyway).
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from conference.core.middleware import permissions_policy
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.portal import checkin
from conference.portal.forms import CheckinSearchForm

CHECKIN_ROLES = (Role.CHECKIN, Role.ORGANISER)
# The check-in page scans badges with the device camera (static/js/checkin.js);
# every view that can answer with that whole page lets it.
badge_scanner = permissions_policy({"camera": ["self"]})


def _checkin_context(access, **extra):
    conference = access.conference
    by_kind, totals = checkin.checkin_arrivals(conference=conference)
    return {
        "conference": conference,
        "arrivals": by_kind,
        "totals": totals,
        "latest": checkin.checkin_latest(conference=conference),
        "search_form": CheckinSearchForm(),
        **extra,
    }


def _checkin_response(request, access, result):
    """The outcome card (htmx) or the whole page with it; tells the page to refresh its counts."""
    if request.htmx:
        response = render(
            request,
            "conference/_checkin_result.html",
            {"conference": access.conference, "result": result},
        )
    else:
        response = render(
            request, "conference/checkin.html", _checkin_context(access, result=result)
        )
    response["HX-Trigger"] = "checkin-changed"
    return response


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_page(request, access):
    return render(request, "conference/checkin.html", _checkin_context(access))


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_search(request, access):
    form = CheckinSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = checkin.checkin_search(conference=access.conference, query=query) if query else []
    context = {"conference": access.conference, "query": query, "results": results}
    if request.htmx:
        return render(request, "conference/_checkin_search.html", context)
    page = _checkin_context(access, **context)
    page["search_form"] = form
    return render(request, "conference/checkin.html", page)


@require_POST
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_scan(request, access):
    """Check in by badge code, scanned from the QR code or typed."""
    result = checkin.checkin_record(
        conference=access.conference,
        actor=request.user,
        badge_code=request.POST.get("code", ""),
    )
    return _checkin_response(request, access, result)


@require_POST
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_person(request, access, registration_id):
    """Check in a person found by name."""
    result = checkin.checkin_record(
        conference=access.conference, actor=request.user, registration_id=registration_id
    )
    if result.outcome == checkin.Outcome.UNKNOWN:
        raise Http404
    return _checkin_response(request, access, result)


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
def checkin_arrivals(request, access):
    return render(request, "conference/_checkin_arrivals.html", _checkin_context(access))
