"""
The public agenda as a room × time grid (one day at a time) and as "now and
next" per room, both read from the last release like the agenda list.

The grid is a CSS grid of 15-minute rows; each session's row and column are
given as classes computed here (`gr-<line>`, `gs-<rows>`, `gc-<column>`,
defined in static/css/agenda-grid.css), since the strict CSP allows no
inline styles.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sessions_app.selectors.agenda import agenda_days

STEP_MINUTES = 15
# Classes exist for this many room columns (more rooms share the last one)
# and for a day of 96 quarter hours.
MAX_COLUMNS = 12
MAX_ROWS = 96


@dataclass
class PublicGridCell:
    session: dict
    row_start: int  # the first grid line (line 1 is above the rooms' header row)
    rows: int  # how many 15-minute rows it covers
    column: int  # 2.. for a room; 0 for a session across every room

    @property
    def classes(self):
        column = "gc-all" if self.column == 0 else f"gc-{self.column}"
        return f"gr-{self.row_start} gs-{self.rows} {column}"


@dataclass
class PublicGridDay:
    day: date
    rooms: list = field(default_factory=list)  # [room name, ...] in their order
    times: list = field(default_factory=list)  # [(line, datetime)] of each full half hour
    cells: list = field(default_factory=list)

    @property
    def columns_class(self):
        return f"rooms-{min(max(len(self.rooms), 1), MAX_COLUMNS)}"


def _floor(moment):
    return moment.replace(
        minute=moment.minute - moment.minute % STEP_MINUTES, second=0, microsecond=0
    )


def grid_day(*, day, sessions):
    """
    The grid of one day's `sessions` (localised snapshot items): rooms as
    columns in their order, 15-minute rows from the first start to the last
    end. A session without a room (a plenary break) spans every column.
    """
    grid = PublicGridDay(day=day)
    if not sessions:
        return grid
    rooms = {}
    for session in sessions:
        if session.get("room"):
            rooms.setdefault(session["room"], (session.get("room_position", 0), session["room"]))
    grid.rooms = [name for _position, name in sorted(rooms.values())]
    column_of = {name: min(i + 2, MAX_COLUMNS + 1) for i, name in enumerate(grid.rooms)}
    origin = _floor(min(s["starts_at"] for s in sessions))
    last_end = max(s["ends_at"] for s in sessions)

    def line(moment, *, up=False):
        steps = (moment - origin).total_seconds() / (STEP_MINUTES * 60)
        return (math.ceil(steps) if up else math.floor(steps)) + 2

    for session in sessions:
        start = line(session["starts_at"])
        end = max(line(session["ends_at"], up=True), start + 1)
        grid.cells.append(
            PublicGridCell(
                session=session,
                row_start=start,
                rows=min(end - start, MAX_ROWS),  # past midnight: cut at the day's end
                column=column_of.get(session.get("room"), 0),
            )
        )
    moment = origin
    while moment < last_end:
        if moment.minute in (0, 30):
            grid.times.append((line(moment), moment))
        moment += timedelta(minutes=STEP_MINUTES)
    return grid


def public_grid(*, conference, release, tz, day=None):
    """
    ([day, ...], PublicGridDay of `day`): the published agenda's days and the grid
    of the one asked for (default: today if the conference is on, else the
    first day). An unknown `day` falls back to the default.
    """
    days = agenda_days(conference=conference, release=release, tz=tz)
    if not days:
        return [], None
    by_day = dict(days)
    if day not in by_day:
        today = datetime.now(tz).date()
        day = today if today in by_day else days[0][0]
    return [d for d, _items in days], grid_day(day=day, sessions=by_day[day])


@dataclass
class NowAndNext:
    """What the "now and next" page shows at `now`."""

    now: datetime
    phase: str  # "before", "during" or "after" the conference
    rooms: list = field(default_factory=list)  # [{"room", "now": [...], "next": item or None}]
    day: date | None = None  # before/after: the first/last day, shown as a list
    day_sessions: list = field(default_factory=list)


def now_and_next(*, conference, release, now):
    """
    Per room (in their order; sessions without a room last, under ""), the
    sessions on at `now` and the next one to start, on the conference's clock.
    Before the first session and after the last, the first or last day instead.
    """
    tz = conference.tz
    now = now.astimezone(tz)
    days = agenda_days(conference=conference, release=release, tz=tz)
    sessions = [s for _day, items in days for s in items if not s["cancelled"]]
    if not sessions:
        return NowAndNext(now=now, phase="before")
    if now < min(s["starts_at"] for s in sessions):
        return NowAndNext(now=now, phase="before", day=days[0][0], day_sessions=days[0][1])
    if now >= max(s["ends_at"] for s in sessions):
        return NowAndNext(now=now, phase="after", day=days[-1][0], day_sessions=days[-1][1])
    rooms = {}
    for session in sessions:
        room = session.get("room") or ""
        # Sessions in no room (a break for everyone) come after the rooms.
        key = (not room, session.get("room_position", 0), room)
        entry = rooms.setdefault(key, {"room": room, "now": [], "next": None})
        if session["starts_at"] <= now < session["ends_at"]:
            entry["now"].append(session)
        elif session["starts_at"] > now and entry["next"] is None:
            entry["next"] = session  # sessions come sorted by start
    return NowAndNext(
        now=now,
        phase="during",
        rooms=[entry for _key, entry in sorted(rooms.items()) if entry["now"] or entry["next"]],
    )
