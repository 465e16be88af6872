"""Publishing the working copy as a new release, and telling the delegates it changes."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.models import Registration
from conference.core import events, shared_cache
from conference.core.models import Conference
from conference.core.services import audit_message, audit_record
from sessions_app import selectors
from sessions_app.models import ScheduleRelease, Session, SessionSignup
from sessions_app.services.mail import email_queue_local


def schedule_publish(*, conference, actor):
    """
    Publish the working copy of the agenda as a new release.

    One transaction; the conference row is locked so two publishes get
    consecutive numbers (NO KEY UPDATE: rows that refer to the conference,
    such as emails, can still be written meanwhile). Every session that
    changed since the last release gets a higher ICS SEQUENCE (sessions taken
    off the agenda stay in the snapshot as cancelled). Every delegate with a
    live sign-up to a session that moved, changed room or title, was
    cancelled or taken off gets one email listing what changed for them
    (dedup key per release and person).
    """
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).get(pk=conference.pk)
        previous = selectors.release_latest(conference=conference)
        snapshot, sessions = selectors.working_snapshot(conference=conference, previous=previous)
        changes = selectors.release_diff(previous.snapshot if previous else [], snapshot)
        changed_ids = {c["session"] for c in changes if c["change"] != "new"}
        bumped = [sessions[pk] for pk in changed_ids if pk in sessions]
        if previous and bumped:
            for session in bumped:
                session.sequence += 1
            Session.objects.bulk_update(bumped, ["sequence"])
            by_id = {item["id"]: item for item in snapshot}
            for session in bumped:
                if session.pk in by_id:
                    by_id[session.pk]["sequence"] = session.sequence
        release = ScheduleRelease.objects.create(
            conference=conference,
            number=(previous.number + 1) if previous else 1,
            published_by=actor if getattr(actor, "is_authenticated", False) else None,
            snapshot=snapshot,
            changes=changes,
        )
        notified = _notify_changes(conference=conference, release=release, changes=changes)
        audit_record(
            actor=actor,
            conference=conference,
            action="agenda.publish",
            obj=release,
            summary=audit_message(
                gettext_noop("Release %(number)s: %(changes)s changes, %(emails)s emails"),
                number=release.number,
                changes=len(changes),
                emails=notified,
            ),
        )
        events.event_publish(conference=conference, **_published_event(release))
        # Anonymous visitors' shared copies of the agenda give way at once.
        # Now: until the commit, pages rendered from the previous release are
        # not shared (a rollback only costs misses until the key expires);
        # and at the commit, in case a view put the old number back meanwhile.
        shared_cache.set_generation(conference.slug, release.number)
        transaction.on_commit(lambda: shared_cache.set_generation(conference.slug, release.number))
    return release


def _published_event(release):
    """The domain event of a release (webhooks): its number, time and changed session ids."""
    return {
        "type": events.SCHEDULE_PUBLISHED,
        "resource": f"schedule:{release.conference_id}",
        "data": {
            "release": release.number,
            "published_at": release.published_at.isoformat(),
            "sessions": len(release.snapshot),
            "changes": [
                {"session": change["session"], "change": change["change"]}
                for change in release.changes
            ],
        },
    }


def _notify_changes(*, conference, release, changes):
    """Queue one email per person signed up to a changed session; returns how many."""
    by_session = defaultdict(list)
    for change in changes:
        if change["change"] in selectors.NOTIFIED_CHANGES:
            by_session[change["session"]].append(change)
    if not by_session:
        return 0
    signups = (
        SessionSignup.objects.filter(session_id__in=list(by_session))
        .exclude(status=SessionSignup.Status.CANCELLED)
        .select_related("registration__user")
        .order_by("registration_id", "session__starts_at")
    )
    per_person = defaultdict(list)
    people = {}
    for signup in signups:
        registration = signup.registration
        if registration.status != Registration.Status.APPROVED:
            continue
        people[registration.pk] = registration
        for change in by_session[signup.session_id]:
            per_person[registration.pk].append({**change, "signup_status": signup.status})
    tz = conference.tz
    for registration_id, items in per_person.items():
        registration = people[registration_id]
        user = registration.user
        email_queue_local(
            recipient=user.email,
            template="session_changed",
            context={
                "registration": registration,
                "release": release,
                "changes": [_localise_change(change, tz) for change in items],
                "time_zone": tz.key,
            },
            kind="session.changed",
            dedup_key=f"agenda:release:{release.pk}:reg:{registration_id}",
            conference=conference,
            user=user,
        )
    return len(per_person)


def _localise_change(change, tz):
    change = dict(change)
    for side in ("before", "after"):
        if side in change:
            values = dict(change[side])
            values["starts_at"] = datetime.fromisoformat(values["starts_at"]).astimezone(tz)
            values["ends_at"] = datetime.fromisoformat(values["ends_at"]).astimezone(tz)
            change[side] = values
    return change
