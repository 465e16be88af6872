"""
Writes of the agenda: building it, publishing it, signing up and reminding.

Each service is one transaction. Emails go through the outbox
(`conference.core.services.email_queue`) inside that transaction, with a dedup key,
so a retry or a second sweep never sends a message twice.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Registration, new_token
from conference.core import timezones
from conference.core.errors import DomainError
from conference.core.models import Conference, OutgoingEmail
from conference.core.services import audit_record, email_queue
from sessions_app import selectors
from sessions_app.models import ScheduleRelease, Session, SessionSignup, SessionSpeaker


class AgendaError(DomainError):
    """A change that cannot be made; the message is for the user."""


class SignupError(AgendaError):
    pass


class CapacityError(AgendaError):
    """A capacity below the confirmed sign-ups; the message is for the form's field."""


def _email(**kwargs):
    """`email_queue` with times shown in the conference's zone, wherever it runs."""
    with timezone.override(kwargs["conference"].tz):
        return email_queue(**kwargs)


# Publishing -----------------------------------------------------------------------


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
            summary=f"Release {release.number}: {len(changes)} changes, {notified} emails",
        )
    return release


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
        _email(
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


# Building the working copy --------------------------------------------------------


def session_save(*, form, speakers, actor):
    """
    Save a session from the organisers' form with its speaker roles (a
    formset) in one transaction. An edit locks the session row, as a sign-up
    does, and checks the capacity against the confirmed sign-ups as they are
    now, not as the form read them: a capacity below them raises
    CapacityError and saves nothing. The row is written without its sign-up
    counter and SEQUENCE (`Session.counter_fields`), so sign-ups made while
    the form was open are kept. Changes reach delegates only when the agenda
    is published.
    """
    with transaction.atomic():
        created = form.instance.pk is None
        if not created:
            taken = (
                Session.objects.select_for_update()
                .filter(pk=form.instance.pk)
                .values_list("taken", flat=True)
                .get()
            )
            capacity = form.cleaned_data.get("capacity")
            if capacity is not None and capacity < taken:
                raise CapacityError(
                    _("%(taken)s people are already confirmed; the capacity can't be lower.")
                    % {"taken": taken}
                )
        session = form.save()
        speakers.instance = session
        speakers.save()
        audit_record(
            actor=actor,
            conference=session.conference,
            action="session.create" if created else "session.update",
            obj=session,
            summary=session.title,
        )
    return session


def session_move(*, session, room, starts_at, ends_at, actor):
    """
    Move or resize a session in the working copy (the timetable's drag and
    drop and its keyboard fallback). Refuses a room of another conference
    and an end before the start.
    """
    if ends_at <= starts_at:
        raise AgendaError(_("A session must end after it starts."))
    if room is not None and room.conference_id != session.conference_id:
        raise AgendaError(_("That room belongs to another conference."))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        session.room = room
        session.starts_at = starts_at
        session.ends_at = ends_at
        session.save(update_fields=["room", "starts_at", "ends_at", "updated_at"])
        audit_record(
            actor=actor,
            conference=session.conference,
            action="session.move",
            obj=session,
            summary=f"{session.title}: {starts_at.isoformat()} {room or '-'}",
        )
    return session


def session_duplicate(*, session, actor):
    """A copy of a session and its speakers, unpublished and without sign-ups."""
    with transaction.atomic():
        roles = list(session.speaker_roles.all())
        copy = Session.objects.get(pk=session.pk)
        copy.pk = None
        copy.id = None
        copy.title = _("%(title)s (copy)") % {"title": session.title}
        copy.title = copy.title[:200]
        copy.published = False
        copy.is_cancelled = False
        copy.taken = 0
        copy.sequence = 0
        copy.save()
        SessionSpeaker.objects.bulk_create(
            SessionSpeaker(session=copy, speaker_id=r.speaker_id, role=r.role, position=r.position)
            for r in roles
        )
        audit_record(
            actor=actor,
            conference=session.conference,
            action="session.duplicate",
            obj=copy,
            summary=f"{copy.title} (from {session.pk})",
        )
    return copy


def session_delete(*, session, actor):
    """
    Delete a session that has never been published. A published one must be
    cancelled or unpublished instead, so that the next release tells the
    delegates signed up to it and the calendars that show it.
    """
    with transaction.atomic():
        release = selectors.release_latest(conference=session.conference)
        if selectors.release_session(release=release, session_id=session.pk) is not None:
            raise AgendaError(
                _(
                    "This session has been published. Cancel it or take it off the agenda "
                    "instead, then publish: delegates and calendars are told."
                )
            )
        audit_record(
            actor=actor,
            conference=session.conference,
            action="session.delete",
            obj=session,
            summary=session.title,
        )
        session.delete()


def catalogue_save(*, form, conference, actor, action):
    """Save a room, track or speaker of `conference` from its form, with an audit entry."""
    with transaction.atomic():
        obj = form.save(commit=False)
        obj.conference = conference
        obj.save()
        audit_record(actor=actor, conference=conference, action=action, obj=obj, summary=str(obj))
    return obj


def catalogue_delete(*, obj, actor, action):
    with transaction.atomic():
        audit_record(
            actor=actor, conference=obj.conference, action=action, obj=obj, summary=str(obj)
        )
        obj.delete()


# Sign-ups ---------------------------------------------------------------------------


def session_signup(*, registration, session_id):
    """
    Sign an approved delegate up to a published session: confirmed while there
    is room, else on the waiting list. Never over capacity: the session row
    is locked (one lock, taken last) before the count is checked, the counter
    is raised with a conditional UPDATE, and the check constraint
    `session_taken_within_capacity` refuses anything else. A second live
    sign-up of the same person is refused by `signup_one_live_per_person`.
    """
    conference = registration.conference
    if not registration.is_approved:
        raise SignupError(_("Only approved delegates can sign up for sessions."))
    release = selectors.release_latest(conference=conference)
    item = selectors.release_session(release=release, session_id=session_id)
    if item is None or item.get("removed"):
        raise SignupError(_("That session is not on the published agenda."))
    if item["cancelled"]:
        raise SignupError(_("That session has been cancelled."))
    if item["kind"] not in selectors.SIGNUP_KINDS:
        raise SignupError(_("This part of the agenda needs no sign-up."))
    if datetime.fromisoformat(item["ends_at"]) <= timezone.now():
        raise SignupError(_("That session is over."))

    try:
        with transaction.atomic():
            session = (
                Session.objects.select_for_update()
                .filter(pk=session_id, conference=conference)
                .order_by()
                .first()
            )
            if session is None:
                raise SignupError(_("That session is not on the published agenda."))
            if selectors.signup_live_for(registration=registration, session_id=session_id):
                raise SignupError(_("You are already signed up for this session."))
            confirmed = _take_seat(session)
            signup = SessionSignup.objects.create(
                session=session,
                registration=registration,
                status=(
                    SessionSignup.Status.CONFIRMED if confirmed else SessionSignup.Status.WAITLISTED
                ),
            )
    except IntegrityError as exc:
        # Only a duplicate from a parallel request of the same person gets here.
        raise SignupError(_("You are already signed up for this session.")) from exc
    return signup


def _take_seat(session):
    """Raise the confirmed count if there is room; False when the session is full."""
    seats = Session.objects.filter(pk=session.pk)
    if session.capacity is not None:
        seats = seats.filter(taken__lt=F("capacity"))
    return seats.update(taken=F("taken") + 1) == 1


def session_signup_cancel(*, signup):
    """
    Cancel a live sign-up. A confirmed seat that frees up goes to the first
    person on the waiting list, who is told by email. One transaction with
    the session row locked, so two cancellations never promote the same
    person or leave a seat unused.
    """
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=signup.session_id)
        signup = SessionSignup.objects.select_for_update().get(pk=signup.pk)
        if signup.status == SessionSignup.Status.CANCELLED:
            return signup, None
        was_confirmed = signup.status == SessionSignup.Status.CONFIRMED
        signup.status = SessionSignup.Status.CANCELLED
        signup.save(update_fields=["status", "updated_at"])
        promoted = None
        if was_confirmed:
            # Never below zero, even for a sign-up written around this service.
            Session.objects.filter(pk=session.pk, taken__gt=0).update(taken=F("taken") - 1)
            session.refresh_from_db(fields=["taken"])
            promoted = _promote_next(session)
    return signup, promoted


