"""Celery tasks of broadcasts: thin wrappers that take ids and call services."""

from celery import shared_task

from conference.portal.broadcasts import services


# On the long queue; acks_late: a run lost with its worker is delivered again
# (and the sweep resumes it once its lease runs out, whichever comes first).
@shared_task(name="long.broadcast_run", acks_late=True, reject_on_worker_lost=True)
def broadcast_run(job_id):
    services.broadcast_run(job_id=job_id)


@shared_task
def broadcasts_sweep():
    services.broadcasts_sweep()
