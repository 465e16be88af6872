"""
Reads of the composition layer's pages that combine apps: the conference's
home page and the counts of the organisers' dashboard. Scoped to one
conference; a fixed number of queries each.
"""

from b2b_meetings.models import Meeting, MeetingRequest
from conference.core.selectors import count_by
from sessions_app.selectors import release_latest, release_snapshot


def conference_overview(*, conference):
    """
    What the home page says about the programme, from the published agenda
    (the latest release's snapshot, never the working copy): the number of
    sessions not cancelled, the tracks' names in order, and the number of days.
    """
    release = release_latest(conference=conference)
    sessions = release_snapshot(release=release)  # texts in the viewer's language
    return {
        "session_count": len([s for s in sessions if not s.get("cancelled")]),
        "tracks": sorted({s["track"] for s in sessions if s.get("track")}),
        "days": (conference.end_date - conference.start_date).days + 1,
    }


def meeting_request_status_counts(*, conference):
    """{status: number} of the conference's B2B meeting requests (statuses with none left out)."""
    return count_by(MeetingRequest.objects.filter(conference=conference), "status")


def meetings_booked_count(*, conference):
    """Active B2B meetings of the conference."""
    return Meeting.objects.filter(conference=conference, status=Meeting.Status.ACTIVE).count()
