"""
A scheduler run's life up to its preview: start it (one at a time per
conference), run it in the `long` queue with progress and a cancel flag in
its Job row, or cancel it.
"""

import datetime
import logging
import time
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from b2b_meetings.errors import SchedulerError
from b2b_meetings.scheduler import engine
from b2b_meetings.scheduler.constants import JOB_KIND, TIME_LIMITS
from b2b_meetings.scheduler.services.instance import instance_build
from conference.core.models import Conference, Job
from conference.core.services import audit_message, audit_record

logger = logging.getLogger(__name__)

# A run that has not reported for this long (beyond its time limit) died
# with its worker; a new run may start.
STALE_AFTER_S = 300


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
            for field, value in Job.message_fields(
                gettext_noop("The run stopped without finishing.")
            ).items():
                setattr(job, field, value)
            job.finished_at = now
            job.save(update_fields=["status", "message", "message_parts", "finished_at"])
        job = Job.objects.create(
            conference=conference,
            kind=JOB_KIND,
            total=100,
            **Job.message_fields(gettext_noop("Waiting for a worker…")),
            params={"reoptimise": reoptimise, "boost": boost, "time_limit": time_limit},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.schedule.start",
            obj=job,
            summary=audit_message(gettext_noop("Scheduler run %(n)s started"), n=job.pk),
            data=job.params,
        )
        enqueue(schedule_run_task, job.pk)
    return job


# msgids: the page shows them in the viewer's language (Job.message_text).
PHASES = {
    "prepare": gettext_noop("Reading the wishes…"),
    "greedy": gettext_noop("First schedule ready; looking for a better one…"),
    "bound": gettext_noop("Improving the schedule…"),
    "search": gettext_noop("Improving the schedule…"),
    "solve": gettext_noop("Checking whether a better schedule exists…"),
    "done": gettext_noop("Finishing…"),
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
        parts = [PHASES.get(phase, phase)]
        if objective and bound:
            # Weighted totals mean nothing to an organiser; how close to the
            # best possible the schedule is so far does.
            gap = max(0.0, 100.0 * (bound - objective) / bound)
            parts.append(
                gettext_noop("Already the best possible.")
                if gap < 0.05
                else (
                    gettext_noop("So far within %(gap)s%% of the best possible."),
                    {"gap": f"{gap:.1f}"},
                )
            )
        Job.objects.filter(pk=self.job_id).update(
            done=round(100 * fraction), **Job.message_fields(*parts)
        )

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
        status=Job.Status.RUNNING, **Job.message_fields(PHASES["prepare"])
    )
    if not claimed:
        return None
    job = Job.objects.select_related("conference").get(pk=job_id)
    reporter = _Reporter(job_id)
    try:
        if job.cancel_requested:
            return _finish(job, Job.Status.CANCELLED, gettext_noop("Cancelled."), {})
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
                return _finish(job, Job.Status.CANCELLED, gettext_noop("Cancelled."), {})
            preview = _preview(built, result)
    except Exception:
        logger.exception("Scheduler run %s failed", job_id)
        return _finish(
            job, Job.Status.FAILED, gettext_noop("The scheduler failed. Please try again."), {}
        )
    counts = preview["counts"]
    message = (
        gettext_noop("%(new)s new meetings, %(moved)s moved, %(left)s requests without a slot."),
        {"new": counts["new"], "moved": counts["moved"], "left": counts["unscheduled"]},
    )
    return _finish(job, Job.Status.DONE, message, preview)


def _finish(job, status, message, result):
    job.status = status
    for field, value in Job.message_fields(message).items():
        setattr(job, field, value)
    job.result = result
    job.finished_at = timezone.now()
    fields = ["status", "message", "message_parts", "result", "finished_at"]
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
            _finish(job, Job.Status.CANCELLED, gettext_noop("Cancelled."), {})
        elif job.status == Job.Status.RUNNING:
            job.cancel_requested = True
            for field, value in Job.message_fields(gettext_noop("Stopping…")).items():
                setattr(job, field, value)
            job.save(update_fields=["cancel_requested", "message", "message_parts"])
        else:
            raise SchedulerError(_("This run has already finished."))
        audit_record(
            actor=actor,
            conference=job.conference,
            action="b2b.schedule.cancel",
            obj=job,
            summary=audit_message(gettext_noop("Scheduler run %(n)s cancelled"), n=job.pk),
        )
    return job
