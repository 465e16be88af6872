"""Pages anyone may open: the conference list, a conference's home page, the favicon."""

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
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
