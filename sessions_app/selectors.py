"""
Reads of the agenda, always scoped to one conference or one registration.

The public agenda, its feeds and a delegate's schedule read the last
`ScheduleRelease` snapshot, never the organisers' working copy. Pages that
everyone sees the same way are cached per (release, language, time zone):
a publish makes a new release number and so new cache keys; nothing has to
be invalidated.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q
from django.urls import NoReverseMatch, reverse

from b2b_meetings.models import MeetingSeat
from b2b_meetings.selectors import meeting_list_for_registration
from conference.core.forms import parse_id
from sessions_app.models import ScheduleRelease, Session, SessionSignup, SessionSpeaker

# Kinds a delegate can sign up for (breaks and B2B blocks are not attended by sign-up).
SIGNUP_KINDS = {
    Session.Kind.PLENARY,
    Session.Kind.PANEL,
    Session.Kind.WORKSHOP,
    Session.Kind.CLOSED_DOOR,
}


# Releases -------------------------------------------------------------------------


def release_latest(*, conference):
    """The last published release of the agenda, or None before the first."""
    return ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()


@dataclass
class ReleaseHead:
    """
    The number and time of a release, without its snapshot, which is read
    only when a page is not in the cache yet (`snapshot`).
    """

    pk: int
    number: int
    published_at: datetime

    @functools.cached_property
    def snapshot(self):
        return ScheduleRelease.objects.values_list("snapshot", flat=True).get(pk=self.pk)


def release_head(*, conference):
    """
    The last release's head: one small indexed query that tells a cached page
    which release it must show (None before the first publish).
    """
    row = (
        ScheduleRelease.objects.filter(conference_id=conference.pk)
        .order_by("-number")
        .values_list("pk", "number", "published_at")
        .first()
    )
    return ReleaseHead(*row) if row else None


def release_snapshot(*, release):
    """The snapshot of `release` (fetched when a deferred head needs it)."""
    if release is None:
        return []
    return release.snapshot


def release_list(*, conference, limit=10):
    return ScheduleRelease.objects.filter(conference=conference).select_related("published_by")[
        :limit
    ]


# The published agenda -----------------------------------------------------------


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
            haystack = " ".join(
                [
                    item["title"],
                    item.get("description", ""),
                    item.get("room", ""),
                    item.get("track", ""),
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
    output depends on is in it: the release (so a publish is seen at once),
    the language, the viewer's time zone and the filters.
    """
    number = release.number if release else 0
    filters_part = filters.cache_part() if filters else ""
    return f"agenda:{conference.pk}:{number}:{part}:{language}:{tz.key}:{filters_part}"


# Sign-ups ------------------------------------------------------------------------


def signup_live_for(*, registration, session_id):
    """The registration's confirmed or waitlisted sign-up to a session, or None."""
    if registration is None:
        return None
    return (
        SessionSignup.objects.filter(registration=registration, session_id=session_id)
        .exclude(status=SessionSignup.Status.CANCELLED)
        .first()
    )


def signup_get_for_registration(*, registration, signup_id):
    """One of the registration's own sign-ups (another person's is not found)."""
    return (
        SessionSignup.objects.filter(registration=registration, pk=signup_id)
        .select_related("session")
        .first()
    )


def waitlist_position(*, signup):
    """1 for the first person on the waiting list, and so on."""
    if signup.status != SessionSignup.Status.WAITLISTED:
        return None
    earlier = Q(created_at__lt=signup.created_at) | Q(
        created_at=signup.created_at, pk__lt=signup.pk
    )
    ahead = SessionSignup.objects.filter(
        earlier, session_id=signup.session_id, status=SessionSignup.Status.WAITLISTED
    )
    return ahead.count() + 1


