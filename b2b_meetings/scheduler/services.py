"""
Writes of the B2B auto-scheduler: start a run, run it (in the `long`
queue), cancel it, commit or discard its preview.

A run is a `conference.core.models.Job` of kind `b2b.schedule`. Its `params` are
the organiser's options; its `result` holds the preview (the meetings to
create and to move, what got nothing and why, the counts and the bound)
and, once decided, its fate (`state`: preview, committing, committed,
discarded).

Committing runs in the background too (a large schedule is thousands of
rows and emails) and writes the whole preview in one transaction or nothing: it
takes the locks of `b2b_meetings.services` in the same order (requests →
meetings → registrations by pk → organisations → slots), checks that every
placement still fits (the requests are still accepted and unscheduled, the
people free and available, the tables free, the caps held), and leaves the
database the last word through the partial unique constraints on seats
and tables. A preview that went stale fails with `SchedulePreviewStale`
and a message for the organiser; nothing is written. Each participant gets
one email listing their new and moved meetings, with one calendar file.
"""

import datetime
import logging
import time
from collections import Counter, defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar

from accounts.models import Registration, User
from b2b_meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)
from b2b_meetings.scheduler import engine
from b2b_meetings.services import B2BError, meeting_ics, registrations_lock
from conference.core.models import Conference, Job, Organisation, OrganisationKind
from conference.core.services import audit_record, email_queue
from sessions_app.models import SessionSignup

logger = logging.getLogger(__name__)

JOB_KIND = "b2b.schedule"
# Organisation kinds the organiser may put first.
BOOSTED_KINDS = (OrganisationKind.FINANCIER, OrganisationKind.OEM)
# How much a request from or to a boosted kind weighs on top of its priority
# (1–3): a boosted "nice to have" outweighs an unboosted "essential".
BOOST = 3
# A run that has not reported for this long (beyond its time limit) died
# with its worker; a new run may start.
STALE_AFTER_S = 300
# Why a request was kept out of the engine (next to engine.REASONS).
NOT_APPROVED = "not_approved"
TIME_LIMITS = (10, 30, 60, 120)


class SchedulerError(B2BError):
    """A scheduler action that cannot be done; the message is for the organiser."""


class SchedulePreviewStale(SchedulerError):
    """The preview no longer fits the database; nothing was written."""


# Building the instance -------------------------------------------------------------


class Built:
    """An engine instance and what maps it back to rows."""

    def __init__(self):
        self.instance = None
        self.excluded = {}  # request id -> reason, for requests kept out of the engine
        self.request_people = {}  # request id -> [registration ids]
        self.moved_from = {}  # meeting id -> (slot id, table id)


def _participants(request):
    """The registrations meeting for an accepted request (the requester and who accepted)."""
    other = request.target_registration or request.responded_by
    return [r for r in (request.requester, other) if r is not None]


def _boosted(people):
    return any(p.organisation is not None and p.organisation.kind in BOOSTED_KINDS for p in people)


def _overlapping_slots(slots, starts_at, ends_at):
    return [s.pk for s in slots if s.starts_at < ends_at and s.ends_at > starts_at]


