from django.http import Http404
from django.shortcuts import render

from conference.permissions import ANYONE, conference_view
from sessions_app import selectors
from sessions_app.models import Session


@conference_view(ANYONE)
def agenda(request, access):
    conference = access.conference
    release = selectors.release_latest(conference=conference)
    context = {
        "conference": conference,
        "release": release,
        "days": selectors.agenda_days(conference=conference, release=release),
        "kinds": Session.Kind,
    }
    return render(request, "sessions_app/agenda.html", context)


@conference_view(ANYONE)
def session_detail(request, access, session_id):
    conference = access.conference
    release = selectors.release_latest(conference=conference)
    item = selectors.release_session(release=release, session_id=session_id)
    if item is None:
        raise Http404
    context = {
        "conference": conference,
        "session": selectors.session_localise(item, conference.tz),
    }
    return render(request, "sessions_app/session.html", context)
