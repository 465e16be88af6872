"""
The public agenda for the event day: a room × time grid, one day at a time,
and "now and next" per room on the conference's clock.
"""

import datetime

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from conference.core import timezones
from conference.core.permissions import ANYONE, conference_view
from sessions_app import selectors
from sessions_app.views.public import viewer_tz

NOW_REFRESH_SECONDS = 60


def _day_asked(request):
    try:
        return datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return None


@require_GET
@conference_view(ANYONE)
def agenda_grid(request, access):
    conference = access.conference
    release = selectors.release_head(conference=conference)
    tz = viewer_tz(request, conference)
    days, grid = selectors.public_grid(
        conference=conference, release=release, tz=tz, day=_day_asked(request)
    )
    with timezone.override(tz):
        context = {
            "conference": conference,
            "release": release,
            "days": days,
            "grid": grid,
            "tz": tz,
            "tz_label": timezones.time_zone_label(tz, conference=conference),
            "tz_is_conference": tz.key == conference.time_zone,
        }
        return render(request, "sessions_app/agenda_grid.html", context)


@require_GET
@conference_view(ANYONE)
def agenda_now(request, access):
    """The whole page, or (asked by htmx every minute) only its changing part."""
    conference = access.conference
    release = selectors.release_head(conference=conference)
    context = {
        "conference": conference,
        "release": release,
        "board": selectors.now_and_next(conference=conference, release=release, now=timezone.now()),
        "tz_label": timezones.time_zone_label(conference.tz, conference=conference),
        "refresh_seconds": NOW_REFRESH_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "sessions_app/_agenda_now_board.html", context)
    return render(request, "sessions_app/agenda_now.html", context)
