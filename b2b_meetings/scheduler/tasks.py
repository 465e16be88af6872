"""
The scheduler's Celery task: a thin wrapper. Its name starts with "long."
so that `conference/celery.py` routes it to the `long` queue, away from
mail delivery and the sweeps.
"""

from celery import shared_task

from b2b_meetings.scheduler import services


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
