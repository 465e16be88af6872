"""
The extension point of a delegate's schedule: what else, besides the
agenda's own sessions, a registration has on, and when.

The agenda sits below the apps that book people's time (B2B meetings) and
never imports them. It asks through two signals instead, as pretix's core
asks its plugins (`register_data_exporters`); an app answers by connecting a
receiver when it is ready (see `b2b_meetings/schedule.py`). With no receiver
connected, the agenda shows sessions only.

- `schedule_entries`: the items of one registration's schedule, for its
  "my schedule" page (`me/`), its calendar feed (`me/calendar/<token>.ics`)
  and the clashes shown before a sign-up. Keyword arguments:
  `registration`, `starts_at` and `ends_at` (only items overlapping that
  window, when given) and `include_cancelled` (the feed keeps cancelled
  items, as CANCELLED). A receiver returns a list of `ScheduleEntry`, in
  time order, in a fixed number of queries whatever their number.
- `busy_times`: when any of a set of registrations is taken, for the
  organisers' agenda builder (a speaker booked elsewhere during their
  session). Keyword arguments: `conference` and `registration_ids`. A
  receiver returns a list of `BusyTime`, in a fixed number of queries.

Both are sent with the `Registration` model as the sender.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.dispatch import Signal

from accounts.models import Registration

schedule_entries = Signal()
busy_times = Signal()


@dataclass
class ScheduleEntry:
    """
    One item of a delegate's schedule, as its page and its calendar feed show
    it. The agenda makes the "session" ones; other kinds come from receivers
    of `schedule_entries`.
    """

    kind: str  # "session", or a receiver's kind ("meeting")
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str = ""
    status: str = ""
    cancelled: bool = False
    people: list = field(default_factory=list)  # the others taking part, as display strings
    note: str = ""
    url: str = ""  # the item's page (may be a lazy string)
    clashes: bool = False  # set by the agenda: overlaps another live entry
    # A session's: its place on the waiting list, its snapshot item and sign-up.
    position: int | None = None
    item: dict | None = None
    signup_id: int | None = None
    # The calendar feed's (a session's come from its snapshot item): the UID
    # and SEQUENCE the item's other calendar files carry, its category, and
    # when it last changed (the feed's DTSTAMP is the newest of these).
    uid: str = ""
    sequence: int = 0
    category: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BusyTime:
    """A registration taken elsewhere from `starts_at` to `ends_at`."""

    registration_id: int
    starts_at: datetime
    ends_at: datetime
    # The conflict code the agenda builder shows for a speaker busy then
    # ("b2b": a B2B meeting), and the receiver's own object (the meeting's id).
    code: str
    ref: int | None = None


def overlaps(a_start, a_end, b_start, b_end):
    """True when the intervals [a_start, a_end) and [b_start, b_end) share time."""
    return a_start < b_end and b_start < a_end


def entries_for(*, registration, starts_at=None, ends_at=None, include_cancelled=False):
    """Every receiver's entries for `registration` (see `schedule_entries`)."""
    entries = []
    for _receiver, found in schedule_entries.send(
        sender=Registration,
        registration=registration,
        starts_at=starts_at,
        ends_at=ends_at,
        include_cancelled=include_cancelled,
    ):
        entries.extend(found or ())
    return entries


def busy_times_for(*, conference, registration_ids):
    """Every receiver's busy times for `registration_ids` (see `busy_times`)."""
    found_times = []
    for _receiver, found in busy_times.send(
        sender=Registration, conference=conference, registration_ids=registration_ids
    ):
        found_times.extend(found or ())
    return found_times
