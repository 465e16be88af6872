"""
Reads of the B2B auto-scheduler's pages, scoped to the organiser's
conference: a run of another conference is not found. A fixed number of
queries per page, whatever the size of the preview.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot, Table
from b2b_meetings.rules import request_participants
from b2b_meetings.scheduler import engine
from b2b_meetings.scheduler.constants import JOB_KIND, NOT_APPROVED
from b2b_meetings.selectors import organiser_grid
from conference.core.models import Job

REASON_LABELS = {
    engine.NO_PARTICIPANTS: _("nobody from the organisation has taken the request on"),
    NOT_APPROVED: _("a participant's registration is no longer approved"),
    engine.NO_COMMON_SLOT: _(
        "no slot in which both are available (marked unavailable, or in a session)"
    ),
    engine.BUSY: _("every slot both have free already holds one of their meetings"),
    engine.NO_TABLE: _("every slot both have free has no table left"),
    engine.PERSON_CAP: _("a participant already has the most meetings allowed"),
    engine.ORGANISATION_CAP: _("an organisation already has the most meetings allowed"),
    engine.TAKEN: _("the slots both have free went to other meetings"),
    engine.PERSON_CAP_FILLED: _("a participant reached the meeting limit with other meetings"),
    engine.ORGANISATION_CAP_FILLED: _(
        "an organisation reached its meeting limit with other meetings"
    ),
    engine.TABLES_FULL: _("the tables of the slots both have free went to other meetings"),
}

# Rows of a long preview shown on the page; the counts cover all of them.
SHOWN = 200


def run_for_access(*, access, job_id):
    """A scheduler run of the organiser's conference, or None."""
    return (
        Job.objects.filter(pk=job_id, conference=access.conference, kind=JOB_KIND)
        .select_related("created_by")
        .first()
    )


def latest_runs(*, conference, limit=5):
    return list(Job.objects.filter(conference=conference, kind=JOB_KIND).order_by("-pk")[:limit])


def active_run(*, conference):
    return (
        Job.objects.filter(
            conference=conference,
            kind=JOB_KIND,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        )
        .order_by("-pk")
        .first()
    )


@dataclass
class Overview:
    pending: int
    slots_ahead: int
    tables: int
    meetings: int
    locked: int


def overview(*, conference, now=None):
    """What a run would work with: wishes to place, slots ahead, tables, meetings."""
    now = now or timezone.now()
    pending = (
        MeetingRequest.objects.filter(
            conference=conference, status=MeetingRequest.Status.SCHEDULING
        )
        .exclude(meetings__status=Meeting.Status.ACTIVE)
        .count()
    )
    meetings = Meeting.objects.filter(
        conference=conference, status=Meeting.Status.ACTIVE
    ).aggregate(all=Count("pk"), locked=Count("pk", filter=Q(locked=True)))
    return Overview(
        pending=pending,
        slots_ahead=MeetingSlot.objects.filter(conference=conference, starts_at__gt=now).count(),
        tables=Table.objects.filter(conference=conference, is_active=True).count(),
        meetings=meetings["all"],
        locked=meetings["locked"],
    )


# Why a wish did not fit, in the organiser's words: the engine's reasons
# (REASON_LABELS, one per request) grouped into the few causes a summary names.
NO_COMMON_TIME = "no_common_time"
PERSON_LIMIT = "person_limit"
ORGANISATION_LIMIT = "organisation_limit"
NO_TABLE_FREE = "no_table_free"
NOBODY = "nobody"
NO_LONGER_APPROVED = "no_longer_approved"
OTHER = "other"

CAUSE_OF = {
    engine.NO_COMMON_SLOT: NO_COMMON_TIME,
    engine.BUSY: NO_COMMON_TIME,
    engine.TAKEN: NO_COMMON_TIME,
    engine.PERSON_CAP: PERSON_LIMIT,
    engine.PERSON_CAP_FILLED: PERSON_LIMIT,
    engine.ORGANISATION_CAP: ORGANISATION_LIMIT,
    engine.ORGANISATION_CAP_FILLED: ORGANISATION_LIMIT,
    engine.NO_TABLE: NO_TABLE_FREE,
    engine.TABLES_FULL: NO_TABLE_FREE,
    engine.NO_PARTICIPANTS: NOBODY,
    NOT_APPROVED: NO_LONGER_APPROVED,
}
CAUSE_ORDER = (
    NO_COMMON_TIME,
    PERSON_LIMIT,
    ORGANISATION_LIMIT,
    NO_TABLE_FREE,
    NOBODY,
    NO_LONGER_APPROVED,
    OTHER,
)


