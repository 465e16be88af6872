"""
Celery tasks of the B2B meetings: the beat sweeps, thin wrappers around
services. Each sweep is safe to run twice or concurrently (SKIP LOCKED rows,
outbox dedup keys).
"""

from celery import shared_task

from b2b_meetings import services


@shared_task
def requests_expire_sweep():
    return services.requests_expire()


@shared_task
def meeting_reminders_sweep():
    return services.meeting_reminders_queue()


@shared_task
def meeting_feedback_sweep():
    return services.meeting_feedback_requests_queue()
