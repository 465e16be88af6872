"""
The installable web app: its manifest and its service worker, both served from
the site's root so that the worker's scope is the whole site.

The worker (templates/pwa/sw.js) keeps an allow-list of pages for the event
day when the venue's network fails: the public agenda and its sessions, and a
signed-in delegate's own schedule, badge, requests and meetings. It answers
those pages from the network first and from its cache only when the network
does not answer; everything else (staff pages, the admin, the API, downloads,
every POST) passes through it untouched.

Personal pages are sent `private, no-store` (PrivatePagesMiddleware): that
keeps them out of shared and HTTP caches. The worker's Cache API is a
different thing, chosen on purpose: it keeps the allow-listed personal pages
on the delegate's own device so that they open offline, files them under the
person they belong to (the X-Portal-User header, PortalUserMiddleware) and
drops them at logout or as soon as the site answers for someone else.
"""

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The brand colours of static/css/portal.css (--portal-navy, --portal-teal).
THEME_COLOUR = "#0b2545"
BACKGROUND_COLOUR = "#0b2545"

ICONS = (
    # (static path, size, purpose)
    ("img/icons/icon-192.png", 192, "any"),
    ("img/icons/icon-512.png", 512, "any"),
    ("img/icons/icon-maskable-512.png", 512, "maskable"),
)

# The pages the worker may keep, as regular expressions over the path. Every
# other page passes through it untouched. Personal or not is decided by the
# response (X-Portal-User), not by the pattern: the agenda a delegate sees
# carries their sign-ups, so it is filed as theirs.
EVENT = r"^/events/[-a-zA-Z0-9_]+/"
OFFLINE_PAGES = (
    EVENT + r"$",  # the conference's home page
    EVENT + r"agenda/$",
    EVENT + r"agenda/sessions/\d+/$",
    EVENT + r"me/$",  # my schedule
    EVENT + r"me/badge/$",
    EVENT + r"b2b/requests/$",
    EVENT + r"b2b/meetings/\d+/$",
)
# Public pages the worker also keeps as an anonymous visitor sees them, so
# that they still open offline after a logout.
PUBLIC_PAGES = OFFLINE_PAGES[:3]

# Loaded by every page: kept when the worker installs, so a page from the cache
# has its styles and scripts even if it was never opened online under the worker.
PRECACHE = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/portal.css",
    "css/agenda.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "js/portal.js",
    "js/pwa.js",
    "img/favicon.svg",
    *(path for path, _size, _purpose in ICONS),
)


@require_GET
def manifest(request):
    """The web app manifest: names, colours, icons, and the whole site as its scope."""
    data = {
        "id": "/",
        "name": settings.SITE_NAME,
        "short_name": _("Conference"),
        "description": _("The agenda, your schedule, meetings and badge, also offline."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": static(path),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for path, size, purpose in ICONS
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    patch_cache_control(response, public=True, no_cache=True)
    return response


def worker_config():
    """What the worker needs to know of the site, written into it as JSON."""
    return {
        "staticUrl": settings.STATIC_URL,
        "logoutPath": reverse("account_logout"),
        "offlinePages": list(OFFLINE_PAGES),
        "publicPages": list(PUBLIC_PAGES),
        # Hashed names (collectstatic's manifest) never change content: cache first.
        "precache": [static(path) for path in PRECACHE],
    }


@require_GET
def service_worker(request):
    """
    The service worker, from the root so that its scope is the whole site.
    The same for everyone, revalidated on every check (public, no-cache), so a
    new version reaches phones at their next visit. Its bytes change whenever
    its code or the hashed names of the static files it keeps change, which is
    what makes browsers install the new version.
    """
    config = json.dumps(worker_config(), sort_keys=True)
    body = render_to_string("pwa/sw.js", {"config": config})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    patch_cache_control(response, public=True, no_cache=True)
    return response
