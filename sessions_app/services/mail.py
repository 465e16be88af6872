"""The agenda's emails: the outbox, with times in the conference's zone."""

from django.utils import timezone

from conference.core.services import email_queue


def email_queue_local(**kwargs):
    """`email_queue` with times shown in the conference's zone, wherever it runs."""
    with timezone.override(kwargs["conference"].tz):
        return email_queue(**kwargs)
