"""Writes of the B2B meetings app."""

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingSeat
from conference.services import audit_record


class BookingError(Exception):
    """A booking that cannot be made; the message is for the user."""


def meeting_create(*, conference, slot, table, registrations, request=None, actor=None, note=""):
    """
    Book a meeting of `registrations` at `table` in `slot`.

    Locks the participants' registration rows in primary-key order (so two
    bookings of overlapping people never deadlock), checks that everyone is
    free and under the cap, then inserts the meeting and one seat per person.
    The partial unique constraints on seats and on (table, slot) are the last
    word: a booking that loses a race raises BookingError, never a 500.
    """
    if slot.conference_id != conference.pk or table.conference_id != conference.pk:
        raise BookingError(_("That slot or table belongs to another conference."))
    ids = sorted({r.pk for r in registrations})
    if len(ids) < 2:
        raise BookingError(_("A meeting needs at least two people."))

    with transaction.atomic():
        people = list(
            Registration.objects.select_for_update()
            .filter(pk__in=ids, conference=conference)
            .order_by("pk")
        )
        if len(people) != len(ids) or any(not p.is_approved for p in people):
            raise BookingError(_("Only approved delegates of this conference can meet."))
        busy = MeetingSeat.objects.filter(registration__in=ids, slot=slot, is_active=True)
        if busy.exists():
            raise BookingError(_("Someone in this meeting is already booked in that slot."))
        if Meeting.objects.filter(table=table, slot=slot, status=Meeting.Status.ACTIVE).exists():
            raise BookingError(_("That table was just taken. Please choose another slot."))
        cap = conference.b2b_max_meetings_per_delegate
        full = (
            MeetingSeat.objects.filter(registration__in=ids, is_active=True)
            .values("registration")
            .order_by()
            .annotate(n=Count("pk"))
            .filter(n__gte=cap)
        )
        if full.exists():
            raise BookingError(_("Someone in this meeting has reached the meeting limit."))
        try:
            with transaction.atomic():
                meeting = Meeting.objects.create(
                    conference=conference,
                    request=request,
                    slot=slot,
                    table=table,
                    note=note,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                MeetingSeat.objects.bulk_create(
                    MeetingSeat(meeting=meeting, registration_id=pk, slot=slot) for pk in ids
                )
        except IntegrityError as exc:
            raise BookingError(_("That slot was just taken. Please choose another.")) from exc
        audit_record(
            actor=actor,
            conference=conference,
            action="meeting.create",
            obj=meeting,
            summary=f"Meeting at {table} in slot {slot.pk}",
        )
    return meeting
