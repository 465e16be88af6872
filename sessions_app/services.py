"""Writes of the agenda."""

from django.db import transaction

from conference.services import audit_record
from sessions_app.models import ScheduleRelease, Session


def _snapshot_item(session):
    return {
        "id": session.pk,
        "title": session.title,
        "description": session.description,
        "kind": session.kind,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": session.room.name if session.room else "",
        "room_id": session.room_id,
        "room_position": session.room.position if session.room else 0,
        "track": session.track.name if session.track else "",
        "track_id": session.track_id,
        "track_colour": session.track.colour if session.track else "",
        "capacity": session.capacity,
        "signup_required": session.signup_required,
        "cancelled": session.is_cancelled,
        "sequence": session.sequence,
        "speakers": [
            {"name": sr.speaker.name, "title": sr.speaker.title, "role": sr.role}
            for sr in session.speaker_roles.all()
        ],
    }


# Fields whose change a delegate should hear about, and how to say it.
_CHANGE_LABELS = {
    "starts_at": "moved",
    "ends_at": "moved",
    "room": "new room",
    "title": "renamed",
}


def _diff(previous, current):
    """Change log entries between two snapshots (lists of session dicts)."""
    before = {item["id"]: item for item in previous}
    after = {item["id"]: item for item in current}
    changes = []
    for session_id, item in after.items():
        old = before.get(session_id)
        if old is None:
            changes.append({"session": session_id, "title": item["title"], "change": "new"})
            continue
        if item["cancelled"] and not old["cancelled"]:
            changes.append({"session": session_id, "title": item["title"], "change": "cancelled"})
            continue
        kinds = sorted({label for f, label in _CHANGE_LABELS.items() if old[f] != item[f]})
        for kind in kinds:
            changes.append({"session": session_id, "title": item["title"], "change": kind})
    for session_id, old in before.items():
        if session_id not in after:
            changes.append({"session": session_id, "title": old["title"], "change": "removed"})
    return changes


def schedule_publish(*, conference, actor):
    """
    Publish the working copy of the agenda as a new release. Sessions that
    changed since the last release get a higher ICS SEQUENCE. One transaction;
    the conference row is locked so two publishes get consecutive numbers.
    """
    with transaction.atomic():
        type(conference).objects.select_for_update().get(pk=conference.pk)
        previous = ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()
        sessions = list(
            Session.objects.filter(conference=conference, published=True)
            .select_related("room", "track")
            .prefetch_related("speaker_roles__speaker")
            .order_by("starts_at", "pk")
        )
        snapshot = [_snapshot_item(s) for s in sessions]
        changes = _diff(previous.snapshot if previous else [], snapshot)
        changed_ids = {c["session"] for c in changes if c["change"] != "new"}
        if previous and changed_ids:
            for session in sessions:
                if session.pk in changed_ids:
                    session.sequence += 1
            Session.objects.bulk_update([s for s in sessions if s.pk in changed_ids], ["sequence"])
            snapshot = [_snapshot_item(s) for s in sessions]
        release = ScheduleRelease.objects.create(
            conference=conference,
            number=(previous.number + 1) if previous else 1,
            published_by=actor if getattr(actor, "is_authenticated", False) else None,
            snapshot=snapshot,
            changes=changes,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="agenda.publish",
            obj=release,
            summary=f"Release {release.number}: {len(changes)} changes",
        )
    return release
