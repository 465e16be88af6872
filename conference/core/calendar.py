"""
iCalendar output, built with the icalendar package: one way to write an event
for the agenda feed, the personal feed and meeting invitations alike.

Times are written in UTC (always correct in every client) unless a zone is
given: then they carry that TZID and the calendar holds its VTIMEZONE, so
clients show them as the conference's local time. The conference's zone is
named in X-WR-TIMEZONE so calendar apps can label the feed.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText


@dataclass
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    sequence: int = 0
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    last_modified: datetime | None = None
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (email, name)
    organizer: tuple[str, str] | None = None
    categories: list[str] = field(default_factory=list)
    # PUBLISH feeds: TENTATIVE for a place on a waiting list.
    status: str | None = None


def ics_uid(kind, pk):
    """A stable UID for an object: the same every time it is written."""
    host = settings.SITE_ROOT.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{kind}-{pk}@{host or 'conference-portal'}"


def ics_calendar(*, name, time_zone, events, method=None, stamp=None, local_times=False):
    """
    Serialise `events` (CalendarEvent) to iCalendar bytes.

    `stamp` is the DTSTAMP of every event (default: now); a feed that is
    cached or compared by ETag passes a fixed time so the same data gives the
    same bytes. With `local_times`, times are written in `time_zone` with a
    VTIMEZONE instead of in UTC.
    """
    tz = zoneinfo.ZoneInfo(time_zone) if local_times else UTC
    cal = Calendar()
    cal.add("prodid", "-//Conference Portal//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", time_zone)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    first = last = None
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(tz))
        event.add("dtend", item.ends_at.astimezone(tz))
        event.add("sequence", item.sequence)
        event.add("summary", item.summary)
        event.add("status", "CANCELLED" if item.cancelled else (item.status or "CONFIRMED"))
        if item.categories:
            event.add("categories", item.categories)
        first = min(first or item.starts_at, item.starts_at)
        last = max(last or item.ends_at, item.ends_at)
        if item.last_modified:
            event.add("last-modified", item.last_modified.astimezone(UTC))
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        if item.organizer:
            organizer = vCalAddress(f"mailto:{item.organizer[0]}")
            organizer.params["cn"] = vText(item.organizer[1])
            event.add("organizer", organizer)
        for email, display_name in item.attendees:
            attendee = vCalAddress(f"mailto:{email}")
            attendee.params["cn"] = vText(display_name)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
        cal.add_component(event)
    if local_times and first is not None:
        # Only the transitions around the events, not decades of them.
        cal.add_missing_timezones(
            first_date=(first - timedelta(days=366)).date(),
            last_date=(last + timedelta(days=366)).date(),
        )
    return cal.to_ical()