def signups_live_for_registration(*, registration):
    """
    {session id: sign-up} of the registration's live sign-ups, each waitlisted
    one with its `position`; two queries whatever the number.
    """
    signups = list(
        SessionSignup.objects.filter(registration=registration).exclude(
            status=SessionSignup.Status.CANCELLED
        )
    )
    waiting = [s.session_id for s in signups if s.status == SessionSignup.Status.WAITLISTED]
    if waiting:
        queue = defaultdict(list)
        rows = (
            SessionSignup.objects.filter(
                session_id__in=waiting, status=SessionSignup.Status.WAITLISTED
            )
            .order_by("created_at", "pk")
            .values_list("session_id", "pk")
        )
        for session_id, pk in rows:
            queue[session_id].append(pk)
        for signup in signups:
            if signup.status == SessionSignup.Status.WAITLISTED:
                signup.position = queue[signup.session_id].index(signup.pk) + 1
    return {s.session_id: s for s in signups}


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def signup_clashes(*, registration, release, item):
    """
    What the registration already has at the time of `item` (a snapshot
    session): its other live sign-ups and its active B2B meetings. Shown
    before the delegate confirms a sign-up.
    """
    if registration is None:
        return []
    starts = datetime.fromisoformat(item["starts_at"])
    ends = datetime.fromisoformat(item["ends_at"])
    published = {i["id"]: i for i in agenda_items(release=release)}
    clashes = []
    for session_id, signup in signups_live_for_registration(registration=registration).items():
        other = published.get(session_id)
        if session_id == item["id"] or other is None or other.get("cancelled"):
            continue
        other_starts = datetime.fromisoformat(other["starts_at"])
        other_ends = datetime.fromisoformat(other["ends_at"])
        if _overlaps(starts, ends, other_starts, other_ends):
            clashes.append(
                {
                    "type": "session",
                    "title": other["title"],
                    "starts_at": other_starts,
                    "ends_at": other_ends,
                    "status": signup.status,
                    "id": session_id,
                }
            )
    meetings = meeting_list_for_registration(registration=registration).filter(
        slot__starts_at__lt=ends, slot__ends_at__gt=starts
    )
    for meeting in meetings:
        clashes.append(
            {
                "type": "meeting",
                "title": meeting_title(meeting=meeting, registration=registration),
                "starts_at": meeting.slot.starts_at,
                "ends_at": meeting.slot.ends_at,
                "id": meeting.pk,
            }
        )
    return sorted(clashes, key=lambda c: c["starts_at"])


def meeting_others(*, meeting, registration):
    """The other participants of a meeting (prefetched seats), as display strings."""
    people = []
    for seat in meeting.seats.all():
        if seat.registration_id == registration.pk:
            continue
        person = seat.registration.user.display_name
        if seat.registration.organisation_id:
            person = f"{person} ({seat.registration.organisation.name})"
        people.append(person)
    return people


def meeting_title(*, meeting, registration):
    from django.utils.translation import gettext

    others = meeting_others(meeting=meeting, registration=registration)
    if not others:
        return gettext("B2B meeting")
    return gettext("B2B meeting with %(people)s") % {"people": ", ".join(others)}


# A delegate's own schedule -----------------------------------------------------------


@dataclass
class ScheduleEntry:
    kind: str  # "session" or "meeting"
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str = ""
    status: str = ""
    cancelled: bool = False
    position: int | None = None
    item: dict | None = None
    people: list = field(default_factory=list)
    note: str = ""
    clashes: bool = False
    signup_id: int | None = None
    url: str = ""


