"""Booking, moving and cancelling meetings: the services and their invariants."""

import datetime

import pytest
from django.utils import timezone

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingSeat, MeetingSlot, Unavailability
from b2b_meetings.rules import busy_reasons, is_blocked, people_in_slot
from b2b_meetings.services import B2BError, BookingError, booking
from conference.core.models import OrganisationKind, OutgoingEmail
from tests.factories import SessionFactory, SessionSignupFactory, TableFactory, local_time
from tests.helpers import listed

pytestmark = pytest.mark.django_db


def book(conference, slot, table, people, **kwargs):
    return services.meeting_create(
        conference=conference, slot=slot, table=table, registrations=people, **kwargs
    )


def test_it_books_one_seat_per_participant_in_step_with_the_meeting(
    conference, tables, slots, recycler, oem
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    seats = list(meeting.seats.order_by("registration_id"))
    assert [s.registration_id for s in seats] == sorted([recycler.pk, oem.pk])
    assert all(s.slot_id == slots[0].pk and s.is_active for s in seats)
    assert meeting.status == Meeting.Status.ACTIVE


def test_a_person_is_refused_a_second_meeting_in_the_same_slot(
    conference, tables, slots, recycler, oem, financier
):
    book(conference, slots[0], tables[0], [recycler, oem])

    with pytest.raises(BookingError, match="just taken"):
        book(conference, slots[0], tables[1], [recycler, financier])
    assert MeetingSeat.objects.filter(registration=recycler, is_active=True).count() == 1


def test_a_table_is_refused_a_second_meeting_in_the_same_slot(
    conference, tables, slots, recycler, oem, financier
):
    other = listed(conference, OrganisationKind.RESEARCH)
    book(conference, slots[0], tables[0], [recycler, oem])

    with pytest.raises(BookingError, match="just taken"):
        book(conference, slots[0], tables[0], [financier, other])
    # The same people at another table of that slot are fine.
    assert book(conference, slots[0], tables[1], [financier, other]).table == tables[1]


def test_without_a_table_the_first_free_one_is_assigned(
    conference, tables, slots, recycler, oem, financier
):
    other = listed(conference, OrganisationKind.RESEARCH)
    first = book(conference, slots[0], None, [recycler, oem])
    second = book(conference, slots[0], None, [financier, other])

    assert [first.table, second.table] == [tables[0], tables[1]]


def test_a_table_out_of_use_is_never_assigned(conference, tables, slots, recycler, oem):
    tables[0].is_active = False
    tables[0].save()

    assert book(conference, slots[0], None, [recycler, oem]).table == tables[1]
    with pytest.raises(BookingError):
        book(conference, slots[1], tables[0], [recycler, oem])


def test_when_every_table_is_taken_the_slot_is_refused(conference, room, slots):
    table = TableFactory(conference=conference, room=room)
    people = [listed(conference) for _ in range(4)]
    book(conference, slots[0], table, people[:2])

    with pytest.raises(BookingError, match="just taken"):
        book(conference, slots[0], None, people[2:])


def test_the_meeting_cap_per_delegate_holds(conference, tables, slots, recycler):
    conference.b2b_max_meetings_per_delegate = 2
    conference.save()
    for slot in slots[:2]:
        book(conference, slot, None, [recycler, listed(conference, OrganisationKind.OEM)])

    with pytest.raises(BookingError, match="meeting limit"):
        book(conference, slots[2], None, [recycler, listed(conference, OrganisationKind.OEM)])


def test_the_meeting_cap_per_organisation_counts_every_colleague(
    conference, tables, slots, recycler
):
    conference.b2b_max_meetings_per_organisation = 2
    conference.save()
    colleague = listed(conference, organisation=recycler.organisation)
    book(conference, slots[0], None, [recycler, listed(conference, OrganisationKind.OEM)])
    book(conference, slots[1], None, [colleague, listed(conference, OrganisationKind.OEM)])

    with pytest.raises(BookingError, match=r"organisation .* limit"):
        book(conference, slots[2], None, [recycler, listed(conference, OrganisationKind.OEM)])


def test_a_cancelled_meeting_frees_the_cap_the_seats_and_the_table(
    conference, tables, slots, recycler, oem, financier
):
    conference.b2b_max_meetings_per_delegate = 1
    conference.save()
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    services.meeting_cancel(meeting=meeting, actor=None)

    assert not MeetingSeat.objects.filter(meeting=meeting, is_active=True).exists()
    again = book(conference, slots[0], tables[0], [recycler, financier])
    assert again.pk != meeting.pk


def test_only_approved_delegates_of_the_conference_can_meet(conference, tables, slots, recycler):
    pending = listed(conference, status="pending")

    with pytest.raises(BookingError, match="approved"):
        book(conference, slots[0], tables[0], [recycler, pending])


def test_delegates_bookings_refuse_slots_marked_unavailable(
    conference, tables, slots, recycler, oem
):
    Unavailability.objects.create(registration=oem, slot=slots[0])

    with pytest.raises(BookingError, match="no longer free"):
        book(conference, slots[0], None, [recycler, oem], enforce_availability=True)
    # Organisers decide for themselves (the form warns them first).
    assert book(conference, slots[0], None, [recycler, oem]).slot == slots[0]


def test_a_confirmed_session_sign_up_blocks_overlapping_slots(
    conference, tables, slots, recycler, oem
):
    # 14:10–14:30 overlaps the 14:00 and 14:20 slots, not 14:40.
    session = SessionFactory(
        conference=conference,
        starts_at=slots[0].starts_at + datetime.timedelta(minutes=10),
        ends_at=slots[0].starts_at + datetime.timedelta(minutes=30),
    )
    SessionSignupFactory(session=session, registration=oem)

    for slot in slots[:2]:
        with pytest.raises(BookingError, match="no longer free"):
            book(conference, slot, None, [recycler, oem], enforce_availability=True)
    assert book(conference, slots[2], None, [recycler, oem], enforce_availability=True)


def test_a_waitlisted_or_cancelled_sign_up_does_not_block(conference, tables, slots, recycler, oem):
    session = SessionFactory(
        conference=conference, starts_at=slots[0].starts_at, ends_at=slots[0].ends_at
    )
    SessionSignupFactory(session=session, registration=oem, status="waitlisted")

    assert book(conference, slots[0], None, [recycler, oem], enforce_availability=True)


def test_delegates_cannot_book_a_slot_that_has_started(conference, tables, recycler, oem):
    now = timezone.now()
    slot = MeetingSlot.objects.create(
        conference=conference,
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(minutes=15),
    )

    with pytest.raises(BookingError, match="already started"):
        book(conference, slot, None, [recycler, oem], enforce_availability=True)


def test_the_database_constraint_is_the_last_word(
    conference, tables, slots, recycler, oem, financier, monkeypatch
):
    """With the service's own checks skipped, the partial unique constraint still refuses."""
    book(conference, slots[0], tables[0], [recycler, oem])
    monkeypatch.setattr(booking, "_check_people", lambda *args, **kwargs: None)

    with pytest.raises(BookingError, match="just taken"):
        book(conference, slots[0], tables[1], [recycler, financier])
    assert Meeting.objects.count() == 1


def test_booking_emails_each_participant_an_invitation(
    conference, tables, slots, recycler, oem, financier
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    emails = OutgoingEmail.objects.filter(kind="b2b.meeting_confirmed")
    assert sorted(e.recipient for e in emails) == sorted([recycler.user.email, oem.user.email])
    assert all("BEGIN:VCALENDAR" in e.ics and str(meeting.ics_uid) in e.ics for e in emails)
    assert financier.user.email not in OutgoingEmail.objects.values_list("recipient", flat=True)


# Moving -----------------------------------------------------------------------------


def test_moving_keeps_the_calendar_uid_raises_the_sequence_and_moves_the_seats(
    conference, tables, slots, recycler, oem, organiser
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    uid = meeting.ics_uid

    services.meeting_move(meeting=meeting, slot=slots[3], table=tables[2], actor=organiser)

    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.ics_uid, meeting.sequence) == (
        slots[3],
        tables[2],
        uid,
        1,
    )
    assert set(meeting.seats.values_list("slot_id", flat=True)) == {slots[3].pk}


def test_moving_to_a_slot_where_someone_is_busy_is_refused_and_nothing_changes(
    conference, tables, slots, recycler, oem, financier, organiser
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    book(conference, slots[1], tables[0], [oem, financier])

    with pytest.raises(BookingError):
        services.meeting_move(meeting=meeting, slot=slots[1], table=tables[1], actor=organiser)

    meeting.refresh_from_db()
    assert (meeting.slot, meeting.sequence) == (slots[0], 0)
    assert set(meeting.seats.values_list("slot_id", flat=True)) == {slots[0].pk}


def test_moving_to_another_table_in_the_same_slot_is_allowed(
    conference, tables, slots, recycler, oem, organiser
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    services.meeting_move(meeting=meeting, slot=slots[0], table=tables[1], actor=organiser)

    meeting.refresh_from_db()
    assert meeting.table == tables[1]


def test_a_participant_reschedules_to_a_free_slot_in_one_step(
    conference, tables, slots, recycler, oem
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    mail_before = OutgoingEmail.objects.count()

    services.meeting_reschedule(meeting=meeting, registration=oem, slot=slots[2])

    meeting.refresh_from_db()
    assert meeting.slot == slots[2] and meeting.sequence == 1
    rescheduled = OutgoingEmail.objects.filter(kind="b2b.meeting_rescheduled")
    assert OutgoingEmail.objects.count() == mail_before + 2
    assert {e.recipient for e in rescheduled} == {recycler.user.email, oem.user.email}


def test_participants_cannot_reschedule_a_meeting_that_has_started(
    conference, tables, recycler, oem
):
    now = timezone.now()
    running = MeetingSlot.objects.create(
        conference=conference,
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(minutes=15),
    )
    later = MeetingSlot.objects.create(
        conference=conference,
        starts_at=now + datetime.timedelta(hours=2),
        ends_at=now + datetime.timedelta(hours=2, minutes=20),
    )
    meeting = book(conference, running, tables[0], [recycler, oem])

    with pytest.raises(B2BError, match="already started"):
        services.meeting_reschedule(meeting=meeting, registration=recycler, slot=later)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.sequence) == (running, 0)


def test_participants_cannot_reschedule_a_locked_meeting(
    conference, tables, slots, recycler, oem, organiser
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    services.meeting_lock(meeting=meeting, locked=True, actor=organiser)

    with pytest.raises(B2BError, match="fixed"):
        services.meeting_reschedule(meeting=meeting, registration=oem, slot=slots[2])
    # Organisers still can.
    services.meeting_move(meeting=meeting, slot=slots[2], table=None, actor=organiser)


def test_only_participants_can_reschedule(conference, tables, slots, recycler, oem, financier):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    with pytest.raises(B2BError, match="not in this meeting"):
        services.meeting_reschedule(meeting=meeting, registration=financier, slot=slots[2])


def test_rescheduling_respects_the_participants_availability(
    conference, tables, slots, recycler, oem
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    Unavailability.objects.create(registration=recycler, slot=slots[2])

    with pytest.raises(BookingError, match="no longer free"):
        services.meeting_reschedule(meeting=meeting, registration=oem, slot=slots[2])


# Cancelling ---------------------------------------------------------------------------


def test_a_participant_cancels_and_only_the_other_side_gets_a_calendar_cancel(
    conference, tables, slots, recycler, oem
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    services.meeting_cancel(meeting=meeting, actor=recycler.user, registration=recycler)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.sequence == 1
    cancels = list(OutgoingEmail.objects.filter(kind="b2b.meeting_cancelled"))
    assert [e.recipient for e in cancels] == [oem.user.email]
    assert "METHOD:CANCEL" in cancels[0].ics


def test_organisers_cancel_and_both_sides_are_told(
    conference, tables, slots, recycler, oem, organiser
):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    services.meeting_cancel(meeting=meeting, actor=organiser)

    assert OutgoingEmail.objects.filter(kind="b2b.meeting_cancelled").count() == 2


def test_cancelling_twice_is_refused(conference, tables, slots, recycler, oem):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])
    services.meeting_cancel(meeting=meeting, actor=None)

    with pytest.raises(B2BError, match="already been cancelled"):
        services.meeting_cancel(meeting=meeting, actor=None)


def test_a_stranger_cannot_cancel(conference, tables, slots, recycler, oem, financier):
    meeting = book(conference, slots[0], tables[0], [recycler, oem])

    with pytest.raises(B2BError):
        services.meeting_cancel(meeting=meeting, actor=financier.user, registration=financier)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE


# Setup ------------------------------------------------------------------------------


def test_slots_are_cut_from_b2b_blocks_and_a_second_run_adds_nothing(conference, organiser):
    SessionFactory(
        conference=conference,
        kind="b2b_block",
        starts_at=local_time(conference, 15),
        ends_at=local_time(conference, 16, 10),
    )
    conference.b2b_slot_minutes = 20

    assert services.slots_generate(conference=conference, actor=organiser) == 3
    assert services.slots_generate(conference=conference, actor=organiser) == 0
    starts = [
        timezone.localtime(s.starts_at, conference.tz).strftime("%H:%M")
        for s in MeetingSlot.objects.filter(conference=conference)
    ]
    assert starts == ["15:00", "15:20", "15:40"]


def test_unused_slots_can_be_deleted_but_slots_with_meetings_stay(
    conference, tables, slots, recycler, oem, organiser
):
    book(conference, slots[1], tables[0], [recycler, oem])

    assert services.slots_delete_unused(conference=conference, actor=organiser) == 5
    assert list(MeetingSlot.objects.filter(conference=conference)) == [slots[1]]


def test_tables_are_added_in_bulk_and_existing_labels_are_skipped(
    conference, room, tables, organiser
):
    created, skipped = services.tables_create(
        conference=conference,
        room=room,
        labels=["T02", "T03", "T04", "T05"],
        actor=organiser,
    )

    assert (created, skipped) == (2, ["T02", "T03"])
    assert conference.tables.count() == 5


@pytest.mark.parametrize(
    "situation",
    ["free", "unavailable", "in_session", "waitlisted", "cancelled_session", "other_slot"],
)
def test_the_bookings_check_and_the_pages_agree_on_who_is_blocked(
    conference, tables, slots, recycler, oem, situation
):
    """`people_in_slot` (raw SQL, the booking's hot path) and `blocking` (ORM) say the same."""
    slot = slots[1]
    if situation == "unavailable":
        Unavailability.objects.create(registration=oem, slot=slot)
    elif situation == "other_slot":
        Unavailability.objects.create(registration=oem, slot=slots[3])
    elif situation != "free":
        session = SessionFactory(
            conference=conference,
            starts_at=slot.starts_at + datetime.timedelta(minutes=15),
            ends_at=slot.ends_at + datetime.timedelta(minutes=15),
            is_cancelled=situation == "cancelled_session",
        )
        status = "waitlisted" if situation == "waitlisted" else "confirmed"
        SessionSignupFactory(session=session, registration=oem, status=status)
    book(conference, slots[0], tables[0], [recycler, oem])

    state = people_in_slot(slot, [recycler.pk, oem.pk])
    reasons = busy_reasons(conference, slot, [recycler.pk, oem.pk])

    assert state[recycler.pk] == {
        "total": 1,
        "here": False,
        "unavailable": False,
        "in_session": False,
    }
    assert state[oem.pk]["unavailable"] == (situation == "unavailable")
    assert state[oem.pk]["in_session"] == (situation == "in_session")
    blocked = state[oem.pk]["unavailable"] or state[oem.pk]["in_session"]
    assert blocked == (oem.pk in reasons) == is_blocked(conference, slot, [oem.pk])
    assert people_in_slot(slots[0], [oem.pk])[oem.pk]["here"] is True
