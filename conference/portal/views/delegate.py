"""A delegate's own downloads: their badge, and their own B2B meetings (no one else's)."""

from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from conference.core.permissions import DELEGATE, conference_view
from conference.portal import badges
from conference.portal.views.downloads import file_download, meetings_download


@never_cache
@require_GET
@conference_view(DELEGATE)
def my_meetings_export(request, access, fmt):
    """The delegate's own meeting schedule (no id: no one else's, not even colleagues')."""
    organisation = access.registration.organisation
    if organisation is None:
        raise Http404
    return meetings_download(request, access, organisation, fmt, access.registration)


@never_cache
@require_GET
@conference_view(DELEGATE)
def my_badge(request, access):
    """The delegate's own badge / e-ticket, one A6 page."""
    registration = access.registration
    registration.user = request.user
    file, _count = badges.badges_pdf(
        conference=access.conference, registrations=[registration], sheet="a6"
    )
    return file_download(file, conference=access.conference, what="badge", extension="pdf")
