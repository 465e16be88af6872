"""
Celery tasks of the B2B meetings: the beat sweeps and the suggestions'
refresh, thin wrappers around services. Each sweep is safe to run twice or
concurrently (SKIP LOCKED rows, outbox dedup keys, a refresh replaces all rows).
"""

from celery import shared_task
from django.utils import timezone

from b2b_meetings import services
from b2b_meetings.matchmaking import suggestions
from conference.core.models import Conference


@shared_task
def requests_expire_sweep():
    return services.requests_expire()


@shared_task
def meeting_reminders_sweep():
    return services.meeting_reminders_queue()


@shared_task
def meeting_feedback_sweep():
    return services.meeting_feedback_requests_queue()


@shared_task
def suggestions_refresh_task(conference_id):
    """Recompute one conference's suggested counterparts (matchmaking.suggestions)."""
    conference = Conference.objects.filter(pk=conference_id).first()
    if conference is None:
        return None
    delegates, seconds = suggestions.suggestions_refresh(conference=conference)
    return {"delegates": delegates, "seconds": round(seconds, 2)}


@shared_task
def suggestions_sweep():
    """Every few minutes: refresh the suggestions of conferences that have not ended."""
    today = timezone.now().date()
    for conference_id in Conference.objects.filter(end_date__gte=today).values_list(
        "pk", flat=True
    ):
        suggestions_refresh_task.delay(conference_id)
