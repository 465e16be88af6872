"""Celery tasks of the accounts app: thin wrappers that take ids and call services."""

from celery import shared_task

from accounts import services


# "long." routes the bulk send to the `long` queue (conference/celery.py), so a
# big send never delays mail delivery or the sweeps. acks_late: a job whose
# worker dies is run again and resumes with the invitations still queued.
@shared_task(name="long.invitations_send", acks_late=True, reject_on_worker_lost=True)
def invitations_send(job_id):
    services.invitation_send_job_run(job_id=job_id)


@shared_task
def invitation_sweep():
    """
    Expire stale invitations, remind invitees who have not registered, and
    restart bulk sends whose task was lost while the broker was down.
    """
    services.invitation_sweep()
    services.invitation_send_jobs_resume()


@shared_task
def id_data_purge_sweep():
    """Erase ID document data of conferences whose retention period is over."""
    services.id_data_purge()
