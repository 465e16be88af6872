"""
Writes of the B2B meetings app.

Every service runs in one transaction. Services that book, move or answer
take row locks in one fixed order, so that two of them never deadlock:

    meeting request → meeting → participants' registrations (by pk)
    → their organisations (by pk, only when a per-organisation cap is set)
    → the slot

The registration locks make the per-person checks (free in that slot, under
the meeting cap) and the insert one step; the slot lock does the same for
picking a free table. Under that the database has the last word: the partial
unique constraints on seats (registration, slot) and on meetings (table,
slot). A booking that loses a race raises `BookingError` with a message for
the user, never a 500; a change to a meeting that someone else changed first
raises `MeetingChanged`.

A lock query reads the locked rows alone (no joined relations: see
`_lock_meeting`); their relations are read once the lock is held.

Emails go through the outbox (`conference.core.services.email_queue`, or
`email_queue_many` for a meeting's participants: one insert, one delivery
task), written in the transaction that causes them, with dedup keys that
make retries and repeated sweeps harmless. Closed door: meeting emails go
only to the meeting's participants, and each one's calendar file names only
its recipient as attendee.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.models import (
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)
from b2b_meetings.rules import (
    is_blocked,
    is_request_recipient,
    kind_pair_allowed,
    people_in_slot,
)
from conference.core.calendar import CalendarEvent, ics_calendar
from conference.core.errors import DomainError
from conference.core.models import Conference, Organisation
from conference.core.services import audit_record, email_queue, email_queue_many
from sessions_app.models import Session


class B2BError(DomainError):
    """A B2B action that cannot be done; the message is for the user."""


class BookingError(B2BError):
    """A booking that cannot be made; the message is for the user."""


class MeetingChanged(B2BError):
    """
    The meeting was moved (or removed) by someone else after the person
    asking saw it; views answer 409 with the message.
    """


def just_taken():
    return _("That slot was just taken. Please choose another.")


def meeting_just_changed():
    return _("This meeting just changed. Reload the page and try again.")


def _organisation_recipients(request):
    return list(
        Registration.objects.filter(
            conference_id=request.conference_id,
            organisation_id=request.target_organisation_id,
            status=Registration.Status.APPROVED,
            directory_consent=True,
        )
        .exclude(pk=request.requester_id)
        .select_related("user")
    )


def request_recipients(request):
    """The people a request is addressed to: one delegate, or an organisation's."""
    if request.target_registration_id is not None:
        return [request.target_registration]
    return _organisation_recipients(request)


# Locks and checks ------------------------------------------------------------------


def registrations_lock(*, conference, ids):
    """
    Lock the registrations of `ids` at `conference` in primary-key order, then
    read them with their users and organisations. The lock query reads the
    registration rows alone: with the organisation joined, a delegate's change
    of organisation committed while this waited for the lock would come back
    as no organisation at all (see `_lock_meeting`).
    """
    registrations = Registration.objects.filter(pk__in=ids, conference=conference).order_by("pk")
    list(registrations.select_for_update(no_key=True).values_list("pk", flat=True))
    return list(registrations.select_related("user", "organisation"))


def _lock_people(conference, ids):
    """Lock the registrations of `ids` in primary-key order and return them."""
    people = registrations_lock(conference=conference, ids=ids)
    if len(people) != len(ids) or any(not p.is_approved for p in people):
        raise BookingError(_("Only approved delegates of this conference can meet."))
    return people