def instance_build(*, conference, reoptimise=False, boost=False, now=None):
    """
    The scheduling problem of `conference` now: its future slots and tables
    in use; every accepted request without an active meeting; who is
    unavailable when (marked slots, confirmed sessions that overlap, active
    meetings); the caps. Existing meetings stay where they are, except that
    with `reoptimise` the unlocked ones in future slots at tables in use may
    move. A fixed number of queries, whatever the size.
    """
    now = now or timezone.now()
    built = Built()
    slots = list(
        MeetingSlot.objects.filter(conference=conference, starts_at__gt=now).order_by("starts_at")
    )
    slot_ids = {s.pk for s in slots}
    tables = list(
        Table.objects.filter(conference=conference, is_active=True)
        .order_by("room__position", "room__name", "label")
        .values_list("pk", flat=True)
    )
    table_ids = set(tables)

    requests = list(
        MeetingRequest.objects.filter(conference=conference, status=MeetingRequest.Status.ACCEPTED)
        .exclude(meetings__status=Meeting.Status.ACTIVE)
        .select_related(
            "requester__organisation",
            "target_registration__organisation",
            "responded_by__organisation",
        )
        .order_by("pk")
    )
    engine_requests = []
    people = set()
    for request in requests:
        participants = _participants(request)
        ids = [p.pk for p in participants]
        built.request_people[request.pk] = ids
        if len(participants) < 2:
            built.excluded[request.pk] = engine.NO_PARTICIPANTS
            continue
        if any(not p.is_approved for p in participants):
            built.excluded[request.pk] = NOT_APPROVED
            continue
        weight = request.priority + (BOOST if boost and _boosted(participants) else 0)
        engine_requests.append(engine.Request(id=request.pk, people=tuple(ids), weight=weight))
        people.update(ids)

    fixed = []
    seats = defaultdict(list)
    for meeting_id, registration_id in MeetingSeat.objects.filter(
        meeting__conference=conference, meeting__status=Meeting.Status.ACTIVE
    ).values_list("meeting_id", "registration_id"):
        seats[meeting_id].append(registration_id)
    meetings = Meeting.objects.filter(conference=conference, status=Meeting.Status.ACTIVE).values(
        "pk", "slot_id", "table_id", "locked", "request_id", "request__priority"
    )
    for meeting in meetings:
        members = tuple(sorted(seats[meeting["pk"]]))
        people.update(members)
        movable = (
            reoptimise
            and not meeting["locked"]
            and meeting["slot_id"] in slot_ids
            and meeting["table_id"] in table_ids
            and len(members) >= 2
        )
        if movable:
            # Moving meetings are requests with negative ids (meeting ids),
            # so they never clash with the ids of pending requests.
            engine_requests.append(
                engine.Request(
                    id=-meeting["pk"],
                    people=members,
                    weight=meeting["request__priority"] or MeetingRequest.Priority.NORMAL,
                    current=(meeting["slot_id"], meeting["table_id"]),
                )
            )
            built.moved_from[meeting["pk"]] = (meeting["slot_id"], meeting["table_id"])
        else:
            fixed.append(
                engine.FixedMeeting(
                    people=members,
                    slot=meeting["slot_id"],
                    table=meeting["table_id"],
                )
            )

    unavailable = defaultdict(set)
    for registration_id, slot_id in Unavailability.objects.filter(
        registration__in=people, slot__in=slot_ids
    ).values_list("registration_id", "slot_id"):
        unavailable[registration_id].add(slot_id)
    if slots:
        signups = SessionSignup.objects.filter(
            registration__in=people,
            status=SessionSignup.Status.CONFIRMED,
            session__conference=conference,
            session__is_cancelled=False,
            session__starts_at__lt=slots[-1].ends_at,
            session__ends_at__gt=slots[0].starts_at,
        ).values_list("registration_id", "session__starts_at", "session__ends_at")
        for registration_id, starts_at, ends_at in signups:
            unavailable[registration_id].update(_overlapping_slots(slots, starts_at, ends_at))

    organisation_of = dict(
        Registration.objects.filter(pk__in=people, organisation__isnull=False).values_list(
            "pk", "organisation_id"
        )
    )
    built.instance = engine.Instance(
        slots=tuple(s.pk for s in slots),
        tables=tuple(tables),
        requests=tuple(engine_requests),
        unavailable={p: frozenset(s) for p, s in unavailable.items()},
        fixed=tuple(fixed),
        person_cap=conference.b2b_max_meetings_per_delegate,
        organisation_of=organisation_of,
        organisation_cap=conference.b2b_max_meetings_per_organisation,
    )
    return built


# Starting, running, cancelling -----------------------------------------------------------


