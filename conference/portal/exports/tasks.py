"""Celery tasks of background exports: thin wrappers that take ids and call services."""

from celery import shared_task

from conference.portal.exports import jobs


# On the long queue (names starting "long."). acks_late: a run lost with its
# worker is delivered again, and the sweep restarts it once its lease runs out.
@shared_task(name="long.export_run", acks_late=True, reject_on_worker_lost=True)
def export_run(job_id):
    jobs.export_job_run(job_id=job_id)


@shared_task
def export_jobs_sweep():
    jobs.export_jobs_sweep()
