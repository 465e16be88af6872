"""A delegate's own schedule: their sessions and what other apps book them into."""

from collections import defaultdict
from datetime import datetime

from accounts.models import Registration
from sessions_app import schedule
from sessions_app.schedule import ScheduleEntry
from sessions_app.selectors.releases import release_snapshot
from sessions_app.selectors.signups import signups_live_for_registration


def my_schedule_entries(*, registration, release):
    """
    The registration's live sign-ups (as published) and the entries of the
    schedule's other sources (`sessions_app.schedule`: B2B meetings), in time
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
    entries.extend(schedule.entries_for(registration=registration))
    entries.sort(key=lambda e: (e.starts_at, e.kind != "session", e.id))
    live = [e for e in entries if not e.cancelled]
    for i, entry in enumerate(live):
        for other in live[i + 1 :]:
            if other.starts_at >= entry.ends_at:
                break
            if schedule.overlaps(entry.starts_at, entry.ends_at, other.starts_at, other.ends_at):
                entry.clashes = other.clashes = True
    return entries


def my_schedule_days(*, registration, release, tz):
    days = defaultdict(list)
    for entry in my_schedule_entries(registration=registration, release=release):
        entry.starts_at = entry.starts_at.astimezone(tz)
        entry.ends_at = entry.ends_at.astimezone(tz)
        days[entry.starts_at.date()].append(entry)
    return sorted(days.items())


def registration_by_calendar_token(*, conference, token):
    """The registration whose secret feed token this is, or None."""
    if not token or len(token) > 64:
        return None
    return (
        Registration.objects.filter(conference=conference, calendar_token=token)
        .select_related("user", "organisation")
        .first()
    )
