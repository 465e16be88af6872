"""
Booking, moving, cancelling and locking meetings: organisers' bookings and
the booking behind `request_accept`.

Each service holds the locks of `b2b_meetings.services.locking` (in its
order) while it checks that everyone is free in the slot, under the
per-person and per-organisation caps, and that the table is free. Under
that the database has the last word: the partial unique constraints on
seats (registration, slot) and on meetings (table, slot). A booking that
loses a race raises `BookingError` with a message for the user, never a 500;
a change to a meeting that someone else changed first raises
`MeetingChanged`. Every participant is emailed through the outbox, in the
same transaction.
"""

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from b2b_meetings.errors import AlreadyMeeting, B2BError, BookingError, just_taken
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat, Table
from b2b_meetings.rules import is_blocked, people_in_slot
from b2b_meetings.services.locking import (
    _lock_meeting,
    _lock_organisations,
    _lock_people,
    _lock_slot,
)
from b2b_meetings.services.notifications import (
    _email_meeting,
    _meeting_participants,
    person_label,
)
from conference.core import events
from conference.core.services import audit_message, audit_record

# The activity feed ------------------------------------------------------------------
# Audit summaries for the organisers' feed name the people and the time, never
# only ids; they are stored as msgid and params, shown in the viewer's language.


def meeting_params(meeting, people):
    """
    The audit-summary params naming a meeting: people "A (Org), B (Org)", when
    "2026-01-14 15:20" (the conference's time) and table "T04".
    """
    when = timezone.localtime(meeting.slot.starts_at, meeting.conference.tz)
    return {
        "people": ", ".join(person_label(p) for p in people),
        "when": f"{when:%Y-%m-%d %H:%M}",
        "table": meeting.table.label,
    }


def request_params(meeting_request):
    """The audit-summary params of a request: a the requester, b whom they asked."""
    target = meeting_request.target_registration
    return {
        "a": person_label(meeting_request.requester),
        "b": person_label(target)
        if target is not None
        else meeting_request.target_organisation.name,
    }


def meeting_event(type, meeting, *, slot, participant_ids, previous_slot=None):
    """
    A domain event of `meeting` (webhooks, for staff systems): ids, state and
    times only, never its note, cancel reason or messages.
    """
    data = {
        "meeting": meeting.pk,
        "request": meeting.request_id,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "slot": slot.pk,
        "table": meeting.table_id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "participants": sorted(participant_ids),
    }
    if previous_slot is not None:
        data["previous_slot"] = previous_slot.pk
        data["previous_starts_at"] = previous_slot.starts_at.isoformat()
        data["previous_ends_at"] = previous_slot.ends_at.isoformat()
    if meeting.cancelled_at is not None:
        data["cancelled_at"] = meeting.cancelled_at.isoformat()
    return events.Event(type, f"meeting:{meeting.pk}", data)


# Checks (the caller holds the locks) -----------------------------------------------


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


# Booking ------------------------------------------------------------------------


