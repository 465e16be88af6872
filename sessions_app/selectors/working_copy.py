"""
The organisers' working copy of the agenda: its sessions, the conflicts shown
while they edit, and the timetable grid.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch

from sessions_app import schedule
from sessions_app.models import Session, SessionSpeaker


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
    registered delegate) taken elsewhere during their session, as the
    schedule's other sources tell (`sessions_app.schedule.busy_times`: a B2B
    meeting). Cancelled sessions are ignored. Returns [{"code", "sessions", ...}].
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

    # Speakers who are delegates and are taken elsewhere while they speak.
    speaker_sessions = defaultdict(list)
    for session in live:
        if session.kind == Session.Kind.B2B_BLOCK:
            continue
        for role in session.speaker_roles.all():
            if role.speaker.registration_id:
                speaker_sessions[role.speaker.registration_id].append((session, role.speaker))
    if speaker_sessions:
        busy_times = schedule.busy_times_for(
            conference=conference, registration_ids=list(speaker_sessions)
        )
        for busy in busy_times:
            for session, speaker in speaker_sessions[busy.registration_id]:
                if schedule.overlaps(
                    session.starts_at, session.ends_at, busy.starts_at, busy.ends_at
                ):
                    conflicts.append(
                        {
                            "code": busy.code,
                            "sessions": [session],
                            "speaker": speaker.name,
                            "busy": busy,
                            "at": busy.starts_at,
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