def _active_runs(conference):
    return Job.objects.filter(
        conference=conference,
        kind=JOB_KIND,
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
    )


def _is_stale(job, now):
    limit = job.params.get("time_limit", 60)
    return job.created_at < now - datetime.timedelta(seconds=limit + STALE_AFTER_S)


def schedule_start(*, conference, actor, reoptimise=False, boost=False, time_limit=30):
    """
    Start a scheduler run for `conference` in the background (queue `long`)
    and return its Job. One run at a time per conference: the conference
    row is locked while checking, and a run that died with its worker (no
    end long after its time limit) is marked failed rather than blocking.
    """
    from b2b_meetings.scheduler.tasks import schedule_run_task
    from conference.core.tasks import enqueue

    if time_limit not in TIME_LIMITS:
        raise SchedulerError(_("Choose one of the offered time limits."))
    now = timezone.now()
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()
        for job in _active_runs(conference):
            if not _is_stale(job, now):
                raise SchedulerError(
                    _("The scheduler is already running. Wait for it to finish or cancel it.")
                )
            job.status = Job.Status.FAILED
            job.message = _("The run stopped without finishing.")
            job.finished_at = now
            job.save(update_fields=["status", "message", "finished_at"])
        job = Job.objects.create(
            conference=conference,
            kind=JOB_KIND,
            total=100,
            message=_("Waiting for a worker…"),
            params={"reoptimise": reoptimise, "boost": boost, "time_limit": time_limit},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.schedule.start",
            obj=job,
            summary=f"Scheduler run {job.pk} started",
            data=job.params,
        )
        enqueue(schedule_run_task, job.pk)
    return job


PHASES = {
    "prepare": _("Reading the requests…"),
    "greedy": _("First schedule ready; looking for a better one…"),
    "bound": _("Bound computed; improving the schedule…"),
    "search": _("Improving the schedule…"),
    "solve": _("Solving the exact model…"),
    "done": _("Finishing…"),
}


