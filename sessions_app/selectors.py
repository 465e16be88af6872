"""Reads of the agenda."""

from collections import defaultdict
from datetime import datetime

from sessions_app.models import ScheduleRelease


def release_latest(*, conference):
    """The last published release of the agenda, or None before the first."""
    return ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()


def session_localise(item, tz):
    """A snapshot item with its ISO times as aware datetimes in `tz`."""
    session = dict(item)
    session["starts_at"] = datetime.fromisoformat(item["starts_at"]).astimezone(tz)
    session["ends_at"] = datetime.fromisoformat(item["ends_at"]).astimezone(tz)
    return session


def agenda_days(*, conference, release, tz=None):
    """
    The published sessions of `release`, grouped by day in `tz` (default: the
    conference's zone): [(date, [session dict, ...]), ...].
    """
    tz = tz or conference.tz
    days = defaultdict(list)
    for item in release.snapshot if release else []:
        session = session_localise(item, tz)
        days[session["starts_at"].date()].append(session)
    return [
        (day, sorted(items, key=lambda s: (s["starts_at"], s.get("room_position", 0))))
        for day, items in sorted(days.items())
    ]


def release_session(*, release, session_id):
    """One session as published in `release`, or None."""
    for item in release.snapshot if release else []:
        if item["id"] == session_id:
            return item
    return None
