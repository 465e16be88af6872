"""
Row locks of the B2B writes, always taken in one order so that two services
never deadlock:

    meeting request → meeting → participants' registrations (by pk)
    → their organisations (by pk, only when a per-organisation cap is set)
    → the slot

A lock query reads the locked rows alone (no joined relations: see
`_lock_meeting`); their relations are read once the lock is held. The
scheduler's commit takes the same locks in the same order.
"""

from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.errors import BookingError, MeetingChanged, meeting_just_changed
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot
from conference.core.models import Organisation


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
