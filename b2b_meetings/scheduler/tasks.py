"""
The scheduler's Celery task: a thin wrapper. Its name starts with "long."
so that `conference/celery.py` routes it to the `long` queue, away from
mail delivery and the sweeps.
"""

from celery import shared_task
from celery.signals import worker_init, worker_process_init

from b2b_meetings.scheduler import services


@worker_init.connect
@worker_process_init.connect
def _load_solvers(**_kwargs):
    """
    Load the solvers' libraries when a worker (or a pool process) starts,
    not on the clock of the first run: a few seconds of a 10 s time limit
    on a cold start. The web processes never load them.
    """
    import ortools.sat.python.cp_model  # noqa: F401
    import scipy.optimize
    import scipy.sparse  # noqa: F401


# acks_late: a worker that dies mid-run gets the task redelivered, and
# `schedule_run` only runs a job that is still queued, so a redelivery is
# harmless; the page offers a new run once the old one is clearly dead.
@shared_task(name="long.b2b_meetings.schedule_run", acks_late=True)
def schedule_run_task(job_id):
    services.schedule_run(job_id=job_id)


# The commit is one transaction, all or nothing; a redelivery after a crash
# finds the job committed (and stops) or still "committing" (and commits).
@shared_task(name="long.b2b_meetings.schedule_commit", acks_late=True)
def schedule_commit_task(job_id, actor_id):
    services.schedule_commit_run(job_id=job_id, actor_id=actor_id)
