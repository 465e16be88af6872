"""Reminders of the sessions a delegate has a place on, swept every minute."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Registration
from conference.core.models import Conference, OutgoingEmail
from sessions_app import selectors
from sessions_app.models import SessionSignup
from sessions_app.services.mail import email_queue_local


def _due_offset(offsets, starts_at, now):
    """
    The reminder to send now for a session starting at `starts_at`: the
    smallest offset whose time has come, or None. Only the nearest is sent, so
    a delegate who signs up late, or a sweep that was down for a while, does
    not get every earlier reminder at once.
    """
    if starts_at <= now:
        return None
    due = [o for o in offsets if starts_at - timedelta(minutes=o) <= now]
    return min(due) if due else None


def session_reminders_send(*, now=None):
    """
    The reminder sweep (beat, every minute): for each published session that
    has a reminder due, queue one email per confirmed delegate.

    Exactly once per person, session, offset and start time: the dedup key
    holds all four and the outbox's unique constraint is the last word, so
    two sweeps running at once, or a retry, create one email; a session moved
    to a new time is reminded again at its new time. Returns the number of
    emails created.
    """
    now = now or timezone.now()
    created = 0
    horizon_days = 2
    conferences = Conference.objects.filter(
        start_date__lte=(now + timedelta(days=horizon_days)).date(),
        end_date__gte=(now - timedelta(days=1)).date(),
    )
    for conference in conferences:
        offsets = sorted({int(o) for o in (conference.reminder_offsets or []) if int(o) > 0})
        if not offsets:
            continue
        release = selectors.release_latest(conference=conference)
        due = {}
        # The snapshot's own items (texts in every language): each email is
        # written in its recipient's (`email_queue`).
        for item in release.snapshot if release else []:
            if (
                item.get("removed")
                or item["cancelled"]
                or item["kind"] not in selectors.SIGNUP_KINDS
            ):
                continue
            starts_at = datetime.fromisoformat(item["starts_at"])
            offset = _due_offset(offsets, starts_at, now)
            if offset is not None:
                due[item["id"]] = (item, offset, starts_at)
        if not due:
            continue
        signups = (
            SessionSignup.objects.filter(
                session_id__in=list(due),
                status=SessionSignup.Status.CONFIRMED,
                registration__status=Registration.Status.APPROVED,
            )
            .select_related("registration__user")
            .order_by("pk")
        )
        for signup in signups:
            item, offset, starts_at = due[signup.session_id]
            key = (
                f"reminder:session:{item['id']}:reg:{signup.registration_id}"
                f":{offset}:{starts_at.astimezone(UTC):%Y%m%dT%H%M}"
            )
            if _remind(conference, signup.registration, item, offset, key):
                created += 1
    return created


def _remind(conference, registration, item, offset, key):
    """Queue one reminder unless its key exists; True when this call wrote it."""
    if OutgoingEmail.objects.filter(dedup_key=key).exists():
        return False
    with transaction.atomic():
        user = registration.user
        email_queue_local(
            recipient=user.email,
            template="session_reminder",
            context={
                "registration": registration,
                "session": selectors.session_localise(item, conference.tz),
                "offset": offset,
                "time_zone": conference.tz.key,
            },
            kind="session.reminder",
            dedup_key=key,
            conference=conference,
            user=user,
        )
    return True