def _lock_organisations(conference, people):
    """
    Lock the participants' organisations (in pk order) when a per-organisation
    cap is set: two colleagues booking at once with different people would
    otherwise both see the organisation one meeting under its cap.
    """
    if conference.b2b_max_meetings_per_organisation is None:
        return
    org_ids = sorted({p.organisation_id for p in people if p.organisation_id})
    list(
        Organisation.objects.select_for_update(no_key=True)
        .filter(pk__in=org_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_slot(conference, slot):
    locked = (
        MeetingSlot.objects.select_for_update(no_key=True)
        .filter(pk=slot.pk, conference=conference)
        .first()
    )
    if locked is None:
        raise BookingError(_("That slot is not offered (any more). Please choose another."))
    return locked


def _check_people(conference, slot, people, *, enforce_availability):
    """
    Refuse when a participant already sits in an active meeting in `slot`,
    has reached the meeting cap, or (for delegates' bookings, with
    `enforce_availability`) blocked the slot; or when an organisation has
    reached its cap. The per-person part is one query (`people_in_slot`):
    the hot path of every booking.
    """
    if enforce_availability and slot.starts_at <= timezone.now():
        raise BookingError(_("That slot has already started. Please choose a later one."))
    rows = people_in_slot(slot, [p.pk for p in people]).values()
    if any(row["here"] for row in rows):
        raise BookingError(just_taken())
    if any(row["total"] >= conference.b2b_max_meetings_per_delegate for row in rows):
        raise BookingError(_("Someone in this meeting has reached the meeting limit."))
    if enforce_availability and any(row["unavailable"] or row["in_session"] for row in rows):
        raise BookingError(
            _("That slot is no longer free for everyone in this meeting. Please choose another.")
        )
    org_cap = conference.b2b_max_meetings_per_organisation
    org_ids = {p.organisation_id for p in people if p.organisation_id}
    if org_cap is not None and org_ids:
        counts = (
            MeetingSeat.objects.filter(
                is_active=True,
                meeting__conference=conference,
                registration__organisation__in=org_ids,
            )
            .values("registration__organisation")
            .order_by()
            .annotate(n=Count("pk"))
        )
        # A meeting between two colleagues takes two of their organisation's seats.
        needed = {}
        for person in people:
            if person.organisation_id:
                needed[person.organisation_id] = needed.get(person.organisation_id, 0) + 1
        for row in counts:
            org_id = row["registration__organisation"]
            if row["n"] + needed[org_id] > org_cap:
                raise BookingError(
                    _("An organisation in this meeting has reached its meeting limit.")
                )
        if any(n > org_cap for n in needed.values()):
            raise BookingError(_("An organisation in this meeting has reached its meeting limit."))


def _pick_table(conference, slot, table, *, moving=None):
    """
    The requested table if it is in use and free in `slot`, else the first
    free table (the caller holds the slot's lock). A meeting being moved
    does not count against its own table.
    """
    taken = Meeting.objects.filter(slot=slot, status=Meeting.Status.ACTIVE)
    if moving is not None:
        taken = taken.exclude(pk=moving.pk)
    if table is not None:
        if table.conference_id != conference.pk or not table.is_active:
            raise BookingError(_("That table is not in use."))
        if taken.filter(table=table).exists():
            raise BookingError(_("That table was just taken in this slot. Please choose another."))
        return table
    free = (
        Table.objects.filter(conference=conference, is_active=True)
        .exclude(pk__in=taken.values("table"))
        .select_related("room")
        .order_by("room__position", "room__name", "label")
        .first()
    )
    if free is None:
        raise BookingError(_("Every table in that slot was just taken. Please choose another."))
    return free


def _check_available(conference, slot, people):
    """For delegates' bookings: the slot is ahead and nobody has blocked it."""
    if slot.starts_at <= timezone.now():
        raise BookingError(_("That slot has already started. Please choose a later one."))
    if is_blocked(conference, slot, [p.pk for p in people]):
        raise BookingError(
            _("That slot is no longer free for everyone in this meeting. Please choose another.")
        )


def _check_move(conference, slot, people, *, meeting, enforce_availability):
    """For moving `meeting`: its people are free in `slot` (their own seats aside)."""
    seats = MeetingSeat.objects.filter(
        registration__in=[p.pk for p in people], slot=slot, is_active=True
    ).exclude(meeting=meeting)
    if seats.exists():
        raise BookingError(just_taken())
    if enforce_availability:
        _check_available(conference, slot, people)


# Emails and calendar -------------------------------------------------------------


def _person_label(registration):
    name = registration.user.display_name
    if registration.organisation_id:
        return f"{name} ({registration.organisation.name})"
    return name


def _meeting_context(meeting, registration, participants):
    others = [p for p in participants if p.pk != registration.pk]
    return {
        "meeting": meeting,
        "registration": registration,
        "others": others,
        "slot": meeting.slot,
        "table": meeting.table,
        "room": meeting.table.room,
        "agenda": meeting.request.agenda if meeting.request_id else "",
        "meeting_url": settings.SITE_ROOT + meeting.get_absolute_url(),
        "time_zone": meeting.conference.time_zone,
    }


def meeting_ics(meeting, participants, *, method="REQUEST", cancelled=False, recipient=None):
    """
    The meeting as an iCalendar invitation: its UID never changes, SEQUENCE
    grows with every change, so calendars update the one event in place.
    With `recipient` (a participant's copy) that person is the only ATTENDEE:
    the others are named in the summary, but their email addresses are not
    theirs to learn (the directory shows only the contact they chose).
    """
    conference = meeting.conference
    names = " · ".join(_person_label(p) for p in participants)
    room = meeting.table.room
    location = ", ".join(
        part
        for part in [
            _("Table %(table)s") % {"table": meeting.table.label},
            room.name,
            room.location,
            conference.venue,
        ]
        if part
    )
    event = CalendarEvent(
        uid=str(meeting.ics_uid),
        starts_at=meeting.slot.starts_at,
        ends_at=meeting.slot.ends_at,
        summary=_("B2B meeting: %(names)s") % {"names": names},
        sequence=meeting.sequence,
        description=(meeting.request.agenda if meeting.request_id else "") or meeting.note,
        location=location,
        url=settings.SITE_ROOT + meeting.get_absolute_url(),
        cancelled=cancelled,
        last_modified=timezone.now(),
        attendees=[
            (p.user.email, p.user.display_name)
            for p in ([recipient] if recipient is not None else participants)
        ],
        organizer=(
            conference.contact_email or settings.DEFAULT_FROM_EMAIL,
            conference.sender_name or conference.name,
        ),
    )
    return ics_calendar(
        name=conference.name, time_zone=conference.time_zone, events=[event], method=method
    ).decode()


def _meeting_participants(meeting):
    return [
        seat.registration
        for seat in meeting.seats.select_related("registration__user", "registration__organisation")
        .order_by("registration_id")
        .all()
    ]


def _email_meeting(meeting, participants, template, *, recipients=None, extra=None):
    """
    One email per recipient (default: every participant) about `meeting`, with
    the recipient's own calendar file: REQUEST for a booking or a move, CANCEL
    for a cancellation. The dedup key names the meeting's SEQUENCE, so each
    change is sent once per person. The rows are written with one insert and
    delivered by one task (`email_queue_many`): this runs inside every
    booking's locks.
    """
    cancelled = meeting.status == Meeting.Status.CANCELLED
    conference = meeting.conference
    messages = []
    for registration in recipients if recipients is not None else participants:
        user = registration.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            ics = meeting_ics(
                meeting,
                participants,
                method="CANCEL" if cancelled else "REQUEST",
                cancelled=cancelled,
                recipient=registration,
            )
        messages.append(
            {
                "recipient": user.email,
                "template": template,
                "context": {
                    **_meeting_context(meeting, registration, participants),
                    **(extra or {}),
                },
                "kind": f"b2b.{template}",
                "dedup_key": f"b2b:meeting:{meeting.pk}:seq:{meeting.sequence}:{registration.pk}",
                "user": user,
                "ics": ics,
            }
        )
    if messages:
        with timezone.override(conference.tz):
            email_queue_many(messages=messages, conference=conference)


def _email_request(request, template, recipients, extra=None):
    conference = request.conference
    for registration in recipients:
        with timezone.override(conference.tz):
            email_queue(
                recipient=registration.user.email,
                template=template,
                context={
                    "request": request,
                    "registration": registration,
                    "requester": request.requester,
                    "requests_url": settings.SITE_ROOT
                    + _url("b2b_meetings:request", conference.slug, request.pk),
                    "time_zone": conference.time_zone,
                    **(extra or {}),
                },
                kind=f"b2b.{template}",
                dedup_key=f"b2b:request:{request.pk}:{template}:{registration.pk}",
                conference=conference,
                user=registration.user,
            )


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


# Booking ------------------------------------------------------------------------


def _book(
    *,
    conference,
    slot,
    table,
    people,
    request,
    actor,
    note,
    enforce_availability,
):
    """Checks and inserts under the caller's locks; returns the meeting."""
    _check_people(conference, slot, people, enforce_availability=enforce_availability)
    table = _pick_table(conference, slot, table)
    # No savepoint: a refused insert raises out of the caller's transaction,
    # which rolls back as a whole (and saves two round trips per booking).
    try:
        with transaction.atomic(savepoint=False):
            meeting = Meeting.objects.create(
                conference=conference,
                request=request,
                slot=slot,
                table=table,
                note=note,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            MeetingSeat.objects.bulk_create(
                MeetingSeat(meeting=meeting, registration=p, slot=slot) for p in people
            )
    except IntegrityError as exc:
        raise BookingError(just_taken()) from exc
    meeting.conference = conference
    meeting.slot = slot
    meeting.table = table
    return meeting


def meeting_create(
    *,
    conference,
    slot,
    table,
    registrations,
    request=None,
    actor=None,
    note="",
    enforce_availability=False,
    notify=True,
):
    """
    Book a meeting of `registrations` at `table` (None: the first free table)
    in `slot`. Used by organisers and by `request_accept`.

    Locks the participants' registration rows in primary-key order (so two
    bookings of overlapping people never deadlock), their organisations when
    a per-organisation cap is set, then the slot; checks that everyone is
    free in the slot, under the per-person and per-organisation caps, and
    that the table is free; then inserts the meeting and one seat per person.
    With `enforce_availability` it also refuses a slot that has started or
    that someone marked unavailable or spends in a session (delegates'
    bookings; organisers see those as warnings instead). The partial unique
    constraints on seats and on (table, slot) are the last word: a booking
    that loses a race raises BookingError, never a 500. Emails every
    participant a confirmation with an ICS invitation (unless `notify` is
    false).
    """
    if slot.conference_id != conference.pk or (
        table is not None and table.conference_id != conference.pk
    ):
        raise BookingError(_("That slot or table belongs to another conference."))
    ids = sorted({r.pk for r in registrations})
    if len(ids) < 2:
        raise BookingError(_("A meeting needs at least two people."))

    with transaction.atomic():
        return _create_in_transaction(
            conference=conference,
            slot=slot,
            table=table,
            ids=ids,
            request=request,
            actor=actor,
            note=note,
            enforce_availability=enforce_availability,
            notify=notify,
        )


def _create_in_transaction(
    *, conference, slot, table, ids, request, actor, note, enforce_availability, notify
):
    """`meeting_create` inside the caller's transaction (no savepoint of its own)."""
    people = _lock_people(conference, ids)
    _lock_organisations(conference, people)
    slot = _lock_slot(conference, slot)
    meeting = _book(
        conference=conference,
        slot=slot,
        table=table,
        people=people,
        request=request,
        actor=actor,
        note=note,
        enforce_availability=enforce_availability,
    )
    audit_record(
        actor=actor,
        conference=conference,
        action="meeting.create",
        obj=meeting,
        summary=f"Meeting at {meeting.table} in slot {slot.pk}",
    )
    if notify:
        _email_meeting(meeting, people, "meeting_confirmed")
    return meeting


def _lock_meeting(meeting, *, seen_sequence=None):
    """
    Lock a meeting (after its request, per the lock order) and return it
    fresh, with its conference, slot, table and request.

    The lock query reads the meeting row alone, then the relations are read
    under the lock. Locking with the slot and table joined does not work
    under READ COMMITTED: once a competing move commits, PostgreSQL re-checks
    the join with the new meeting row against the old slot and table rows,
    and the meeting drops out of the result.

    A meeting that is gone raises MeetingChanged, as does an active one
    whose SEQUENCE is no longer `seen_sequence` (when given): it was moved
    after the person asking saw it, so of parallel changes made from the same
    page the first wins and the others are refused. A meeting cancelled
    since is left to the caller's own, clearer refusal.
    """
    if meeting.request_id:
        MeetingRequest.objects.select_for_update(no_key=True).filter(pk=meeting.request_id).first()
    current = (
        Meeting.objects.select_for_update(no_key=True)
        .filter(pk=meeting.pk)
        .order_by()  # the default ordering would join the slot and table
        .values_list("sequence", "status")
        .first()
    )
    if current is None:
        raise MeetingChanged(meeting_just_changed())
    sequence, status = current
    moved = seen_sequence is not None and sequence != seen_sequence
    if moved and status == Meeting.Status.ACTIVE:
        raise MeetingChanged(meeting_just_changed())
    return Meeting.objects.select_related("conference", "slot", "table__room", "request").get(
        pk=meeting.pk
    )


def _move(*, meeting, slot, table, actor, enforce_availability, template):
    """Move a locked meeting to (slot, table); seats follow in the same transaction."""
    conference = meeting.conference
    if meeting.status != Meeting.Status.ACTIVE:
        raise BookingError(_("This meeting has been cancelled."))
    if slot.conference_id != conference.pk:
        raise BookingError(_("That slot belongs to another conference."))
    ids = sorted(meeting.seats.values_list("registration_id", flat=True))
    people = _lock_people(conference, ids)
    slot = _lock_slot(conference, slot)
    if slot.pk == meeting.slot_id and (table is None or table.pk == meeting.table_id):
        raise BookingError(_("The meeting is already there."))
    _check_move(
        conference, slot, people, meeting=meeting, enforce_availability=enforce_availability
    )
    new_table = _pick_table(conference, slot, table, moving=meeting)
    old_slot = meeting.slot
    try:
        with transaction.atomic(savepoint=False):
            meeting.slot = slot
            meeting.table = new_table
            meeting.sequence += 1
            meeting.save(update_fields=["slot", "table", "sequence", "updated_at"])
            MeetingSeat.objects.filter(meeting=meeting).update(slot=slot)
    except IntegrityError as exc:
        raise BookingError(just_taken()) from exc
    audit_record(
        actor=actor,
        conference=conference,
        action="meeting.move",
        obj=meeting,
        summary=f"Meeting moved from slot {old_slot.pk} to {slot.pk}, {new_table}",
    )
    _email_meeting(meeting, people, template, extra={"old_slot": old_slot})
    return meeting


def meeting_move(*, meeting, slot, table=None, actor, seen_sequence=None):
    """
    Organisers: move a meeting to another slot and/or table. The meeting keeps
    its calendar UID and its SEQUENCE grows; both participants get the
    updated invitation. Locks, checks and races as `meeting_create`; the
    participants' unavailability and sessions are the organiser's call
    (shown as warnings before saving). A meeting moved since the organiser
    saw it at `seen_sequence` raises MeetingChanged.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting, seen_sequence=seen_sequence)
        return _move(
            meeting=meeting,
            slot=slot,
            table=table,
            actor=actor,
            enforce_availability=False,
            template="meeting_rescheduled",
        )


def meeting_reschedule(*, meeting, registration, slot, seen_sequence=None):
    """
    A participant moves the meeting to another slot both sides have free, in
    one step: the old time is released only if the new one can be booked.
    A table is assigned automatically. Locked meetings (fixed by the
    organisers) and meetings that have started cannot be rescheduled by
    participants. A meeting moved since the participant saw it at
    `seen_sequence` raises MeetingChanged.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting, seen_sequence=seen_sequence)
        if not meeting.seats.filter(registration=registration).exists():
            raise B2BError(_("You are not in this meeting."))
        if meeting.locked:
            raise B2BError(_("The organisers have fixed this meeting; please ask them to move it."))
        if meeting.slot.starts_at <= timezone.now():
            raise B2BError(_("This meeting has already started; it can no longer be moved."))
        return _move(
            meeting=meeting,
            slot=slot,
            table=None,
            actor=registration.user,
            enforce_availability=True,
            template="meeting_rescheduled",
        )


def meeting_cancel(*, meeting, actor, registration=None, reason="", seen_sequence=None):
    """
    Cancel a meeting: by a participant (`registration`) or an organiser. The
    seats are released in the same transaction, the request (if any) is
    marked cancelled, SEQUENCE grows and every participant other than the
    one cancelling gets an ICS CANCEL. A meeting moved since it was seen at
    `seen_sequence` raises MeetingChanged.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting, seen_sequence=seen_sequence)
        participants = _meeting_participants(meeting)
        if registration is not None and registration.pk not in {p.pk for p in participants}:
            raise B2BError(_("You are not in this meeting."))
        if meeting.status != Meeting.Status.ACTIVE:
            raise B2BError(_("This meeting has already been cancelled."))
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancelled_at = timezone.now()
        meeting.cancel_reason = reason[:300]
        meeting.sequence += 1
        meeting.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "sequence", "updated_at"]
        )
        MeetingSeat.objects.filter(meeting=meeting).update(is_active=False)
        if meeting.request_id and meeting.request.status == MeetingRequest.Status.ACCEPTED:
            MeetingRequest.objects.filter(pk=meeting.request_id).update(
                status=MeetingRequest.Status.CANCELLED
            )
        audit_record(
            actor=actor,
            conference=meeting.conference,
            action="meeting.cancel",
            obj=meeting,
            summary=f"Meeting {meeting.pk} cancelled"
            + (" by a participant" if registration else " by the organisers"),
        )
        recipients = [p for p in participants if registration is None or p.pk != registration.pk]
        _email_meeting(
            meeting,
            participants,
            "meeting_cancelled",
            recipients=recipients,
            extra={"cancelled_by": registration, "reason": reason},
        )
    return meeting


def meeting_lock(*, meeting, locked, actor):
    """
    Organisers fix a meeting in place (participants can no longer move it),
    wherever it is now. A meeting that is gone raises MeetingChanged.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if meeting.locked != locked:
            meeting.locked = locked
            meeting.save(update_fields=["locked", "updated_at"])
            audit_record(
                actor=actor,
                conference=meeting.conference,
                action="meeting.lock" if locked else "meeting.unlock",
                obj=meeting,
                summary=f"Meeting {meeting.pk} {'locked' if locked else 'unlocked'}",
            )
    return meeting


# Requests -----------------------------------------------------------------------


def request_create(
    *,
    conference,
    requester,
    target_registration=None,
    target_organisation=None,
    agenda="",
    priority=MeetingRequest.Priority.NORMAL,
):
    """
    Send a meeting request to a delegate or to an organisation. Locks the
    requester's registration so that the pending-request cap holds; the
    partial unique constraints keep one pending request per pair. Emails the
    recipient (every delegate of the organisation listed in the directory).
    """
    if (target_registration is None) == (target_organisation is None):
        raise B2BError(_("Choose one delegate or one organisation."))
    with transaction.atomic():
        (requester,) = registrations_lock(conference=requester.conference_id, ids=[requester.pk])
        if requester.conference_id != conference.pk or not requester.is_approved:
            raise B2BError(_("Only approved delegates can request meetings."))
        if target_registration is not None:
            target_registration = (
                Registration.objects.select_related("user", "organisation")
                .filter(
                    pk=target_registration.pk,
                    conference=conference,
                    status=Registration.Status.APPROVED,
                    directory_consent=True,
                )
                .first()
            )
            if target_registration is None:
                raise B2BError(_("That delegate cannot be requested."))
            if target_registration.pk == requester.pk:
                raise B2BError(_("You cannot request a meeting with yourself."))
            target_org_id = target_registration.organisation_id
            target_kind = (
                target_registration.organisation.kind if target_registration.organisation else None
            )
        else:
            target_org_id = target_organisation.pk
            target_kind = target_organisation.kind
            if not Registration.objects.filter(
                conference=conference,
                organisation=target_organisation,
                status=Registration.Status.APPROVED,
                directory_consent=True,
            ).exists():
                raise B2BError(_("That organisation cannot be requested."))
        if requester.organisation_id and requester.organisation_id == target_org_id:
            raise B2BError(_("You cannot request a meeting with your own organisation."))
        own_kind = requester.organisation.kind if requester.organisation else None
        if not kind_pair_allowed(conference, own_kind, target_kind):
            raise B2BError(
                _("The organisers have not opened meetings between these kinds of organisation.")
            )
        pending = MeetingRequest.objects.filter(
            requester=requester, status=MeetingRequest.Status.PENDING
        ).count()
        if pending >= conference.b2b_max_pending_requests:
            raise B2BError(
                _(
                    "You have %(n)s requests waiting for an answer, the most allowed. "
                    "Withdraw one or wait for answers."
                )
                % {"n": pending}
            )
        booked = MeetingSeat.objects.filter(registration=requester, is_active=True).count()
        if booked >= conference.b2b_max_meetings_per_delegate:
            raise B2BError(_("You have reached the meeting limit."))
        try:
            with transaction.atomic():
                request = MeetingRequest.objects.create(
                    conference=conference,
                    requester=requester,
                    target_registration=target_registration,
                    target_organisation=target_organisation,
                    agenda=agenda.strip()[:1000],
                    priority=priority,
                    expires_at=timezone.now()
                    + datetime.timedelta(hours=conference.b2b_request_expiry_hours),
                )
        except IntegrityError as exc:
            raise B2BError(_("You already have a request waiting for an answer there.")) from exc
        request.conference = conference
        audit_record(
            actor=requester.user,
            conference=conference,
            action="meeting_request.create",
            obj=request,
            summary=f"Request {request.pk}",
        )
        _email_request(request, "b2b_request_received", request_recipients(request))
    return request


_REQUEST_PEOPLE = [
    "conference",
    "requester__user",
    "requester__organisation",
    "target_registration__user",
    "target_registration__organisation",
    "target_organisation",
]


def _lock_request(request, *, people=False):
    """
    Lock a request row and return it fresh. The lock takes the row alone (a
    wide join costs planning time on the hot path of accepting); with
    `people` the parties are read too, for the emails.
    """
    locked = (
        MeetingRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("conference")
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise B2BError(_("This request no longer exists."))
    if people:
        locked = MeetingRequest.objects.select_related(*_REQUEST_PEOPLE).get(pk=request.pk)
    return locked


def _ensure_pending(request, now=None):
    now = now or timezone.now()
    if request.status != MeetingRequest.Status.PENDING:
        raise B2BError(_("This request has already been answered or withdrawn."))
    if request.expires_at is not None and request.expires_at <= now:
        raise B2BError(_("This request has expired."))


def request_accept(*, request, responder, slot):
    """
    Accept a pending request by choosing a slot both sides have free; a free
    table is assigned automatically. Locks the request first (so two
    colleagues answering an organisation's request cannot both accept), then
    books as `meeting_create` with availability enforced. The requester and
    the responder get a confirmation with the ICS invitation.

    `request` and `slot` are read afresh under their locks, so a caller may
    pass stand-ins that carry only the primary key (and, for the slot, the
    conference it expects): whether the request is addressed to `responder`
    and the slot belongs to the request's conference is checked here.
    """
    with transaction.atomic():
        request = _lock_request(request)
        if not is_request_recipient(request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(request)
        conference = request.conference
        if slot.conference_id != conference.pk:
            raise BookingError(_("That slot belongs to another conference."))
        meeting = _create_in_transaction(
            conference=conference,
            slot=slot,
            table=None,
            ids=sorted({request.requester_id, responder.pk}),
            request=request,
            actor=responder.user,
            note="",
            enforce_availability=True,
            notify=True,
        )
        request.status = MeetingRequest.Status.ACCEPTED
        request.responded_by = responder
        request.responded_at = timezone.now()
        request.save(update_fields=["status", "responded_by", "responded_at"])
    return meeting


def request_decline(*, request, responder, reason=""):
    """Decline a pending request with an optional reason; emails the requester."""
    with transaction.atomic():
        request = _lock_request(request, people=True)
        if not is_request_recipient(request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(request)
        request.status = MeetingRequest.Status.DECLINED
        request.responded_by = responder
        request.responded_at = timezone.now()
        request.decline_reason = reason.strip()[:300]
        request.save(update_fields=["status", "responded_by", "responded_at", "decline_reason"])
        audit_record(
            actor=responder.user,
            conference=request.conference,
            action="meeting_request.decline",
            obj=request,
            summary=f"Request {request.pk} declined",
        )
        _email_request(
            request, "b2b_request_declined", [request.requester], {"responder": responder}
        )
    return request


def request_withdraw(*, request, requester):
    """The requester withdraws a pending request; the recipients are told."""
    with transaction.atomic():
        request = _lock_request(request, people=True)
        if request.requester_id != requester.pk:
            raise B2BError(_("Only the sender can withdraw a request."))
        if request.status != MeetingRequest.Status.PENDING:
            raise B2BError(_("This request has already been answered or withdrawn."))
        request.status = MeetingRequest.Status.CANCELLED
        request.responded_at = timezone.now()
        request.save(update_fields=["status", "responded_at"])
        audit_record(
            actor=requester.user,
            conference=request.conference,
            action="meeting_request.withdraw",
            obj=request,
            summary=f"Request {request.pk} withdrawn",
        )
        _email_request(request, "b2b_request_withdrawn", request_recipients(request))
    return request


# Sweeps (beat, every minute) -------------------------------------------------------


def requests_expire(*, now=None, limit=500):
    """
    Mark pending requests past their deadline expired and tell the requester.
    Rows another sweep is handling are skipped (SKIP LOCKED); the dedup key
    makes the email once per request. Returns the number expired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            MeetingRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MeetingRequest.Status.PENDING, expires_at__lte=now)
            .select_related(*_REQUEST_PEOPLE)
            .order_by("expires_at")[:limit]
        )
        for request in stale:
            request.status = MeetingRequest.Status.EXPIRED
        MeetingRequest.objects.bulk_update(stale, ["status"])
        for request in stale:
            _email_request(request, "b2b_request_expired", [request.requester])
    return len(stale)


def _sweep_conferences(now):
    # Conferences still running (or just ended): few rows, read every minute.
    return Conference.objects.filter(end_date__gte=(now - datetime.timedelta(days=3)).date())


def meeting_reminders_queue(*, now=None):
    """
    Queue a reminder for every participant of every active meeting that
    starts within the conference's reminder lead time. The dedup key names
    the person, the meeting and its start time: exactly one reminder per
    person and time, however often the sweep runs, and a new one if the
    meeting is moved. Returns the number of outbox rows touched.
    """
    now = now or timezone.now()
    count = 0
    for conference in _sweep_conferences(now):
        horizon = now + datetime.timedelta(minutes=conference.b2b_reminder_minutes)
        meetings = (
            Meeting.objects.filter(
                conference=conference,
                status=Meeting.Status.ACTIVE,
                slot__starts_at__gt=now,
                slot__starts_at__lte=horizon,
            )
            .select_related("slot", "table__room", "request")
            .prefetch_related("seats__registration__user", "seats__registration__organisation")
        )
        for meeting in meetings:
            meeting.conference = conference
            participants = [seat.registration for seat in meeting.seats.all()]
            start = meeting.slot.starts_at.astimezone(datetime.UTC)
            for registration in participants:
                with transaction.atomic(), timezone.override(conference.tz):
                    email_queue(
                        recipient=registration.user.email,
                        template="meeting_reminder",
                        context=_meeting_context(meeting, registration, participants),
                        kind="b2b.meeting_reminder",
                        dedup_key=(
                            f"b2b:reminder:meeting:{meeting.pk}:reg:{registration.pk}"
                            f":{start:%Y%m%dT%H%M%SZ}"
                        ),
                        conference=conference,
                        user=registration.user,
                    )
                count += 1
    return count


FEEDBACK_WINDOW = datetime.timedelta(days=2)


def meeting_feedback_requests_queue(*, now=None):
    """
    After an active meeting's slot has ended, ask each participant who has not
    given feedback yet for it, once (dedup key per meeting and person).
    Meetings that ended more than FEEDBACK_WINDOW ago are left alone.
    """
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(
            status=Meeting.Status.ACTIVE,
            slot__ends_at__lte=now,
            slot__ends_at__gt=now - FEEDBACK_WINDOW,
        )
        .select_related("conference", "slot", "table__room", "request")
        .prefetch_related(
            "seats__registration__user", "seats__registration__organisation", "feedback"
        )
    )
    count = 0
    for meeting in meetings:
        participants = [seat.registration for seat in meeting.seats.all()]
        answered = {f.registration_id for f in meeting.feedback.all()}
        for registration in participants:
            if registration.pk in answered:
                continue
            with transaction.atomic(), timezone.override(meeting.conference.tz):
                email_queue(
                    recipient=registration.user.email,
                    template="meeting_feedback",
                    context=_meeting_context(meeting, registration, participants),
                    kind="b2b.meeting_feedback",
                    dedup_key=f"b2b:feedback:meeting:{meeting.pk}:reg:{registration.pk}",
                    conference=meeting.conference,
                    user=registration.user,
                )
            count += 1
    return count


# Delegates' own data -------------------------------------------------------------


def availability_set(*, registration, unavailable_slot_ids):
    """Replace the slots `registration` has marked unavailable."""
    with transaction.atomic():
        wanted = set(
            MeetingSlot.objects.filter(
                conference_id=registration.conference_id, pk__in=unavailable_slot_ids
            ).values_list("pk", flat=True)
        )
        current = set(
            Unavailability.objects.filter(registration=registration).values_list(
                "slot_id", flat=True
            )
        )
        Unavailability.objects.filter(
            registration=registration, slot_id__in=current - wanted
        ).delete()
        Unavailability.objects.bulk_create(
            [Unavailability(registration=registration, slot_id=pk) for pk in wanted - current],
            ignore_conflicts=True,
        )
    return wanted


def feedback_submit(*, meeting, registration, outcome, note=""):
    """
    A participant's private feedback on a meeting that has started (one per
    person; sending again replaces it). Only organisers read it.
    """
    with transaction.atomic():
        if not MeetingSeat.objects.filter(meeting=meeting, registration=registration).exists():
            raise B2BError(_("You are not in this meeting."))
        if meeting.status != Meeting.Status.ACTIVE:
            raise B2BError(_("This meeting was cancelled."))
        if meeting.slot.starts_at > timezone.now():
            raise B2BError(_("Feedback opens when the meeting starts."))
        feedback, _created = MeetingFeedback.objects.update_or_create(
            meeting=meeting,
            registration=registration,
            defaults={"outcome": outcome, "note": note.strip()[:2000]},
        )
    return feedback


# Organiser setup ----------------------------------------------------------------


B2B_SETTINGS_FIELDS = [
    "b2b_slot_minutes",
    "b2b_request_expiry_hours",
    "b2b_max_meetings_per_delegate",
    "b2b_max_meetings_per_organisation",
    "b2b_max_pending_requests",
    "b2b_reminder_minutes",
    "b2b_kind_rules",
]


def b2b_settings_update(*, conference, actor, **values):
    """Save the B2B settings of `conference` (fields in B2B_SETTINGS_FIELDS)."""
    unknown = set(values) - set(B2B_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not B2B settings: {sorted(unknown)}")
    with transaction.atomic():
        changed = {k: v for k, v in values.items() if getattr(conference, k) != v}
        for key, value in values.items():
            setattr(conference, key, value)
        conference.save(update_fields=list(values))
        if changed:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.settings",
                obj=conference,
                summary="B2B settings changed: " + ", ".join(sorted(changed)),
                data=changed,
            )
    return conference


def slots_generate(*, conference, actor):
    """
    Cut every B2B block of the agenda into slots of the conference's slot
    length. Times already covered by a slot are skipped, so running it again
    only fills gaps (e.g. a new block). Returns the number of new slots.
    """
    length = datetime.timedelta(minutes=conference.b2b_slot_minutes)
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()
        blocks = Session.objects.filter(
            conference=conference, kind=Session.Kind.B2B_BLOCK, is_cancelled=False
        ).order_by("starts_at")
        existing = list(
            MeetingSlot.objects.filter(conference=conference).values_list("starts_at", "ends_at")
        )
        new = []
        for block in blocks:
            start = block.starts_at
            while start + length <= block.ends_at:
                end = start + length
                if not any(s < end and e > start for s, e in existing):
                    new.append(
                        MeetingSlot(
                            conference=conference, block=block, starts_at=start, ends_at=end
                        )
                    )
                    existing.append((start, end))
                start = end
        MeetingSlot.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.slots",
                obj=conference,
                summary=f"{len(new)} B2B slots created",
            )
    return len(new)


def slots_delete_unused(*, conference, actor):
    """Delete the slots that have never held a meeting (cancelled ones count)."""
    with transaction.atomic():
        unused = MeetingSlot.objects.filter(conference=conference).exclude(
            pk__in=Meeting.objects.filter(conference=conference).values("slot")
        )
        count = unused.count()
        unused.delete()
        if count:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.slots",
                obj=conference,
                summary=f"{count} unused B2B slots deleted",
            )
    return count


def tables_create(*, conference, room, labels, seats=4, actor):
    """
    Add tables with `labels` in `room`; labels already used in the conference
    are skipped. Returns (created, skipped labels).
    """
    if room.conference_id != conference.pk:
        raise B2BError(_("That room belongs to another conference."))
    labels = [label.strip() for label in labels if label.strip()]
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()
        taken = set(
            Table.objects.filter(conference=conference, label__in=labels).values_list(
                "label", flat=True
            )
        )
        fresh = list(dict.fromkeys(label for label in labels if label not in taken))
        Table.objects.bulk_create(
            Table(conference=conference, room=room, label=label, seats=seats) for label in fresh
        )
        if fresh:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.tables",
                obj=room,
                summary=f"{len(fresh)} tables added in {room.name}",
            )
    return len(fresh), sorted(taken)


def table_set_active(*, table, is_active, actor):
    """
    Take a table out of use (it gets no new meetings; booked ones stay and
    organisers move them) or back into use.
    """
    with transaction.atomic():
        Table.objects.filter(pk=table.pk).update(is_active=is_active)
        table.is_active = is_active
        audit_record(
            actor=actor,
            conference=table.conference,
            action="b2b.table",
            obj=table,
            summary=f"Table {table.label} {'in use' if is_active else 'out of use'}",
        )
    return table