def my_schedule_entries(*, registration, release):
    """
    The registration's live sign-ups (as published) and B2B meetings, in time
    order, with clashes marked. A fixed number of queries.
    """
    published = {item["id"]: item for item in release_snapshot(release=release)}
    entries = []
    for session_id, signup in signups_live_for_registration(registration=registration).items():
        item = published.get(session_id)
        if item is None:
            continue
        entries.append(
            ScheduleEntry(
                kind="session",
                id=session_id,
                title=item["title"],
                starts_at=datetime.fromisoformat(item["starts_at"]),
                ends_at=datetime.fromisoformat(item["ends_at"]),
                where=item.get("room", ""),
                status=signup.status,
                cancelled=bool(item.get("cancelled")),
                position=getattr(signup, "position", None),
                item=item,
                signup_id=signup.pk,
            )
        )
    for meeting in meeting_list_for_registration(registration=registration):
        table = meeting.table
        where = f"{table.room.name} · {table.label}" if table.room_id else table.label
        entries.append(
            ScheduleEntry(
                kind="meeting",
                id=meeting.pk,
                title=meeting_title(meeting=meeting, registration=registration),
                starts_at=meeting.slot.starts_at,
                ends_at=meeting.slot.ends_at,
                where=where,
                status=meeting.status,
                people=meeting_others(meeting=meeting, registration=registration),
                note=meeting.note,
                url=_meeting_url(meeting, registration.conference.slug),
            )
        )
    entries.sort(key=lambda e: (e.starts_at, e.kind != "session", e.id))
    live = [e for e in entries if not e.cancelled]
    for i, entry in enumerate(live):
        for other in live[i + 1 :]:
            if other.starts_at >= entry.ends_at:
                break
            if _overlaps(entry.starts_at, entry.ends_at, other.starts_at, other.ends_at):
                entry.clashes = other.clashes = True
    return entries


def _meeting_url(meeting, slug):
    try:
        return reverse("b2b_meetings:meeting", args=[slug, meeting.pk])
    except NoReverseMatch:  # the meeting pages are not installed
        return ""


def my_schedule_days(*, registration, release, tz):
    days = defaultdict(list)
    for entry in my_schedule_entries(registration=registration, release=release):
        entry.starts_at = entry.starts_at.astimezone(tz)
        entry.ends_at = entry.ends_at.astimezone(tz)
        days[entry.starts_at.date()].append(entry)
    return sorted(days.items())


def registration_by_calendar_token(*, conference, token):
    """The registration whose secret feed token this is, or None."""
    from accounts.models import Registration

    if not token or len(token) > 64:
        return None
    return (
        Registration.objects.filter(conference=conference, calendar_token=token)
        .select_related("user", "organisation")
        .first()
    )


# The organisers' working copy -----------------------------------------------------


def working_sessions(*, conference):
    """Every session of the working copy, with room, track and speakers."""
    return (
        Session.objects.filter(conference=conference)
        .select_related("room", "track")
        .prefetch_related(
            Prefetch(
                "speaker_roles",
                queryset=SessionSpeaker.objects.select_related("speaker").order_by(
                    "position", "pk"
                ),
            )
        )
        .order_by("starts_at", "room__position", "pk")
    )


def session_for_organiser(*, conference, session_id):
    return Session.objects.filter(conference=conference, pk=session_id).first()


