"""Snapshots of the working copy, and the change log between two of them."""

from conference.core.content import content_data, content_same
from sessions_app.selectors.releases import release_latest
from sessions_app.selectors.working_copy import working_sessions


def snapshot_item(session, *, removed=False):
    """How one session is published: everything the public pages and feeds show."""
    room = session.room
    track = session.track
    return {
        "id": session.pk,
        "title": content_data(session.title),
        "description": content_data(session.description),
        "kind": session.kind,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": content_data(room.name) if room else "",
        "room_id": session.room_id,
        "room_position": room.position if room else 0,
        "room_location": room.location if room else "",
        "track": content_data(track.name) if track else "",
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
                "id": role.speaker_id,
                "name": role.speaker.name,
                "title": role.speaker.title,
                "bio": content_data(role.speaker.bio),
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
# Texts in several languages (a dict per language; a plain string in
# snapshots taken before): equal when they say the same.
_TEXT_FIELDS = ("title", "description", "room", "track")
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


def _detail(item, field):
    """
    A detail field as compared between releases. Speakers' ids (for the links
    to their pages) are left out: snapshots recorded before they were kept
    must not show every session as changed.
    """
    value = item.get(field)
    if field == "speakers" and value:
        return [
            {k: (_Text(v) if k == "bio" else v) for k, v in s.items() if k != "id"} for s in value
        ]
    if field in _TEXT_FIELDS:
        return _Text(value)
    return value


class _Text:
    """A stored text compared as `content_same` does."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return content_same(self.value, other.value)

    __hash__ = None


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
        if not content_same(old["room"], item["room"]):
            changes.append(entry(item, "room", old))
        if not content_same(old["title"], item["title"]):
            changes.append(entry(item, "renamed", old))
        if any(_detail(old, f) != _detail(item, f) for f in _DETAIL_FIELDS):
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
