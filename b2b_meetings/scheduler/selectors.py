"""
Reads of the B2B auto-scheduler's pages, scoped to the organiser's
conference: a run of another conference is not found. A fixed number of
queries per page, whatever the size of the preview.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot, Table
from b2b_meetings.scheduler import engine
from b2b_meetings.scheduler.constants import JOB_KIND, NOT_APPROVED
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
    """What a run would work with: requests to place, slots ahead, tables, meetings."""
    now = now or timezone.now()
    pending = (
        MeetingRequest.objects.filter(conference=conference, status=MeetingRequest.Status.ACCEPTED)
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


@dataclass
class Preview:
    counts: dict
    objective: int
    bound: int
    gap_percent: float
    greedy_objective: int
    seconds: float
    optimal: bool
    per_slot: list = field(default_factory=list)  # (slot, new, moved)
    moves: list = field(default_factory=list)  # (meeting, from slot, to slot, to table)
    unscheduled: list = field(default_factory=list)  # (request, people, reason label)
    reasons: list = field(default_factory=list)  # (label, count)
    without: list = field(default_factory=list)  # (registration, [(other, reason label)])


def preview(*, job):
    """The preview of a finished run, with the rows it names (six queries)."""
    result = job.result
    placements = result.get("placements", [])
    moves = result.get("moves", [])
    unscheduled = result.get("unscheduled", [])
    without_ids = result.get("without", [])

    slot_ids = {p[1] for p in placements} | {m[1] for m in moves} | {m[3] for m in moves}
    slots = {s.pk: s for s in MeetingSlot.objects.filter(pk__in=slot_ids)}
    tables = {
        t.pk: t
        for t in Table.objects.filter(pk__in={m[4] for m in moves[:SHOWN]}).select_related("room")
    }
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=[m[0] for m in moves[:SHOWN]])}
    shown_requests = [rid for rid, _reason in unscheduled[:SHOWN]]
    reason_of = dict(unscheduled)
    without_set = set(without_ids)
    # The requests of people left without a meeting, for "why".
    requests = {
        r.pk: r
        for r in MeetingRequest.objects.filter(
            Q(pk__in=shown_requests)
            | Q(pk__in=list(reason_of), requester__in=without_ids[:SHOWN])
            | Q(pk__in=list(reason_of), target_registration__in=without_ids[:SHOWN])
            | Q(pk__in=list(reason_of), responded_by__in=without_ids[:SHOWN])
        ).select_related(
            "requester__user",
            "requester__organisation",
            "target_registration__user",
            "target_registration__organisation",
            "responded_by__user",
            "responded_by__organisation",
            "target_organisation",
        )
    }
    people = {
        r.pk: r
        for r in Registration.objects.filter(pk__in=without_ids[:SHOWN]).select_related(
            "user", "organisation"
        )
    }

    new_per_slot = Counter(p[1] for p in placements)
    moved_per_slot = Counter(m[3] for m in moves)
    per_slot = [
        (slot, new_per_slot[slot.pk], moved_per_slot[slot.pk])
        for slot in sorted(slots.values(), key=lambda s: s.starts_at)
        if new_per_slot[slot.pk] or moved_per_slot[slot.pk]
    ]

    def label(reason):
        return REASON_LABELS.get(reason, reason)

    def participants(request):
        other = request.target_registration or request.responded_by
        return [request.requester, other] if other else [request.requester]

    why = defaultdict(list)
    for request in requests.values():
        if request.pk not in reason_of:
            continue
        members = participants(request)
        for person in members:
            if person.pk in without_set:
                others = [p for p in members if p.pk != person.pk]
                other = others[0] if others else request.target_organisation
                why[person.pk].append((other, label(reason_of[request.pk])))
    return Preview(
        counts=result.get("counts", {}),
        objective=result.get("objective", 0),
        bound=result.get("bound", 0),
        gap_percent=result.get("gap_percent", 0.0),
        greedy_objective=result.get("greedy_objective", 0),
        seconds=result.get("seconds", 0.0),
        optimal=result.get("objective", 0) >= result.get("bound", 0),
        per_slot=per_slot,
        moves=[
            (meetings.get(mid), slots.get(old_slot), slots.get(slot_id), tables.get(table_id))
            for mid, old_slot, _old_table, slot_id, table_id in moves[:SHOWN]
        ],
        unscheduled=[
            (requests[rid], participants(requests[rid]), label(reason_of[rid]))
            for rid in shown_requests
            if rid in requests
        ],
        reasons=sorted(
            ((label(reason), n) for reason, n in Counter(reason_of.values()).items()),
            key=lambda item: -item[1],
        ),
        without=[(people[p], why[p]) for p in without_ids[:SHOWN] if p in people],
    )
