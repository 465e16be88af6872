"""Sign-ups: a delegate's places on sessions, the waiting list and clashes before signing up."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Q

from sessions_app import schedule
from sessions_app.models import Session, SessionSignup
from sessions_app.selectors.agenda import agenda_items

# Kinds a delegate can sign up for (breaks and B2B blocks are not attended by sign-up).
SIGNUP_KINDS = {
    Session.Kind.PLENARY,
    Session.Kind.PANEL,
    Session.Kind.WORKSHOP,
    Session.Kind.CLOSED_DOOR,
}


def signup_live_for(*, registration, session_id):
    """The registration's confirmed or waitlisted sign-up to a session, or None."""
    if registration is None:
        return None
    return (
        SessionSignup.objects.filter(registration=registration, session_id=session_id)
        .exclude(status=SessionSignup.Status.CANCELLED)
        .first()
    )


def signup_get_for_registration(*, registration, signup_id):
    """One of the registration's own sign-ups (another person's is not found)."""
    return (
        SessionSignup.objects.filter(registration=registration, pk=signup_id)
        .select_related("session")
        .first()
    )


def waitlist_position(*, signup):
    """1 for the first person on the waiting list, and so on."""
    if signup.status != SessionSignup.Status.WAITLISTED:
        return None
    earlier = Q(created_at__lt=signup.created_at) | Q(
        created_at=signup.created_at, pk__lt=signup.pk
    )
    ahead = SessionSignup.objects.filter(
        earlier, session_id=signup.session_id, status=SessionSignup.Status.WAITLISTED
    )
    return ahead.count() + 1


def signups_live_for_registration(*, registration):
    """
    {session id: sign-up} of the registration's live sign-ups, each waitlisted
    one with its `position`; two queries whatever the number.
    """
    signups = list(
        SessionSignup.objects.filter(registration=registration).exclude(
            status=SessionSignup.Status.CANCELLED
        )
    )
    waiting = [s.session_id for s in signups if s.status == SessionSignup.Status.WAITLISTED]
    if waiting:
        queue = defaultdict(list)
        rows = (
            SessionSignup.objects.filter(
                session_id__in=waiting, status=SessionSignup.Status.WAITLISTED
            )
            .order_by("created_at", "pk")
            .values_list("session_id", "pk")
        )
        for session_id, pk in rows:
            queue[session_id].append(pk)
        for signup in signups:
            if signup.status == SessionSignup.Status.WAITLISTED:
                signup.position = queue[signup.session_id].index(signup.pk) + 1
    return {s.session_id: s for s in signups}


def session_seats_left(*, session_id):
    """The places left on a session as its counter stands now; None: no limit."""
    live = Session.objects.filter(pk=session_id).values_list("taken", "capacity").first()
    if live is None or live[1] is None:
        return None
    return max(0, live[1] - live[0])


def signup_clashes(*, registration, release, item):
    """
    What the registration already has at the time of `item` (a snapshot
    session): its other live sign-ups and what the schedule's other sources
    (`sessions_app.schedule`) have then, such as active B2B meetings. Shown
    before the delegate confirms a sign-up.
    """
    if registration is None:
        return []
    starts = datetime.fromisoformat(item["starts_at"])
    ends = datetime.fromisoformat(item["ends_at"])
    published = {i["id"]: i for i in agenda_items(release=release)}
    clashes = []
    for session_id, signup in signups_live_for_registration(registration=registration).items():
        other = published.get(session_id)
        if session_id == item["id"] or other is None or other.get("cancelled"):
            continue
        other_starts = datetime.fromisoformat(other["starts_at"])
        other_ends = datetime.fromisoformat(other["ends_at"])
        if schedule.overlaps(starts, ends, other_starts, other_ends):
            clashes.append(
                {
                    "type": "session",
                    "title": other["title"],
                    "starts_at": other_starts,
                    "ends_at": other_ends,
                    "status": signup.status,
                    "id": session_id,
                }
            )
    for entry in schedule.entries_for(registration=registration, starts_at=starts, ends_at=ends):
        clashes.append(
            {
                "type": entry.kind,
                "title": entry.title,
                "starts_at": entry.starts_at,
                "ends_at": entry.ends_at,
                "id": entry.id,
            }
        )
    return sorted(clashes, key=lambda c: c["starts_at"])