def cause_text(cause, n):
    """'3 wishes: no common free slot…', in the active language."""
    if cause == NO_COMMON_TIME:
        text = ngettext(
            "%(n)s wish: no common free slot (the two are never free at the same time)",
            "%(n)s wishes: no common free slot (the two are never free at the same time)",
            n,
        )
    elif cause == PERSON_LIMIT:
        text = ngettext(
            "%(n)s wish: a person already has the most meetings allowed",
            "%(n)s wishes: a person already has the most meetings allowed",
            n,
        )
    elif cause == ORGANISATION_LIMIT:
        text = ngettext(
            "%(n)s wish: an organisation already has the most meetings allowed",
            "%(n)s wishes: an organisation already has the most meetings allowed",
            n,
        )
    elif cause == NO_TABLE_FREE:
        text = ngettext(
            "%(n)s wish: no table is free when both could meet",
            "%(n)s wishes: no table is free when both could meet",
            n,
        )
    elif cause == NOBODY:
        text = ngettext(
            "%(n)s wish: nobody from the organisation asked has taken it on",
            "%(n)s wishes: nobody from the organisation asked has taken them on",
            n,
        )
    elif cause == NO_LONGER_APPROVED:
        text = ngettext(
            "%(n)s wish: a person's registration is no longer approved",
            "%(n)s wishes: a person's registration is no longer approved",
            n,
        )
    else:
        text = ngettext(
            "%(n)s wish: it does not fit around the other meetings",
            "%(n)s wishes: they do not fit around the other meetings",
            n,
        )
    return text % {"n": n}


def headline(*, wishes, fit):
    """'All 42 wished meetings fit.' or '38 of 42 wished meetings fit; 4 cannot, because:'."""
    if not wishes:
        return gettext("No wished meeting is waiting for a time.")
    left = wishes - fit
    if not left:
        if wishes == 1:
            return gettext("The one wished meeting fits.")
        return ngettext(
            "All %(n)s wished meeting fits.", "All %(n)s wished meetings fit.", wishes
        ) % {"n": wishes}
    return ngettext(
        "%(fit)s of %(n)s wished meetings fit; %(left)s cannot, because:",
        "%(fit)s of %(n)s wished meetings fit; %(left)s cannot, because:",
        left,
    ) % {"fit": fit, "n": wishes, "left": left}


@dataclass
class Proposed:
    """A meeting of a run's proposal: a new one for a wish, or an existing one that moves."""

    slot: MeetingSlot
    table: Table | None  # None: a table taken out of use since the run
    people: list  # registrations, with their users and organisations
    request: MeetingRequest | None = None  # the wish of a new meeting
    meeting: Meeting | None = None  # the meeting that moves
    from_slot: MeetingSlot | None = None
    from_table: Table | None = None

    @property
    def moves(self):
        return self.meeting is not None

    @property
    def sides(self):
        """Each side in a word: its organisation, or the person without one."""
        return [p.organisation.name if p.organisation else p.user.display_name for p in self.people]


@dataclass
class Cell:
    """A cell of the preview grid: a meeting that stays, a new one, or one that moves in."""

    state: str  # "stays", "new" or "moved"
    people: list
    proposed: Proposed | None = None
    meeting: Meeting | None = None


@dataclass
class Preview:
    counts: dict
    headline: str  # "All 42 wished meetings fit." / "38 of 42 …; 4 cannot, because:"
    causes: list  # [sentence], for the wishes that do not fit
    declined: int  # wishes of the conference their recipient declined
    gap_percent: float
    optimal: bool
    seconds: float
    proposed: list = field(default_factory=list)  # [Proposed] by time and table
    moves: list = field(default_factory=list)  # [Proposed] that move, by time and table
    tables: list = field(default_factory=list)  # the grid's columns
    rows: list = field(default_factory=list)  # [(slot, [(table, Cell or None)])]
    unscheduled: list = field(default_factory=list)  # (request, people, reason label)
    without: list = field(default_factory=list)  # (registration, [(other, reason label)])


