"""
The agenda as feeds: iCalendar (public and personal) and JSON.

Public feeds are a pure function of (release, language), so their bytes are
cached under that key and their ETag is known before anything is built. A
personal feed is built for its one owner on each request and never touches
the shared cache; its ETag is a hash of what it contains.
"""

import hashlib
import json
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from conference.core.calendar import CalendarEvent, ics_calendar, ics_uid
from sessions_app import schedule, selectors
from sessions_app.labels import kind_label, speaker_role_label


def _session_description(item):
    lines = []
    speakers = item.get("speakers") or []
    if speakers:
        names = [
            f"{s['name']} ({speaker_role_label(s['role'])})"
            if s["role"] != "speaker"
            else s["name"]
            for s in speakers
        ]
        lines.append(gettext("Speakers: %(names)s") % {"names": ", ".join(names)})
    if item.get("track"):
        lines.append(gettext("Track: %(track)s") % {"track": item["track"]})
    if item.get("description"):
        lines.append("")
        lines.append(item["description"])
    return "\n".join(lines)


def _session_url(conference, item):
    path = reverse("sessions_app:session", args=[conference.slug, item["id"]])
    return f"{settings.SITE_ROOT}{path}"


def session_event(conference, item, *, status=None):
    location = item.get("room", "")
    if location and item.get("room_location"):
        location = f"{location}, {item['room_location']}"
    if conference.venue:
        location = f"{location}, {conference.venue}" if location else conference.venue
    return CalendarEvent(
        uid=ics_uid("session", item["id"]),
        starts_at=datetime.fromisoformat(item["starts_at"]),
        ends_at=datetime.fromisoformat(item["ends_at"]),
        summary=item["title"],
        sequence=item.get("sequence", 0),
        description=_session_description(item),
        location=location,
        url=_session_url(conference, item),
        cancelled=bool(item.get("cancelled")),
        categories=[str(kind_label(item["kind"]))],
        status=status,
    )


def agenda_ics(*, conference, release):
    """Every published session of `release` (cancelled ones as CANCELLED)."""
    events = [
        session_event(conference, item)
        for item in selectors.agenda_items(release=release, include_removed=True)
    ]
    return ics_calendar(
        name=str(conference.name),
        time_zone=conference.time_zone,
        events=events,
        stamp=release.published_at if release else None,
        local_times=True,
    )


def session_ics(*, conference, release, item):
    """
    One published session as a calendar file ("add to my calendar"): the
    same event as in the agenda feed, so the same UID and SEQUENCE, and a
    calendar that has both keeps one copy.
    """
    return ics_calendar(
        name=item["title"],
        time_zone=conference.time_zone,
        events=[session_event(conference, item)],
        stamp=release.published_at,
        local_times=True,
    )


def agenda_json(*, conference, release):
    """The published agenda, machine-readable (times in ISO 8601 with offsets)."""
    tz = conference.tz
    sessions = []
    for item in selectors.agenda_items(release=release, include_removed=True):
        local = selectors.session_localise(item, tz)
        sessions.append(
            {
                "id": item["id"],
                "uid": ics_uid("session", item["id"]),
                "title": item["title"],
                "description": item["description"],
                "kind": item["kind"],
                "kind_label": str(kind_label(item["kind"])),
                "starts_at": local["starts_at"].isoformat(),
                "ends_at": local["ends_at"].isoformat(),
                "room": item["room"] or None,
                "track": item["track"] or None,
                "capacity": item["capacity"],
                "signup_required": item["signup_required"],
                "status": (
                    "removed"
                    if item.get("removed")
                    else ("cancelled" if item["cancelled"] else "confirmed")
                ),
                "sequence": item.get("sequence", 0),
                "url": _session_url(conference, item),
                "speakers": [
                    {
                        "name": s["name"],
                        "title": s.get("title", ""),
                        "role": s["role"],
                    }
                    for s in item.get("speakers", [])
                ],
            }
        )
    data = {
        "conference": {
            "name": str(conference.name),
            "slug": conference.slug,
            "time_zone": conference.time_zone,
            "start_date": conference.start_date.isoformat(),
            "end_date": conference.end_date.isoformat(),
            "venue": conference.venue,
        },
        "release": (
            {"number": release.number, "published_at": release.published_at.isoformat()}
            if release
            else None
        ),
        "language": translation.get_language(),
        "sessions": sessions,
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def personal_ics(*, registration, release):
    """
    One delegate's calendar: their live sign-ups (a waiting-list place is
    TENTATIVE) and what the schedule's other sources add (`sessions_app.schedule`:
    B2B meetings), cancelled ones as CANCELLED. Returns (bytes, etag).
    """
    conference = registration.conference
    published = {item["id"]: item for item in selectors.release_snapshot(release=release)}
    events = []
    signups = selectors.signups_live_for_registration(registration=registration)
    for session_id, signup in sorted(signups.items()):
        item = published.get(session_id)
        if item is None:
            continue
        status = "TENTATIVE" if signup.status == signup.Status.WAITLISTED else None
        events.append(session_event(conference, item, status=status))
    # A fixed DTSTAMP (the newest change shown) keeps the bytes, and so the
    # ETag, the same until something changes.
    stamps = [registration.created_at, *(s.updated_at for s in signups.values())]
    if release:
        stamps.append(release.published_at)
    for entry in schedule.entries_for(registration=registration, include_cancelled=True):
        events.append(_entry_event(conference, entry))
        if entry.updated_at is not None:
            stamps.append(entry.updated_at)
    body = ics_calendar(
        name=gettext("%(conference)s: my schedule") % {"conference": conference.name},
        time_zone=conference.time_zone,
        events=events,
        stamp=max(stamps),
        local_times=True,
    )
    return body, hashlib.sha256(body).hexdigest()[:32]


def _entry_event(conference, entry):
    """An entry of another source of the schedule (a B2B meeting) as an event."""
    description = entry.note or ""
    if entry.people:
        description = "\n".join(
            [gettext("With: %(people)s") % {"people": ", ".join(entry.people)}, description]
        ).strip()
    where = entry.where
    return CalendarEvent(
        uid=entry.uid,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        summary=entry.title,
        sequence=entry.sequence,
        description=description,
        location=f"{where}, {conference.venue}" if conference.venue else where,
        cancelled=entry.cancelled,
        categories=[entry.category] if entry.category else [],
    )