class _Reporter:
    """Progress into the Job row (at most twice a second) and cancel requests out of it."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last_write = 0.0
        self.last_read = 0.0
        self.cancel = False

    def progress(self, phase, fraction, objective, bound):
        now = time.monotonic()
        if now - self.last_write < 0.5 and phase != "done":
            return
        self.last_write = now
        message = str(PHASES.get(phase, phase))
        if objective:
            message += " " + _("%(n)s placed (bound %(bound)s).") % {
                "n": objective,
                "bound": bound,
            }
        Job.objects.filter(pk=self.job_id).update(done=round(100 * fraction), message=message[:300])

    def should_stop(self):
        now = time.monotonic()
        if not self.cancel and now - self.last_read >= 1.0:
            self.last_read = now
            self.cancel = Job.objects.filter(pk=self.job_id, cancel_requested=True).exists()
        return self.cancel


def schedule_run(*, job_id):
    """
    Run the scheduler for Job `job_id` and store its preview in the job.
    Only a queued job runs (a redelivered task finds it taken and returns);
    progress and the cancel flag go through the job row; a failure marks the
    job failed with a message, and is logged.
    """
    claimed = Job.objects.filter(pk=job_id, kind=JOB_KIND, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, message=str(PHASES["prepare"])
    )
    if not claimed:
        return None
    job = Job.objects.select_related("conference").get(pk=job_id)
    reporter = _Reporter(job_id)
    try:
        if job.cancel_requested:
            return _finish(job, Job.Status.CANCELLED, _("Cancelled."), {})
        with translation.override(settings.LANGUAGE_CODE):
            built = instance_build(
                conference=job.conference,
                reoptimise=job.params.get("reoptimise", False),
                boost=job.params.get("boost", False),
            )
            result = engine.schedule(
                built.instance,
                time_limit=float(job.params.get("time_limit", 30)),
                on_progress=reporter.progress,
                should_stop=reporter.should_stop,
            )
            problems = engine.validate(built.instance, result.placements)
            if problems:
                raise RuntimeError("invalid schedule: " + "; ".join(problems[:3]))
            if result.cancelled:
                return _finish(job, Job.Status.CANCELLED, _("Cancelled."), {})
            preview = _preview(built, result)
    except Exception:
        logger.exception("Scheduler run %s failed", job_id)
        return _finish(job, Job.Status.FAILED, _("The scheduler failed. Please try again."), {})
    counts = preview["counts"]
    message = _("%(new)s new meetings, %(moved)s moved, %(left)s requests without a slot.") % {
        "new": counts["new"],
        "moved": counts["moved"],
        "left": counts["unscheduled"],
    }
    return _finish(job, Job.Status.DONE, message, preview)


def _finish(job, status, message, result):
    job.status = status
    job.message = str(message)[:300]
    job.result = result
    job.finished_at = timezone.now()
    fields = ["status", "message", "result", "finished_at"]
    if status == Job.Status.DONE:
        # Otherwise the progress stays as the run last reported it: this
        # copy of the job was read before the reports.
        job.done = job.total
        fields.append("done")
    job.save(update_fields=fields)
    return job


def _preview(built, result):
    """The job's result: what to create and move, and what got nothing and why."""
    placements = []
    moves = []
    for rid, (slot_id, table_id) in sorted(result.placements.items()):
        if rid > 0:
            placements.append([rid, slot_id, table_id])
        else:
            old = built.moved_from[-rid]
            if old != (slot_id, table_id):
                moves.append([-rid, old[0], old[1], slot_id, table_id])
    unscheduled = dict(built.excluded)
    unscheduled.update(result.unscheduled)
    # People with at least one request here and no meeting at all afterwards.
    meetings_of = Counter()
    for meeting in built.instance.fixed:
        meetings_of.update(meeting.people)
    people_of = {r.id: r.people for r in built.instance.requests}
    for rid in result.placements:
        meetings_of.update(people_of[rid])
    without = sorted(
        {p for rid in unscheduled for p in built.request_people.get(rid, []) if meetings_of[p] == 0}
    )
    return {
        "state": "preview",
        "placements": placements,
        "moves": moves,
        "unscheduled": sorted([rid, reason] for rid, reason in unscheduled.items()),
        "without": without,
        "counts": {
            "requests": len(built.request_people),
            "new": len(placements),
            "moved": len(moves),
            "unscheduled": len(unscheduled),
            "without": len(without),
        },
        "objective": result.objective,
        "bound": result.bound,
        "gap_percent": round(100 * result.gap, 2),
        "greedy_objective": result.greedy_objective,
        "method": result.method,
        "seconds": result.seconds,
    }


def schedule_cancel(*, job, actor):
    """Ask a queued or running run to stop; a queued one is cancelled at once."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == Job.Status.QUEUED:
            job.cancel_requested = True
            _finish(job, Job.Status.CANCELLED, _("Cancelled."), {})
        elif job.status == Job.Status.RUNNING:
            job.cancel_requested = True
            job.message = _("Stopping…")
            job.save(update_fields=["cancel_requested", "message"])
        else:
            raise SchedulerError(_("This run has already finished."))
        audit_record(
            actor=actor,
            conference=job.conference,
            action="b2b.schedule.cancel",
            obj=job,
            summary=f"Scheduler run {job.pk} cancelled",
        )
    return job


def schedule_discard(*, job, actor):
    """Drop a run's preview: nothing is written."""
    with transaction.atomic():
        job = _lock_preview(job)
        job.result = {**job.result, "state": "discarded"}
        job.save(update_fields=["result"])
        audit_record(
            actor=actor,
            conference=job.conference,
            action="b2b.schedule.discard",
            obj=job,
            summary=f"Scheduler run {job.pk} discarded",
        )
    return job