def _book(
    *,
    conference,
    slot,
    table,
    people,
    meeting_request,
    actor,
    note,
    enforce_availability,
):
    """Checks and inserts under the caller's locks; returns the meeting."""
    _check_people(conference, slot, people, enforce_availability=enforce_availability)
    # One meeting per pair: a second is a mistake, or a race with a booking
    # of the same two (their registration locks are held, so this is final).
    already = _already_meet(people) if len(people) == 2 else None
    if already is not None:
        others = [p for p in people if p.user_id != getattr(actor, "pk", None)]
        if len(others) == 1:
            message = _("You already have a meeting with %(name)s.") % {
                "name": others[0].user.display_name
            }
        else:
            message = _("These two already have a meeting together.")
        raise AlreadyMeeting(message, meeting_id=already)
    table = _pick_table(conference, slot, table)
    # No savepoint: a refused insert raises out of the caller's transaction,
    # which rolls back as a whole (and saves two round trips per booking).
    try:
        with transaction.atomic(savepoint=False):
            meeting = Meeting.objects.create(
                conference=conference,
                request=meeting_request,
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
    meeting_request=None,
    actor=None,
    note="",
    enforce_availability=False,
    notify=True,
):
    """
    Book a meeting of `registrations` at `table` (None: the first free table)
    in `slot`, for `meeting_request` (the accepted request it comes from, if
    any). Used by organisers and by `request_accept`.

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
            meeting_request=meeting_request,
            actor=actor,
            note=note,
            enforce_availability=enforce_availability,
            notify=notify,
        )


def _create_in_transaction(
    *, conference, slot, table, ids, meeting_request, actor, note, enforce_availability, notify
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
        meeting_request=meeting_request,
        actor=actor,
        note=note,
        enforce_availability=enforce_availability,
    )
    if len(people) == 2:
        requests_settle(conference=conference, pairs=[(*people, meeting.request_id)])
    audit_record(
        actor=actor,
        conference=conference,
        action="meeting.create",
        obj=meeting,
        summary=audit_message(
            gettext_noop("Meeting booked between %(people)s at %(when)s, table %(table)s"),
            **meeting_params(meeting, people),
        ),
    )
    events.events_publish(
        conference=conference,
        events=[meeting_event(events.MEETING_BOOKED, meeting, slot=slot, participant_ids=ids)],
    )
    if notify:
        _email_meeting(meeting, people, "meeting_confirmed")
    return meeting


def _hm(slot, meeting):
    return f"{timezone.localtime(slot.starts_at, meeting.conference.tz):%H:%M}"


def _already_meet(people):
    """The id of an active meeting in which the two of `people` sit together, or None."""
    a, b = people
    return (
        MeetingSeat.objects.filter(registration=a, is_active=True)
        .filter(meeting__seats__registration=b, meeting__seats__is_active=True)
        .values_list("meeting_id", flat=True)
        .first()
    )


def requests_settle(*, conference, pairs):
    """
    Once people meet, the other open requests between them (either way, in
    person or to the other's organisation) are settled as accepted, joined
    with the request of their meeting: nobody is left answering a request for
    a meeting that exists. `pairs` are (registration, registration, request
    id or None) of the new meetings. One read finds the requests; only those
    are locked, and rows another transaction holds are skipped (it is
    answering them; the "already meet" check stops it booking twice), so
    this never waits against the lock order. Returns how many were settled.
    """
    partners = defaultdict(dict)  # registration id -> {the other: the meeting's request id}
    for a, b, request_id in pairs:
        partners[a.pk][b] = request_id
        partners[b.pk][a] = request_id
    if not partners:
        return 0
    open_requests = MeetingRequest.objects.filter(
        conference=conference,
        status__in=MeetingRequest.OPEN_STATUSES,
        requester__in=list(partners),
    ).values_list("pk", "requester_id", "target_registration_id", "target_organisation_id")
    settled = defaultdict(list)
    for pk, requester_id, target_id, target_org_id in open_requests:
        for other, request_id in partners[requester_id].items():
            asked_them = target_id == other.pk or (
                target_org_id is not None and target_org_id == other.organisation_id
            )
            if asked_them and pk != request_id:
                settled[request_id].append(pk)
                break
    count = 0
    for request_id, pks in settled.items():
        free = list(
            MeetingRequest.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
            .filter(pk__in=pks, status__in=MeetingRequest.OPEN_STATUSES)
            .values_list("pk", flat=True)
        )
        count += MeetingRequest.objects.filter(pk__in=free).update(
            status=MeetingRequest.Status.ACCEPTED, responded_at=timezone.now(), linked_id=request_id
        )
    return count


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
        summary=audit_message(
            gettext_noop(
                "Meeting between %(people)s moved to %(when)s, table %(table)s (from %(old)s)"
            ),
            old=_hm(old_slot, meeting),
            **meeting_params(meeting, people),
        ),
    )
    events.events_publish(
        conference=conference,
        events=[
            meeting_event(
                events.MEETING_RESCHEDULED,
                meeting,
                slot=slot,
                participant_ids=ids,
                previous_slot=old_slot,
            )
        ],
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
            # The request and those settled with it (joined, or the other way round).
            MeetingRequest.objects.filter(
                Q(pk=meeting.request_id) | Q(linked_id=meeting.request_id),
                status=MeetingRequest.Status.ACCEPTED,
            ).update(status=MeetingRequest.Status.CANCELLED)
        audit_record(
            actor=actor,
            conference=meeting.conference,
            action="meeting.cancel",
            obj=meeting,
            summary=audit_message(
                gettext_noop(
                    "Meeting between %(people)s at %(when)s, table %(table)s cancelled by %(by)s"
                ),
                by=person_label(registration),
                **meeting_params(meeting, participants),
            )
            if registration
            else audit_message(
                gettext_noop(
                    "Meeting between %(people)s at %(when)s, table %(table)s cancelled "
                    "by the organisers"
                ),
                **meeting_params(meeting, participants),
            ),
        )
        events.events_publish(
            conference=meeting.conference,
            events=[
                meeting_event(
                    events.MEETING_CANCELLED,
                    meeting,
                    slot=meeting.slot,
                    participant_ids=[p.pk for p in participants],
                )
            ],
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
                summary=audit_message(
                    gettext_noop(
                        "Meeting between %(people)s at %(when)s, table %(table)s locked in place"
                    )
                    if locked
                    else gettext_noop(
                        "Meeting between %(people)s at %(when)s, table %(table)s unlocked"
                    ),
                    **meeting_params(meeting, _meeting_participants(meeting)),
                ),
            )
    return meeting