def agenda_conflicts(*, conference, sessions=None):
    """
    Problems in the working copy, for live warnings while organisers edit:
    two sessions in one room at once, a speaker in two places at once, a
    session allowing more people than its room holds, and a speaker (a
    registered delegate) booked into a B2B meeting during their session.
    Cancelled sessions are ignored. Returns [{"code", "sessions", ...}].
    """
    if sessions is None:
        sessions = list(working_sessions(conference=conference))
    live = sorted((s for s in sessions if not s.is_cancelled), key=lambda s: s.starts_at)
    conflicts = []

    for i, first in enumerate(live):
        for second in live[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            if first.room_id and first.room_id == second.room_id:
                conflicts.append(
                    {
                        "code": "room",
                        "sessions": [first, second],
                        "room": first.room.name,
                    }
                )
            first_speakers = {r.speaker_id: r.speaker for r in first.speaker_roles.all()}
            for role in second.speaker_roles.all():
                if role.speaker_id in first_speakers:
                    conflicts.append(
                        {
                            "code": "speaker",
                            "sessions": [first, second],
                            "speaker": role.speaker.name,
                        }
                    )

    for session in live:
        room = session.room
        if room is None or room.capacity is None:
            continue
        if session.capacity is not None and session.capacity > room.capacity:
            conflicts.append(
                {
                    "code": "capacity",
                    "sessions": [session],
                    "room": room.name,
                    "capacity": session.capacity,
                    "room_capacity": room.capacity,
                }
            )
        elif session.capacity is None and session.taken > room.capacity:
            conflicts.append(
                {
                    "code": "capacity",
                    "sessions": [session],
                    "room": room.name,
                    "capacity": session.taken,
                    "room_capacity": room.capacity,
                }
            )

    # Speakers who are delegates and have a B2B meeting while they speak.
    speaker_sessions = defaultdict(list)
    for session in live:
        if session.kind == Session.Kind.B2B_BLOCK:
            continue
        for role in session.speaker_roles.all():
            if role.speaker.registration_id:
                speaker_sessions[role.speaker.registration_id].append((session, role.speaker))
    if speaker_sessions:
        seats = MeetingSeat.objects.filter(
            registration_id__in=list(speaker_sessions), is_active=True
        ).select_related("slot")
        for seat in seats:
            for session, speaker in speaker_sessions[seat.registration_id]:
                if _overlaps(
                    session.starts_at, session.ends_at, seat.slot.starts_at, seat.slot.ends_at
                ):
                    conflicts.append(
                        {
                            "code": "b2b",
                            "sessions": [session],
                            "speaker": speaker.name,
                            "meeting_id": seat.meeting_id,
                            "at": seat.slot.starts_at,
                        }
                    )
    return conflicts


def conflicting_session_ids(conflicts):
    return {s.pk for c in conflicts for s in c["sessions"]}


@dataclass
class GridDay:
    date: object
    rooms: list
    first_minute: int  # minutes after midnight of the first row
    rows: int  # 5-minute rows
    sessions: list
    hours: list


GRID_STEP_MINUTES = 5


def agenda_grid_days(*, conference, sessions, rooms, tz):
    """
    The working copy laid out per day for the organisers' timetable: rooms
    across, time down in 5-minute rows from the first to the last hour used.
    Each session gets `grid_col`, `grid_row_start` and `grid_row_end`.
    """
    by_day = defaultdict(list)
    for session in sessions:
        by_day[session.starts_at.astimezone(tz).date()].append(session)
    day = conference.start_date
    while day <= conference.end_date:
        by_day.setdefault(day, [])
        day += timedelta(days=1)

    room_ids = [room.pk for room in rooms]
    days = []
    for date, items in sorted(by_day.items()):
        first_hour, last_hour = 8, 18
        for s in items:
            start = s.starts_at.astimezone(tz)
            end = s.ends_at.astimezone(tz)
            first_hour = min(first_hour, start.hour)
            end_hour = 24 if end.date() > date else end.hour + (1 if end.minute else 0)
            last_hour = max(last_hour, end_hour)
        first_minute = first_hour * 60
        rows = (last_hour - first_hour) * 60 // GRID_STEP_MINUTES
        for s in items:
            start = s.starts_at.astimezone(tz)
            end = s.ends_at.astimezone(tz)
            start_min = start.hour * 60 + start.minute
            end_min = 24 * 60 if end.date() > date else end.hour * 60 + end.minute
            s.grid_row_start = 2 + (start_min - first_minute) // GRID_STEP_MINUTES
            s.grid_row_end = max(
                s.grid_row_start + 1,
                2 + -(-(end_min - first_minute) // GRID_STEP_MINUTES),
            )
            s.grid_col = 2 + room_ids.index(s.room_id) if s.room_id in room_ids else 2 + len(rooms)
        hours = [
            (h, 2 + (h * 60 - first_minute) // GRID_STEP_MINUTES)
            for h in range(first_hour, last_hour)
        ]
        days.append(
            GridDay(
                date=date,
                rooms=rooms,
                first_minute=first_minute,
                rows=rows,
                sessions=items,
                hours=hours,
            )
        )
    return days


# Snapshots and the change log ------------------------------------------------------


def snapshot_item(session, *, removed=False):
    """How one session is published: everything the public pages and feeds show."""
    room = session.room
    track = session.track
    return {
        "id": session.pk,
        "title": session.title,
        "description": session.description,
        "kind": session.kind,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": room.name if room else "",
        "room_id": session.room_id,
        "room_position": room.position if room else 0,
        "room_location": room.location if room else "",
        "track": track.name if track else "",
        "track_id": session.track_id,
        "track_colour": track.colour if track else "",
        "capacity": session.capacity,
        "signup_required": session.signup_required,
        # A session taken off the agenda stays in the snapshot as cancelled,
        # so that calendar feeds can tell subscribers (STATUS:CANCELLED).
        "cancelled": session.is_cancelled or removed,
        "removed": removed,
        "sequence": session.sequence,
        "speakers": [
            {
                "name": role.speaker.name,
                "title": role.speaker.title,
                "bio": role.speaker.bio,
                "role": role.role,
            }
            for role in session.speaker_roles.all()
        ],
    }


def working_snapshot(*, conference, previous=None, sessions=None):
    """
    The snapshot that publishing now would record: every published session of
    the working copy, plus every session of `previous` that is no longer
    published (kept as removed). Returns (snapshot, sessions by id).
    """
    if sessions is None:
        sessions = working_sessions(conference=conference)
    sessions = {s.pk: s for s in sessions}
    earlier_ids = {item["id"] for item in (previous.snapshot if previous else [])}
    snapshot = []
    for session in sorted(sessions.values(), key=lambda s: (s.starts_at, s.pk)):
        if session.published:
            snapshot.append(snapshot_item(session))
        elif session.pk in earlier_ids:
            snapshot.append(snapshot_item(session, removed=True))
    return snapshot, sessions


# What delegates are told about, in the order of importance.
NOTIFIED_CHANGES = ("cancelled", "removed", "reinstated", "moved", "room", "renamed")
# Fields that make a new calendar SEQUENCE but are not worth an email.
_DETAIL_FIELDS = (
    "description",
    "kind",
    "track",
    "capacity",
    "signup_required",
    "speakers",
    "room_location",
)


def release_diff(previous, current):
    """
    Change-log entries between two snapshots: one entry per session and kind
    of change, e.g. {"session": 12, "title": "...", "change": "moved",
    "before": {...}, "after": {...}}. Kinds: new, cancelled, removed,
    reinstated, moved, room, renamed, updated.
    """
    before = {item["id"]: item for item in previous}
    after = {item["id"]: item for item in current}
    changes = []

    def entry(item, change, old=None, **extra):
        data = {"session": item["id"], "title": item["title"], "change": change}
        if old is not None:
            data["before"] = {
                "starts_at": old["starts_at"],
                "ends_at": old["ends_at"],
                "room": old["room"],
                "title": old["title"],
            }
            data["after"] = {
                "starts_at": item["starts_at"],
                "ends_at": item["ends_at"],
                "room": item["room"],
                "title": item["title"],
            }
        data.update(extra)
        return data

    for session_id, item in after.items():
        old = before.get(session_id)
        if old is None:
            if not item.get("removed"):
                changes.append(entry(item, "new"))
            continue
        if item.get("removed"):
            if not old.get("removed"):
                changes.append(entry(item, "removed", old))
            continue
        if old.get("removed"):
            changes.append(entry(item, "new" if not item["cancelled"] else "cancelled"))
            continue
        if item["cancelled"] and not old["cancelled"]:
            changes.append(entry(item, "cancelled", old))
            continue
        if old["cancelled"] and not item["cancelled"]:
            changes.append(entry(item, "reinstated", old))
        if (old["starts_at"], old["ends_at"]) != (item["starts_at"], item["ends_at"]):
            changes.append(entry(item, "moved", old))
        if old["room"] != item["room"]:
            changes.append(entry(item, "room", old))
        if old["title"] != item["title"]:
            changes.append(entry(item, "renamed", old))
        if any(old.get(f) != item.get(f) for f in _DETAIL_FIELDS):
            changes.append(entry(item, "updated"))
    for session_id, old in before.items():
        if session_id not in after and not old.get("removed"):
            changes.append(entry(old, "removed", old))
    return changes


def agenda_pending_changes(*, conference, sessions=None):
    """What the next publish would change, compared with the last release."""
    previous = release_latest(conference=conference)
    snapshot, _sessions = working_snapshot(
        conference=conference, previous=previous, sessions=sessions
    )
    return release_diff(previous.snapshot if previous else [], snapshot), previous
