"""The published agenda: a release's sessions as the public pages and feeds show them."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from conference.core.forms import parse_id
from conference.core.release import code_version
from sessions_app.models import Session
from sessions_app.selectors.releases import release_snapshot


def session_localise(item, tz):
    """A snapshot item with its ISO times as aware datetimes in `tz`."""
    session = dict(item)
    session["starts_at"] = datetime.fromisoformat(item["starts_at"]).astimezone(tz)
    session["ends_at"] = datetime.fromisoformat(item["ends_at"]).astimezone(tz)
    return session


@dataclass
class AgendaFilters:
    track: int | None = None
    kind: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params):
        kind = params.get("kind", "")
        return cls(
            track=parse_id(params.get("track")),
            kind=kind if kind in Session.Kind.values else "",
            q=" ".join(params.get("q", "").split())[:100],
        )

    @property
    def active(self):
        return bool(self.track or self.kind or self.q)

    def cache_part(self):
        return f"{self.track or ''}:{self.kind}"

    def matches(self, item):
        if self.track and item.get("track_id") != self.track:
            return False
        if self.kind and item["kind"] != self.kind:
            return False
        if self.q:
            words = self.q.casefold().split()
            # `search` (every language's texts) is set by `release_snapshot`.
            haystack = " ".join(
                [
                    item.get("search") or item["title"],
                    *(f"{s['name']} {s.get('title', '')}" for s in item.get("speakers", [])),
                ]
            ).casefold()
            if not all(word in haystack for word in words):
                return False
        return True


def agenda_items(*, release, include_removed=False):
    """Snapshot items of `release`; sessions taken off the agenda are left out."""
    return [
        item
        for item in release_snapshot(release=release)
        if include_removed or not item.get("removed")
    ]


def agenda_days(*, conference, release, tz=None, filters=None):
    """
    The published sessions of `release`, grouped by day in `tz` (default: the
    conference's zone): [(date, [session dict, ...]), ...].
    """
    tz = tz or conference.tz
    days = defaultdict(list)
    for item in agenda_items(release=release):
        if filters and not filters.matches(item):
            continue
        session = session_localise(item, tz)
        days[session["starts_at"].date()].append(session)
    return [
        (day, sorted(items, key=lambda s: (s["starts_at"], s.get("room_position", 0), s["id"])))
        for day, items in sorted(days.items())
    ]


def agenda_tracks(*, release):
    """[(track id, name, colour)] of the published sessions, for the filter."""
    tracks = {}
    for item in agenda_items(release=release):
        if item.get("track_id"):
            tracks[item["track_id"]] = (item["track"], item.get("track_colour", ""))
    return sorted(((pk, name, colour) for pk, (name, colour) in tracks.items()), key=lambda t: t[1])


def release_session(*, release, session_id):
    """One session as published in `release` (taken-off ones included), or None."""
    for item in release_snapshot(release=release):
        if item["id"] == session_id:
            return item
    return None


def agenda_cache_key(*, conference, release, language, tz, part, filters=None):
    """
    The cache key of one rendering of the public agenda. Everything the
    output depends on is in it: the code version (so a deploy never serves
    the previous templates), the release (so a publish is seen at once), the
    language, the viewer's time zone and the filters.
    """
    number = release.number if release else 0
    filters_part = filters.cache_part() if filters else ""
    return (
        f"agenda:{code_version()}:{conference.pk}:{number}:{part}:{language}:{tz.key}:"
        f"{filters_part}"
    )
