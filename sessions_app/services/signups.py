"""Sign-ups: a place on a session or the waiting list, cancelling, and promotion."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions_app import selectors
from sessions_app.errors import SignupError
from sessions_app.models import Session, SessionSignup
from sessions_app.services.mail import email_queue_local


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
    email_queue_local(
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
