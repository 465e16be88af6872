"""
Time zones. Times are stored in UTC and shown in the conference's zone with
its label; the agenda and a delegate's schedule can show them in the viewer's
own zone (`User.time_zone`, or a `tz` parameter), and emails add the
recipient's zone when it differs. Templates reach these through
conference/core/templatetags/when.py, so every page labels a time the same way.
"""

import functools
import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

# Zones offered by the time-zone switches, besides the conference's own and
# the viewer's: where the delegations of the first customer come from.
COMMON_TIME_ZONES = [
    "UTC",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Perth",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
]


@functools.cache
def known_time_zones():
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=64)
def _zone(name):
    # ZoneInfo keeps only a few zones strongly cached; the agenda's switch
    # offers about ten, and reloading them from disk on every request shows.
    return zoneinfo.ZoneInfo(name)


def time_zone_or_none(name):
    """A ZoneInfo for a valid IANA name, else None (never raises on user input)."""
    if not name or name not in known_time_zones():
        return None
    return _zone(name)


def viewer_time_zone(*, conference, requested=None, user=None):
    """
    The zone in which to show times: the one asked for (a `tz` parameter),
    else the viewer's own setting, else the conference's.
    """
    for name in (requested, getattr(user, "time_zone", "") if user else ""):
        tz = time_zone_or_none(name)
        if tz is not None:
            return tz
    return conference.tz


def recipient_time_zone(*, conference, user):
    """The recipient's own zone when it is set and not the conference's, else None."""
    tz = time_zone_or_none(getattr(user, "time_zone", "") if user else "")
    if tz is None or conference is None or tz.key == conference.time_zone:
        return None
    return tz


def time_zone_choices(*, conference, current, user=None):
    names = [conference.time_zone]
    own = getattr(user, "time_zone", "") if user else ""
    for name in [own, current.key, *COMMON_TIME_ZONES]:
        if name and name not in names and time_zone_or_none(name):
            names.append(name)
    return names


def _offset_name(at):
    offset = at.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours:02d}:{mins:02d}"
    abbreviation = at.tzname() or ""
    if abbreviation and not abbreviation.startswith(("+", "-")) and abbreviation != "UTC":
        return f"{abbreviation}, {utc}"
    return utc


def time_zone_label(tz, *, conference=None):
    """
    'Asia/Kolkata (IST, UTC+05:30)': the zone named with its offset during the
    conference (summer time may differ from today's), else now. When summer
    time starts or ends during the conference, both offsets are named:
    'Australia/Sydney (AEDT, UTC+11:00 / AEST, UTC+10:00)'.
    """
    if conference is not None:
        days = (conference.end_date - conference.start_date).days
        moments = [
            datetime.combine(conference.start_date + timedelta(days=n), time(12), tzinfo=tz)
            for n in range(min(days, 31) + 1)
        ]
    else:
        moments = [timezone.now().astimezone(tz)]
    names = list(dict.fromkeys(_offset_name(at) for at in moments))
    return f"{tz.key} ({' / '.join(names)})"
