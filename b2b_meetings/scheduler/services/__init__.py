"""
Writes of the B2B auto-scheduler: start a run, run it (in the `long` queue),
cancel it, commit or discard its preview.

- `instance`: the scheduling problem of a conference, built from its rows;
- `runs`: start, run (with progress and cancelling) and cancel a run;
- `commit`: commit or discard a run's preview.

A run is a `conference.core.models.Job` of kind `b2b.schedule`. Its `params`
are the organiser's options; its `result` holds the preview (the meetings to
create and to move, what got nothing and why, the counts and the bound)
and, once decided, its fate (`state`: preview, committing, committed,
discarded).
"""

from b2b_meetings.errors import SchedulePreviewStale, SchedulerError
from b2b_meetings.scheduler.constants import JOB_KIND, NOT_APPROVED, TIME_LIMITS
from b2b_meetings.scheduler.services.commit import (
    schedule_commit,
    schedule_commit_request,
    schedule_commit_run,
    schedule_discard,
)
from b2b_meetings.scheduler.services.instance import BOOST, BOOSTED_KINDS, Built, instance_build
from b2b_meetings.scheduler.services.runs import (
    PHASES,
    STALE_AFTER_S,
    schedule_cancel,
    schedule_run,
    schedule_start,
)

__all__ = [
    "BOOST",
    "BOOSTED_KINDS",
    "JOB_KIND",
    "NOT_APPROVED",
    "PHASES",
    "STALE_AFTER_S",
    "TIME_LIMITS",
    "Built",
    "SchedulePreviewStale",
    "SchedulerError",
    "instance_build",
    "schedule_cancel",
    "schedule_commit",
    "schedule_commit_request",
    "schedule_commit_run",
    "schedule_discard",
    "schedule_run",
    "schedule_start",
]