def _lock_preview(job, *, saving=False):
    """Lock the job and check it holds a preview (or, with `saving`, one being saved)."""
    job = Job.objects.select_for_update(of=("self",)).select_related("conference").get(pk=job.pk)
    if job.kind != JOB_KIND or job.status != Job.Status.DONE:
        raise SchedulerError(_("This run has no schedule to commit."))
    state = job.result.get("state")
    if state == "committing" and not saving:
        raise SchedulerError(_("This schedule is being saved."))
    if state == "committed":
        raise SchedulerError(_("This schedule has already been committed."))
    if state == "discarded":
        raise SchedulerError(_("This schedule was discarded. Run the scheduler again."))
    return job


# Committing -----------------------------------------------------------------------


def schedule_commit_request(*, job, actor):
    """
    Queue the commit of a run's preview (queue `long`): a large schedule
    means thousands of rows and emails, more than a web request should
    wait for. The job's state is "committing" until the task has written
    all of it ("committed") or none of it (back to "preview", with the
    reason in `commit_error`).
    """
    from b2b_meetings.scheduler.tasks import schedule_commit_task
    from conference.core.tasks import enqueue

    with transaction.atomic():
        job = _lock_preview(job)
        if not job.result.get("placements") and not job.result.get("moves"):
            raise SchedulerError(_("This preview has nothing to commit."))
        job.result = {**job.result, "state": "committing", "commit_error": ""}
        job.save(update_fields=["result"])
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        enqueue(schedule_commit_task, job.pk, actor_id)
    return job


