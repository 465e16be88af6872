"""
The bulk send: a background job that emails a conference's queued
invitations in batches, reporting its progress, and the beat's sweep that
restarts jobs whose task was lost.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import JOB_INVITATIONS_SEND, Invitation
from accounts.services.invitations import (
    SWEEP_LIMIT,
    _expires_label,
    _expiry,
    _invitation_message,
)
from accounts.services.locking import _lock_conference
from conference.core.models import Job
from conference.core.services import audit_message, audit_record, email_queue_many

logger = logging.getLogger(__name__)

# Invitations emailed per transaction by the bulk-send job (one progress step).
SEND_BATCH = 200
# A bulk-send job still queued after this long lost its task (see the sweep).
JOB_RESUME_AFTER = timedelta(minutes=2)


def invitation_send_job_start(*, conference, actor):
    """
    Start the background job that emails every queued invitation of the
    conference, or return the one already queued or running.
    """
    from accounts.tasks import invitations_send
    from conference.core.tasks import enqueue

    with transaction.atomic():
        conference = _lock_conference(conference)
        job = Job.objects.filter(
            conference=conference,
            kind=JOB_INVITATIONS_SEND,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        ).first()
        if job is not None:
            return job
        total = Invitation.objects.filter(
            conference=conference, status=Invitation.Status.QUEUED
        ).count()
        job = Job.objects.create(
            conference=conference,
            kind=JOB_INVITATIONS_SEND,
            total=total,
            created_by=actor,
            **Job.message_fields(gettext_noop("Waiting for a worker…")),
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="invitation.send_all",
            obj=job,
            summary=audit_message(
                gettext_noop("Started sending %(count)s invitations"), count=total
            ),
        )
        enqueue(invitations_send, job.pk)
    return job


def invitation_send_job_run(*, job_id):
    """
    Run a bulk-send job: email the conference's queued invitations in batches
    of SEND_BATCH, one transaction per batch, recording progress after each.
    Safe to run again after a crash (the task is `acks_late`): only invitations
    still `queued` are sent, and each email's dedup key stops a second copy.
    Stops between batches when cancellation was requested.
    """
    job = Job.objects.select_related("conference").get(pk=job_id)
    if job.status not in (Job.Status.QUEUED, Job.Status.RUNNING):
        return job
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, **Job.message_fields(gettext_noop("Sending…"))
    )
    conference = job.conference
    queued = Invitation.objects.filter(conference=conference, status=Invitation.Status.QUEUED)
    try:
        while True:
            if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                return _job_finish(job, Job.Status.CANCELLED, gettext_noop("Cancelled."))
            with transaction.atomic():
                batch = list(
                    queued.select_for_update(skip_locked=True, of=("self",))
                    .select_related("conference", "organisation")
                    .order_by("pk")[:SEND_BATCH]
                )
                if not batch:
                    break
                now = timezone.now()
                expires_at = _expiry(conference, now)
                labels = {
                    language: _expires_label(conference, expires_at, language)
                    for language in {i.language for i in batch}
                }
                email_queue_many(
                    messages=[_invitation_message(i, now, labels[i.language]) for i in batch],
                    conference=conference,
                )
                # One statement for the batch: every row got the same values
                # (the dedup keys above used each row's own count).
                Invitation.objects.filter(pk__in=[i.pk for i in batch]).update(
                    status=Invitation.Status.SENT,
                    sent_at=now,
                    expires_at=batch[0].expires_at,
                    send_count=F("send_count") + 1,
                    updated_at=now,
                )
                # The batch is no longer queued: what remains is still to do.
                Job.objects.filter(pk=job.pk).update(
                    done=F("done") + len(batch),
                    total=F("done") + len(batch) + queued.count(),
                )
    except Exception:
        logger.exception("Invitation job %s failed", job.pk)
        _job_finish(
            job, Job.Status.FAILED, gettext_noop("Stopped by an error; the rest stay queued.")
        )
        raise
    job.refresh_from_db(fields=["done"])
    return _job_finish(
        job,
        Job.Status.DONE,
        (gettext_noop("Invitations queued for delivery: %(count)s."), {"count": job.done}),
    )


def invitation_send_jobs_resume(*, now=None):
    """
    Beat sweep: enqueue again the bulk-send jobs still `queued` a while after
    they were started, whose task the broker never got (it was down). Running
    a job twice is harmless (see `invitation_send_job_run`). Returns their ids.
    """
    from accounts.tasks import invitations_send
    from conference.core.tasks import enqueue

    now = now or timezone.now()
    stale = list(
        Job.objects.filter(
            kind=JOB_INVITATIONS_SEND,
            status=Job.Status.QUEUED,
            created_at__lte=now - JOB_RESUME_AFTER,
        ).values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for job_id in stale:
        enqueue(invitations_send, job_id)
    return stale


def _job_finish(job, status, message):
    """`message`: a msgid, or (msgid, params), as Job.message_fields takes them."""
    changes = {"status": status, **Job.message_fields(message), "finished_at": timezone.now()}
    if status == Job.Status.DONE:
        # The total written after each batch counts rows other workers still
        # hold in flight (and reads them at the statement's start, before it
        # waits for the job's row): once done, it is exactly what was done.
        # Every worker finishes after its own last batch commits, so the last
        # finish comes after every batch.
        changes["total"] = F("done")
    Job.objects.filter(pk=job.pk).update(**changes)
    job.refresh_from_db()
    return job
