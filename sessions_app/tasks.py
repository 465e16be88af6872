"""Celery tasks of the agenda: thin wrappers that call services."""

import logging

from celery import shared_task

from sessions_app import services

logger = logging.getLogger(__name__)


@shared_task
def session_reminder_sweep():
    """Queue the session reminders that are due (beat, every minute)."""
    created = services.session_reminders_send()
    if created:
        logger.info("Queued %s session reminders.", created)
    return created
