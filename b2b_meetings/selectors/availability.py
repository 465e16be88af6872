"""
Slots as a group of people sees them: who marked a slot unavailable, spends
it in a session or in a meeting, and how many tables are left.
"""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from b2b_meetings.models import Meeting, MeetingSeat, MeetingSlot, Table, Unavailability
from sessions_app.models import SessionSignup


@dataclass
class SlotState:
    slot: MeetingSlot
    unavailable: bool = False
    sessions: list = field(default_factory=list)
    in_meeting: bool = False
    free_tables: int = 0

    @property
    def is_free(self):
        return not (self.unavailable or self.sessions or self.in_meeting)

    @property
    def is_past(self):
        return self.slot.starts_at <= timezone.now()


def slot_states(*, conference, registrations, exclude_meeting=None):
    """
    Every slot of `conference`, with per slot whether any of `registrations`
    marked it unavailable, spends it in a session they signed up for, or sits
    in a meeting then (other than `exclude_meeting`), and how many tables are
    still free. Six queries, whatever the number of slots.
    """
    ids = [r.pk for r in registrations]
    slots = list(MeetingSlot.objects.filter(conference=conference).order_by("starts_at"))
    states = {slot.pk: SlotState(slot=slot) for slot in slots}
    for slot_id in Unavailability.objects.filter(
        registration__in=ids, slot__conference=conference
    ).values_list("slot_id", flat=True):
        states[slot_id].unavailable = True
    seats = MeetingSeat.objects.filter(
        registration__in=ids, is_active=True, slot__conference=conference
    )
    if exclude_meeting is not None:
        seats = seats.exclude(meeting=exclude_meeting)
    for slot_id in seats.values_list("slot_id", flat=True):
        states[slot_id].in_meeting = True
    if slots:
        sessions = list(
            SessionSignup.objects.filter(
                registration__in=ids,
                status=SessionSignup.Status.CONFIRMED,
                session__conference=conference,
                session__is_cancelled=False,
                session__starts_at__lt=slots[-1].ends_at,
                session__ends_at__gt=slots[0].starts_at,
            )
            .values_list("session__title", "session__starts_at", "session__ends_at")
            .distinct()
        )
        for state in states.values():
            for title, starts_at, ends_at in sessions:
                if starts_at < state.slot.ends_at and ends_at > state.slot.starts_at:
                    state.sessions.append(title)
    tables = Table.objects.filter(conference=conference, is_active=True).count()
    busy = dict(
        Meeting.objects.filter(
            conference=conference, status=Meeting.Status.ACTIVE, table__is_active=True
        )
        .values("slot")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("slot", "n")
    )
    for state in states.values():
        state.free_tables = max(0, tables - busy.get(state.slot.pk, 0))
    return [states[slot.pk] for slot in slots]


def slots_free_for(*, conference, registrations, exclude_meeting=None):
    """
    The future slots in which all of `registrations` are free and a table is
    left: what a recipient may choose from when accepting, and a participant
    when rescheduling.
    """
    return [
        state.slot
        for state in slot_states(
            conference=conference, registrations=registrations, exclude_meeting=exclude_meeting
        )
        if state.is_free and state.free_tables > 0 and not state.is_past
    ]


def slot_for_conference(*, conference, slot_id):
    """The slot `slot_id` of `conference`, or None."""
    return MeetingSlot.objects.filter(conference=conference, pk=slot_id).first()