def schedule_commit_run(*, job_id, actor_id):
    """
    The commit task's body: `schedule_commit`, and if it cannot be done,
    the preview back with the reason for the organiser. Nothing is half
    written either way: the commit's transaction is all or nothing.
    """
    job = Job.objects.get(pk=job_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        return schedule_commit(job=job, actor=actor)
    except SchedulerError as exc:
        error = str(exc)
    except Exception:
        logger.exception("Committing scheduler run %s failed", job_id)
        error = _("Saving failed; nothing was saved. Please try again.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.result.get("state") == "committing":
            job.result = {**job.result, "state": "preview", "commit_error": str(error)}
            job.save(update_fields=["result"])
    return job


def _stale(problems):
    n = len(problems)
    example = problems[0]
    return SchedulePreviewStale(
        _(
            "The meetings changed since this preview was made (%(n)s placement no longer "
            "fits, e.g. %(example)s). Nothing was saved: run the scheduler again."
        )
        % {"n": n, "example": example}
        if n == 1
        else _(
            "The meetings changed since this preview was made (%(n)s placements no longer "
            "fit, e.g. %(example)s). Nothing was saved: run the scheduler again."
        )
        % {"n": n, "example": example}
    )


def schedule_commit(*, job, actor, now=None):
    """
    Write the preview of `job`: all of it in one transaction, or nothing.

    Locks, in the order of `b2b_meetings.services`: the job, the requests
    to schedule, the meetings to move, every participant's registration
    (by pk), their organisations when a per-organisation cap is set, and
    the slots involved. Then checks every placement against the database
    as it is now (requests still accepted and unscheduled, meetings to move
    unchanged and unlocked, people approved, free and available, tables in
    use and free, slots still ahead, caps held); any problem raises
    `SchedulePreviewStale` and writes nothing. Moves go in two steps
    (release every old place, then take the new ones) so that two meetings
    may swap places. The unique constraints on seats and tables have the
    last word: a clash found by the database is the same clean error.

    Each participant of a new or moved meeting gets one email listing them,
    with one calendar file holding every such meeting (dedup key per run
    and person). Returns the job.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = _lock_preview(job, saving=True)
        conference = job.conference
        result = job.result
        placements = result.get("placements", [])
        moves = result.get("moves", [])
        if not placements and not moves:
            raise SchedulerError(_("This preview has nothing to commit."))

        request_ids = sorted(p[0] for p in placements)
        requests = {
            r.pk: r
            for r in MeetingRequest.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=request_ids, conference=conference)
            .select_related("requester", "target_registration", "responded_by")
            .order_by("pk")
        }
        move_ids = sorted(m[0] for m in moves)
        moving = {
            m.pk: m
            for m in Meeting.objects.select_for_update(no_key=True)
            .filter(pk__in=move_ids, conference=conference)
            .order_by("pk")
        }
        seats_of = defaultdict(list)
        for meeting_id, registration_id in MeetingSeat.objects.filter(
            meeting__in=move_ids
        ).values_list("meeting_id", "registration_id"):
            seats_of[meeting_id].append(registration_id)

        problems = []
        wanted = []  # (kind, request or meeting, people ids, slot id, table id)
        for rid, slot_id, table_id in placements:
            request = requests.get(rid)
            if request is None or request.status != MeetingRequest.Status.ACCEPTED:
                problems.append(_("request %(id)s is no longer accepted") % {"id": rid})
                continue
            people = sorted(p.pk for p in _participants(request))
            wanted.append(("new", request, people, slot_id, table_id))
        for meeting_id, old_slot, old_table, slot_id, table_id in moves:
            meeting = moving.get(meeting_id)
            if (
                meeting is None
                or meeting.status != Meeting.Status.ACTIVE
                or meeting.locked
                or (meeting.slot_id, meeting.table_id) != (old_slot, old_table)
            ):
                problems.append(_("meeting %(id)s has changed") % {"id": meeting_id})
                continue
            wanted.append(("move", meeting, sorted(seats_of[meeting_id]), slot_id, table_id))
        if problems:
            raise _stale(problems)
        if (
            MeetingRequest.objects.filter(pk__in=request_ids)
            .filter(meetings__status=Meeting.Status.ACTIVE)
            .exists()
        ):
            raise _stale([_("a request has been booked meanwhile")])

        people_ids = sorted({p for item in wanted for p in item[2]})
        people = {r.pk: r for r in registrations_lock(conference=conference, ids=people_ids)}
        if conference.b2b_max_meetings_per_organisation is not None:
            org_ids = sorted({r.organisation_id for r in people.values() if r.organisation_id})
            list(
                Organisation.objects.select_for_update(no_key=True)
                .filter(pk__in=org_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        slot_ids = sorted({item[3] for item in wanted})
        slots = {
            s.pk: s
            for s in MeetingSlot.objects.select_for_update(no_key=True)
            .filter(pk__in=slot_ids, conference=conference)
            .order_by("pk")
        }
        tables = {
            t.pk: t
            for t in Table.objects.filter(
                pk__in={item[4] for item in wanted}, conference=conference
            ).select_related("room")
        }
        problems = _check(conference, wanted, people, slots, tables, move_ids, now)
        if problems:
            raise _stale(problems)

        created, moved = _write(conference, wanted, actor, move_ids)
        job.result = {
            **result,
            "state": "committed",
            "commit_error": "",
            "committed_at": now.isoformat(),
        }
        job.save(update_fields=["result"])
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.schedule.commit",
            obj=job,
            summary=f"Scheduler run {job.pk}: {len(created)} meetings created, {len(moved)} moved",
            data={"created": len(created), "moved": len(moved)},
        )
        _email_participants(job, conference, created, moved, people)
    return job


def _check(conference, wanted, people, slots, tables, move_ids, now):
    """Everything that no longer fits, as messages (empty: all fits)."""
    problems = []
    ids = list(people)
    slot_ids = list(slots)
    taken_seats = set(
        MeetingSeat.objects.filter(registration__in=ids, slot__in=slot_ids, is_active=True)
        .exclude(meeting__in=move_ids)
        .values_list("registration_id", "slot_id")
    )
    taken_tables = set(
        Meeting.objects.filter(
            conference=conference, slot__in=slot_ids, status=Meeting.Status.ACTIVE
        )
        .exclude(pk__in=move_ids)
        .values_list("table_id", "slot_id")
    )
    marked = set(
        Unavailability.objects.filter(registration__in=ids, slot__in=slot_ids).values_list(
            "registration_id", "slot_id"
        )
    )
    sessions = defaultdict(list)
    for registration_id, starts_at, ends_at in SessionSignup.objects.filter(
        registration__in=ids,
        status=SessionSignup.Status.CONFIRMED,
        session__conference=conference,
        session__is_cancelled=False,
    ).values_list("registration_id", "session__starts_at", "session__ends_at"):
        sessions[registration_id].append((starts_at, ends_at))

    seats_now = Counter(
        dict(
            MeetingSeat.objects.filter(
                registration__in=ids, is_active=True, meeting__conference=conference
            )
            .values("registration")
            .order_by()
            .annotate(n=Count("pk"))
            .values_list("registration", "n")
        )
    )
    added = Counter()
    for kind, obj, members, slot_id, table_id in wanted:
        slot = slots.get(slot_id)
        table = tables.get(table_id)
        name = _describe(members, people)
        if slot is None or slot.starts_at <= now:
            problems.append(_("%(what)s: its slot has started or gone") % {"what": name})
            continue
        if table is None or not table.is_active:
            problems.append(_("%(what)s: its table is no longer in use") % {"what": name})
            continue
        if (table_id, slot_id) in taken_tables:
            problems.append(_("%(what)s: its table has been taken") % {"what": name})
        taken_tables.add((table_id, slot_id))
        for p in members:
            person = people.get(p)
            if person is None or not person.is_approved:
                problems.append(_("%(what)s: a participant is no longer approved") % {"what": name})
                break
            if (p, slot_id) in taken_seats:
                problems.append(
                    _("%(what)s: %(person)s is now busy then")
                    % {"what": name, "person": person.user.display_name}
                )
            taken_seats.add((p, slot_id))
            moving_stays = kind == "move" and obj.slot_id == slot_id
            if not moving_stays and (
                (p, slot_id) in marked
                or any(s < slot.ends_at and e > slot.starts_at for s, e in sessions.get(p, ()))
            ):
                problems.append(
                    _("%(what)s: %(person)s is no longer available then")
                    % {"what": name, "person": person.user.display_name}
                )
            if kind == "new":
                added[p] += 1
    cap = conference.b2b_max_meetings_per_delegate
    for p, n in added.items():
        if seats_now[p] + n > cap:
            problems.append(
                _("%(person)s would exceed the meeting limit")
                % {"person": people[p].user.display_name}
            )
    org_cap = conference.b2b_max_meetings_per_organisation
    if org_cap is not None and added:
        orgs = {people[p].organisation_id for p in added if people[p].organisation_id}
        org_now = Counter(
            dict(
                MeetingSeat.objects.filter(
                    is_active=True,
                    meeting__conference=conference,
                    registration__organisation__in=orgs,
                )
                .values("registration__organisation")
                .order_by()
                .annotate(n=Count("pk"))
                .values_list("registration__organisation", "n")
            )
        )
        org_added = Counter()
        for p, n in added.items():
            if people[p].organisation_id:
                org_added[people[p].organisation_id] += n
        for org, n in org_added.items():
            if org_now[org] + n > org_cap:
                problems.append(_("an organisation would exceed its meeting limit"))
    return problems


def _describe(members, people):
    names = [people[p].user.display_name for p in members if p in people]
    return _("the meeting of %(names)s") % {"names": " & ".join(names)}


def _write(conference, wanted, actor, move_ids):
    """Insert the new meetings and move the others; a clash is a stale preview."""
    creator = actor if getattr(actor, "is_authenticated", False) else None
    moved = []
    created = []
    try:
        with transaction.atomic():
            moving = [item for item in wanted if item[0] == "move"]
            if moving:
                # Release every old place first, so meetings may swap places.
                MeetingSeat.objects.filter(meeting__in=move_ids).update(is_active=False)
                Meeting.objects.filter(pk__in=move_ids).update(status=Meeting.Status.CANCELLED)
                now = timezone.now()
                for _kind, meeting, _members, slot_id, table_id in moving:
                    meeting.slot_id = slot_id
                    meeting.table_id = table_id
                    meeting.sequence += 1  # calendars update the event in place
                    meeting.status = Meeting.Status.ACTIVE
                    meeting.updated_at = now
                    moved.append(meeting)
                Meeting.objects.bulk_update(
                    moved, ["slot", "table", "sequence", "status", "updated_at"]
                )
                for meeting in moved:
                    MeetingSeat.objects.filter(meeting=meeting).update(
                        slot_id=meeting.slot_id, is_active=True
                    )
            new = [item for item in wanted if item[0] == "new"]
            created = Meeting.objects.bulk_create(
                Meeting(
                    conference=conference,
                    request=request,
                    slot_id=slot_id,
                    table_id=table_id,
                    created_by=creator,
                )
                for _kind, request, _members, slot_id, table_id in new
            )
            MeetingSeat.objects.bulk_create(
                MeetingSeat(meeting=meeting, registration_id=p, slot_id=meeting.slot_id)
                for meeting, (_kind, _request, members, _slot, _table) in zip(
                    created, new, strict=True
                )
                for p in members
            )
    except IntegrityError as exc:
        raise _stale([_("the database refused a clash with a meeting booked meanwhile")]) from exc
    return created, moved


def _email_participants(job, conference, created, moved, people):
    """One email per participant of a new or moved meeting, with one calendar file."""
    meetings = list(
        Meeting.objects.filter(pk__in=[m.pk for m in [*created, *moved]])
        .select_related("conference", "slot", "table__room", "request")
        .prefetch_related("seats")
        .order_by("slot__starts_at", "pk")
    )
    moved_ids = {m.pk for m in moved}
    by_person = defaultdict(list)
    participants_of = {}
    for meeting in meetings:
        members = [people[s.registration_id] for s in meeting.seats.all()]
        members.sort(key=lambda r: r.pk)
        participants_of[meeting.pk] = members
        for person in members:
            by_person[person.pk].append(meeting)

    def event(meeting, language, person):
        # The recipient's own copy: they are its only ATTENDEE, so no one
        # learns another participant's email address from a calendar file.
        with translation.override(language):
            ics = meeting_ics(meeting, participants_of[meeting.pk], recipient=person)
        return Calendar.from_ical(ics).walk("VEVENT")[0]

    for person_id, items in sorted(by_person.items()):
        person = people[person_id]
        user = person.user
        language = user.language or settings.LANGUAGE_CODE
        calendar = Calendar()
        calendar.add("prodid", "-//Conference Portal//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", conference.name)
        calendar.add("x-wr-timezone", conference.time_zone)
        for meeting in items:
            calendar.add_component(event(meeting, language, person))
        lines = [
            {
                "meeting": meeting,
                "moved": meeting.pk in moved_ids,
                "others": [p for p in participants_of[meeting.pk] if p.pk != person_id],
                "url": settings.SITE_ROOT + meeting.get_absolute_url(),
            }
            for meeting in items
        ]
        with timezone.override(conference.tz):
            email_queue(
                recipient=user.email,
                template="b2b_schedule_committed",
                context={
                    "registration": person,
                    "lines": lines,
                    "new_count": sum(1 for line in lines if not line["moved"]),
                    "moved_count": sum(1 for line in lines if line["moved"]),
                    "time_zone": conference.time_zone,
                    "meetings_url": settings.SITE_ROOT
                    + reverse("sessions_app:my_schedule", args=[conference.slug]),
                },
                kind="b2b.schedule_committed",
                dedup_key=f"b2b:schedule:{job.pk}:reg:{person_id}",
                conference=conference,
                user=user,
                ics=calendar.to_ical().decode(),
            )