def _promote_next(session):
    """Give a free seat to the oldest waitlisted sign-up and email them."""
    if session.starts_at <= timezone.now():
        return None
    candidate = (
        SessionSignup.objects.select_for_update(of=("self",))
        .filter(session=session, status=SessionSignup.Status.WAITLISTED)
        .select_related("registration__user", "registration__conference")
        .order_by("created_at", "pk")
        .first()
    )
    if candidate is None or not _take_seat(session):
        return None
    candidate.status = SessionSignup.Status.CONFIRMED
    candidate.save(update_fields=["status", "updated_at"])
    registration = candidate.registration
    conference = registration.conference
    release = selectors.release_latest(conference=conference)
    item = selectors.release_session(release=release, session_id=session.pk)
    shown = selectors.session_localise(item, conference.tz) if item else None
    _email(
        recipient=registration.user.email,
        template="session_promoted",
        context={
            "registration": registration,
            "session": shown,
            "time_zone": conference.tz.key,
        },
        kind="session.promoted",
        dedup_key=f"signup:promoted:{candidate.pk}",
        conference=conference,
        user=registration.user,
    )
    return candidate


def calendar_token_reset(*, registration):
    """Give the registration a new secret feed address; the old one stops working."""
    with transaction.atomic():
        registration.calendar_token = new_token()
        registration.save(update_fields=["calendar_token", "updated_at"])
        audit_record(
            actor=registration.user,
            conference=registration.conference,
            action="calendar.token_reset",
            obj=registration,
            summary=str(registration.user),
        )
    return registration


def viewer_time_zone_save(*, user, time_zone):
    """
    Remember the zone `user` sees times in on the agenda and their schedule,
    and in which their emails add their own time; "" is the conference's.
    Returns False (nothing saved) for a name that is not a known zone.
    """
    if time_zone and timezones.time_zone_or_none(time_zone) is None:
        return False
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return True


# Reminders ---------------------------------------------------------------------------


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
        for item in selectors.agenda_items(release=release):
            if item["cancelled"] or item["kind"] not in selectors.SIGNUP_KINDS:
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
        _email(
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
