"""
The dashboard's own widgets (conference.core.dashboard): registrations, B2B
requests and meetings, the outbox, recent activity and gate-list downloads.
Registered when the portal app is ready; an app may register its own.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from conference.core import selectors as core_selectors
from conference.core.dashboard import PANEL, WIDE, Widget, dashboard_widgets, stat_widget
from conference.portal import selectors
from conference.portal.checkin import CHECKIN_ACTIONS
from conference.portal.exports import GATELIST_DOWNLOAD


@dashboard_widgets.register
def registration_widgets(*, conference):
    counts = account_selectors.registration_status_counts(conference=conference)
    total = sum(counts.values())
    registrations = reverse("accounts:registrations", args=[conference.slug])
    return [
        stat_widget(
            total, _("registrations"), name="registration_total", priority=10, url=registrations
        ),
        stat_widget(
            counts.get("approved", 0),
            _("approved delegates"),
            name="approved_delegates",
            priority=20,
            url=f"{registrations}?status=approved",
        ),
        Widget("conference/dashboard/_registrations.html", {"registrations": counts}, PANEL, 10),
    ]


@dashboard_widgets.register
def b2b_widgets(*, conference):
    requests = selectors.meeting_request_status_counts(conference=conference)
    return [
        stat_widget(
            requests.get("pending", 0),
            _("pending B2B requests"),
            name="pending_requests",
            priority=30,
            url=reverse("b2b_meetings:manage_stats", args=[conference.slug]),
        ),
        stat_widget(
            selectors.meetings_booked_count(conference=conference),
            _("B2B meetings booked"),
            name="meetings",
            priority=40,
            url=reverse("b2b_meetings:manage", args=[conference.slug]),
        ),
    ]


@dashboard_widgets.register
def outbox_widgets(*, conference):
    counts = core_selectors.outbox_status_counts(conference=conference)
    return [Widget("conference/dashboard/_outbox.html", {"outbox": counts}, PANEL, 20)]


@dashboard_widgets.register
def activity_widgets(*, conference):
    # Check-ins would flood this list on the morning of the event.
    entries = core_selectors.audit_latest(conference=conference, exclude_prefixes=[CHECKIN_ACTIONS])
    return [Widget("conference/dashboard/_activity.html", {"audit": entries}, PANEL, 30)]


@dashboard_widgets.register
def gatelist_widgets(*, conference):
    # Who read the gate list (ID data), for the organisers to see.
    downloads = core_selectors.audit_latest(
        conference=conference, actions=[GATELIST_DOWNLOAD], limit=5
    )
    return [
        Widget("conference/dashboard/_gatelist_downloads.html", {"downloads": downloads}, WIDE, 10)
    ]
