"""The organisers' dashboard: the widgets every provider registered (conference.core.dashboard)."""

from django.shortcuts import render

from conference.core.dashboard import dashboard_widgets
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.core.private_cache import private_page


@private_page
@conference_view(Role.ORGANISER)
def dashboard(request, access):
    conference = access.conference
    context = {
        "conference": conference,
        "widgets": dashboard_widgets.widgets(conference=conference),
    }
    return render(request, "conference/dashboard.html", context)