def preview(*, conference, job, shown=SHOWN):
    """
    The proposal of a finished run in plain terms: who meets whom, where and
    when (as a list and on the grid of the slots ahead, with the meetings that
    stay), the moves, which wishes do not fit and why, and who gets no meeting
    at all. Lists stop after `shown` rows (None: all of them, for the CSV);
    the counts and the grid cover everything. At most seven queries whatever
    the size: the grid's four, the wishes, the people left without a
    meeting and the declined count.
    """
    result = job.result
    placements = result.get("placements", [])
    moves = result.get("moves", [])
    unscheduled = result.get("unscheduled", [])
    without_ids = result.get("without", [])[:shown]
    counts = result.get("counts", {})

    grid = organiser_grid(conference=conference)
    slots = {s.pk: s for s in grid.slots}
    tables = {t.pk: t for t in grid.tables}
    column = {t.pk: i for i, t in enumerate(grid.tables)}
    meetings = {m.pk: m for _slot, cells in grid.rows for _table, m in cells if m}
    meetings.update((m.pk, m) for m in grid.off_grid)

    shown_requests = [rid for rid, _reason in unscheduled[:shown]]
    reason_of = dict(unscheduled)
    without_set = set(without_ids)
    related = (
        "requester__user",
        "requester__organisation",
        "target_registration__user",
        "target_registration__organisation",
        "responded_by__user",
        "responded_by__organisation",
        "target_organisation",
    )
    # The wishes placed, those shown as left out, and those of the people
    # left without a meeting (for "why").
    requests = {
        r.pk: r
        for r in MeetingRequest.objects.filter(
            Q(pk__in=[p[0] for p in placements] + shown_requests)
            | Q(pk__in=list(reason_of), requester__in=without_ids)
            | Q(pk__in=list(reason_of), target_registration__in=without_ids)
            | Q(pk__in=list(reason_of), responded_by__in=without_ids)
        ).select_related(*related)
    }
    people = {
        r.pk: r
        for r in Registration.objects.filter(pk__in=without_ids).select_related(
            "user", "organisation"
        )
    }
    declined = MeetingRequest.objects.filter(
        conference=conference, status=MeetingRequest.Status.DECLINED
    ).count()

    proposed = [
        Proposed(
            slot=slots[slot_id],
            table=tables.get(table_id),
            people=request_participants(requests[rid]),
            request=requests[rid],
        )
        for rid, slot_id, table_id in placements
        if rid in requests and slot_id in slots
    ]
    proposed += [
        Proposed(
            slot=slots[slot_id],
            table=tables.get(table_id),
            people=[seat.registration for seat in meetings[mid].seats.all()],
            meeting=meetings[mid],
            from_slot=slots.get(old_slot),
            from_table=tables.get(old_table),
        )
        for mid, old_slot, old_table, slot_id, table_id in moves
        if mid in meetings and slot_id in slots
    ]
    proposed.sort(key=lambda p: (p.slot.starts_at, column.get(p.table and p.table.pk, 0)))

    # The grid of the slots the run could use, as it would be after committing.
    at = {(p.slot.pk, p.table.pk): p for p in proposed if p.table}
    moving = {p.meeting.pk for p in proposed if p.moves}
    rows = []
    for slot, cells in grid.rows:
        if slot.starts_at <= job.created_at:
            continue
        row = []
        for table, meeting in cells:
            here = at.get((slot.pk, table.pk))
            if here:
                cell = Cell("moved" if here.moves else "new", here.people, here, here.meeting)
            elif meeting and meeting.pk not in moving:
                cell = Cell("stays", [s.registration for s in meeting.seats.all()], None, meeting)
            else:
                cell = None
            row.append((table, cell))
        rows.append((slot, row))

    why = defaultdict(list)
    for request in requests.values():
        if request.pk not in reason_of:
            continue
        members = request_participants(request)
        for person in members:
            if person.pk in without_set:
                others = [p for p in members if p.pk != person.pk]
                other = others[0] if others else request.target_organisation
                why[person.pk].append((other, _reason_label(reason_of[request.pk])))

    causes = Counter(CAUSE_OF.get(reason, OTHER) for reason in reason_of.values())
    wishes = counts.get("requests", 0)
    fit = counts.get("new", 0)
    return Preview(
        counts=counts,
        headline=headline(wishes=wishes, fit=fit),
        causes=[cause_text(cause, causes[cause]) for cause in CAUSE_ORDER if causes[cause]],
        declined=declined,
        gap_percent=result.get("gap_percent", 0.0),
        optimal=result.get("objective", 0) >= result.get("bound", 0),
        seconds=result.get("seconds", 0.0),
        proposed=proposed[:shown],
        moves=[p for p in proposed if p.moves][:shown],
        tables=grid.tables,
        rows=rows,
        unscheduled=[
            (requests[rid], request_participants(requests[rid]), _reason_label(reason_of[rid]))
            for rid in shown_requests
            if rid in requests
        ],
        without=[(people[p], why[p]) for p in without_ids if p in people],
    )


def _reason_label(reason):
    return REASON_LABELS.get(reason, reason)
