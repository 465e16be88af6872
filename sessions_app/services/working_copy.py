"""Building the working copy: sessions, their speakers and places, and the catalogues."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from conference.core.content import content_data
from conference.core.services import audit_message, audit_record
from sessions_app import selectors
from sessions_app.errors import AgendaError, CapacityError
from sessions_app.models import Session, SessionSpeaker


def session_save(
    *,
    conference,
    session=None,
    title,
    kind,
    starts_at,
    ends_at,
    track=None,
    room=None,
    description="",
    capacity=None,
    signup_required=False,
    published=False,
    is_cancelled=False,
    speakers=(),
    actor,
):
    """
    Create a session of `conference`, or change `session`, and its speakers,
    in one transaction. `speakers` holds rows {"id" (one of the session's
    speaker roles, or None for a new one), "speaker", "role", "position",
    "delete"}; roles not in it stay as they are. An edit locks the session
    row, as a sign-up does, and checks the capacity against the confirmed
    sign-ups as they are now, not as the organiser's form read them: a
    capacity below them raises CapacityError and saves nothing. The row is written without
    its sign-up counter and SEQUENCE (`Session.counter_fields`), so sign-ups
    made while the form was open are kept. Changes reach delegates only when
    the agenda is published.
    """
    with transaction.atomic():
        created = session is None
        if created:
            session = Session(conference=conference)
        else:
            taken = (
                Session.objects.select_for_update()
                .filter(pk=session.pk)
                .values_list("taken", flat=True)
                .get()
            )
            if capacity is not None and capacity < taken:
                raise CapacityError(
                    _("%(taken)s people are already confirmed; the capacity can't be lower.")
                    % {"taken": taken}
                )
        session.title = title
        session.kind = kind
        session.track = track
        session.room = room
        session.starts_at = starts_at
        session.ends_at = ends_at
        session.description = description
        session.capacity = capacity
        session.signup_required = signup_required
        session.published = published
        session.is_cancelled = is_cancelled
        session.save()
        _speaker_roles_change(session=session, speakers=speakers)
        audit_record(
            actor=actor,
            conference=conference,
            action="session.create" if created else "session.update",
            obj=session,
            summary=session.title,
        )
    return session


def _speaker_roles_change(*, session, speakers):
    """
    Apply the rows of `speakers` to the session's speaker roles (only its
    own: another session's role ids are ignored): deletions first, so that a
    speaker taken off one row can be put on another, then changes, then new
    roles.
    """
    by_id = {row["id"]: row for row in speakers if row.get("id")}
    existing = {role.pk: role for role in session.speaker_roles.filter(pk__in=list(by_id))}
    gone = [pk for pk, row in by_id.items() if row.get("delete") and pk in existing]
    if gone:
        SessionSpeaker.objects.filter(pk__in=gone).delete()
    for pk, row in by_id.items():
        role = existing.get(pk)
        if role is None or row.get("delete"):
            continue
        values = (row["speaker"].pk, row["role"], row["position"])
        if (role.speaker_id, role.role, role.position) != values:
            role.speaker, role.role, role.position = row["speaker"], row["role"], row["position"]
            role.save(update_fields=["speaker", "role", "position"])
    new = [
        SessionSpeaker(
            session=session, speaker=row["speaker"], role=row["role"], position=row["position"]
        )
        for row in speakers
        if not row.get("id") and not row.get("delete")
    ]
    if new:
        SessionSpeaker.objects.bulk_create(new)


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
            summary=audit_message(
                gettext_noop("%(title)s: %(when)s %(room)s"),
                title=session.title,
                when=starts_at.isoformat(),
                room=room or "-",
            ),
        )
    return session


def session_copy_title(title):
    """A copy's title: "(copy)" after the title in each of its languages, in that language."""
    data = content_data(title)
    if not isinstance(data, dict):
        return (_("%(title)s (copy)") % {"title": data})[:200]
    copied = {}
    for code, text in data.items():
        with translation.override(code):
            copied[code] = (_("%(title)s (copy)") % {"title": text})[:200]
    return copied


def session_duplicate(*, session, actor):
    """A copy of a session and its speakers, unpublished and without sign-ups."""
    with transaction.atomic():
        roles = list(session.speaker_roles.all())
        copy = Session.objects.get(pk=session.pk)
        copy.pk = None
        copy.id = None
        copy.title = session_copy_title(session.title)
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
            summary=audit_message(
                gettext_noop("%(title)s (from %(n)s)"), title=copy.title, n=session.pk
            ),
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


def catalogue_save(*, conference, kind, obj=None, data, actor):
    """
    Create a room, track or speaker (`kind`) of `conference`, or change `obj`,
    from `data` (its fields), with an audit entry.
    """
    with transaction.atomic():
        if obj is None:
            obj = selectors.CATALOGUE_MODELS[kind](conference=conference)
        for name, value in data.items():
            setattr(obj, name, value)
        obj.conference = conference
        obj.save()
        audit_record(
            actor=actor,
            conference=conference,
            action=f"agenda.{kind}.save",
            obj=obj,
            summary=str(obj),
        )
    return obj


def catalogue_delete(*, kind, obj, actor):
    """
    Delete a room, track or speaker (`kind`), with an audit entry. One still
    in use by rows that protect it (a room with B2B tables) raises
    AgendaError and nothing changes.
    """
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                conference=obj.conference,
                action=f"agenda.{kind}.delete",
                obj=obj,
                summary=str(obj),
            )
            obj.delete()
    except ProtectedError as exc:
        raise AgendaError(
            _("“%(name)s” is still in use (for example by B2B meetings) and can't be deleted.")
            % {"name": obj}
        ) from exc
