"""Meeting requests: sending, answering, withdrawing, and the emails with calendar files."""

import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingRequest, Unavailability
from b2b_meetings.services import B2BError, BookingError
from conference.core.models import OrganisationKind, OutgoingEmail
from tests.helpers import listed

pytestmark = pytest.mark.django_db


def send(conference, requester, target=None, organisation=None, **kwargs):
    return services.request_create(
        conference=conference,
        requester=requester,
        target_registration=target,
        target_organisation=organisation,
        agenda=kwargs.pop("agenda", "Offtake of recycled nickel"),
        **kwargs,
    )


def event_of(email):
    calendar = Calendar.from_ical(email.ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


# Sending ------------------------------------------------------------------------------


def test_a_request_to_a_delegate_emails_that_delegate_only(conference, recycler, oem, financier):
    request = send(conference, recycler, oem)

    assert request.status == MeetingRequest.Status.PENDING
    assert request.expires_at > timezone.now() + datetime.timedelta(hours=71)
    emails = OutgoingEmail.objects.filter(kind="b2b.b2b_request_received")
    assert [e.recipient for e in emails] == [oem.user.email]
    assert "Offtake of recycled nickel" in emails[0].body_text


def test_a_request_to_an_organisation_emails_every_listed_delegate_of_it(conference, recycler, oem):
    colleague = listed(conference, organisation=oem.organisation)
    unlisted = listed(conference, organisation=oem.organisation, directory_consent=False)

    send(conference, recycler, organisation=oem.organisation)

    recipients = set(
        OutgoingEmail.objects.filter(kind="b2b.b2b_request_received").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {oem.user.email, colleague.user.email}
    assert unlisted.user.email not in recipients


def test_a_second_pending_request_to_the_same_target_is_refused(conference, recycler, oem):
    send(conference, recycler, oem)

    with pytest.raises(B2BError, match="already have a request"):
        send(conference, recycler, oem)


def test_the_pending_request_cap_holds(conference, recycler):
    conference.b2b_max_pending_requests = 2
    conference.save()
    for _ in range(2):
        send(conference, recycler, listed(conference, OrganisationKind.OEM))

    with pytest.raises(B2BError, match="most allowed"):
        send(conference, recycler, listed(conference, OrganisationKind.OEM))


def test_kind_rules_refuse_pairs_the_organisers_did_not_open(conference, recycler, oem):
    government = listed(conference, OrganisationKind.GOVERNMENT)
    conference.b2b_kind_rules = [["recycler", "oem"], ["financier", "recycler"]]
    conference.save()

    assert send(conference, oem, recycler)  # either direction of an open pair
    with pytest.raises(B2BError, match="not opened"):
        send(conference, recycler, government)


@pytest.mark.parametrize(
    "case", ["self", "own organisation", "not listed", "not approved", "requester pending"]
)
def test_requests_that_make_no_sense_are_refused(conference, recycler, case):
    requester, target = recycler, None
    if case == "self":
        target = recycler
    elif case == "own organisation":
        target = listed(conference, organisation=recycler.organisation)
    elif case == "not listed":
        target = listed(conference, OrganisationKind.OEM, directory_consent=False)
    elif case == "not approved":
        target = listed(conference, OrganisationKind.OEM, status="pending")
    else:
        requester = listed(conference, status="pending")
        target = listed(conference, OrganisationKind.OEM)

    with pytest.raises(B2BError):
        send(conference, requester, target)
    assert not MeetingRequest.objects.exists()


def test_an_organisation_without_listed_delegates_cannot_be_requested(conference, recycler):
    unlisted = listed(conference, OrganisationKind.OEM, directory_consent=False)

    with pytest.raises(B2BError):
        send(conference, recycler, organisation=unlisted.organisation)


# Accepting ----------------------------------------------------------------------------


def test_accepting_books_a_free_table_and_sends_both_an_ics_request(
    conference, tables, slots, recycler, oem
):
    request = send(conference, recycler, oem)

    meeting = services.request_accept(meeting_request=request, responder=oem, slot=slots[1])

    request.refresh_from_db()
    assert (request.status, request.responded_by) == (MeetingRequest.Status.ACCEPTED, oem)
    assert (meeting.slot, meeting.table, meeting.request) == (slots[1], tables[0], request)
    emails = OutgoingEmail.objects.filter(kind="b2b.meeting_confirmed")
    assert {e.recipient for e in emails} == {recycler.user.email, oem.user.email}
    for email in emails:
        calendar, event = event_of(email)
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == str(meeting.ics_uid)
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == slots[1].starts_at


def test_each_invitation_names_only_its_recipient_as_attendee(
    conference, tables, slots, recycler, oem
):
    """The other side is named in the summary; their login address is not disclosed."""
    meeting = services.request_accept(
        meeting_request=send(conference, recycler, oem), responder=oem, slot=slots[1]
    )
    services.meeting_reschedule(meeting=meeting, registration=recycler, slot=slots[4])
    services.meeting_cancel(meeting=meeting, actor=oem.user, registration=oem)

    emails = OutgoingEmail.objects.filter(kind__startswith="b2b.meeting_")
    assert emails.count() == 5  # two confirmations, two moves, one cancellation
    for email in emails:
        _calendar, event = event_of(email)
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a) for a in attendees] == [f"mailto:{email.recipient}"]
        other = oem if email.recipient == recycler.user.email else recycler
        assert other.user.email not in email.ics
        assert other.user.display_name in str(event["SUMMARY"])


def test_reschedule_keeps_the_uid_with_a_higher_sequence_and_cancel_sends_cancel(
    conference, tables, slots, recycler, oem
):
    meeting = services.request_accept(
        meeting_request=send(conference, recycler, oem), responder=oem, slot=slots[1]
    )

    services.meeting_reschedule(meeting=meeting, registration=recycler, slot=slots[4])
    services.meeting_cancel(meeting=meeting, actor=oem.user, registration=oem, reason="Flight")

    moved = OutgoingEmail.objects.get(kind="b2b.meeting_rescheduled", recipient=oem.user.email)
    calendar, event = event_of(moved)
    assert calendar["METHOD"] == "REQUEST"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (str(meeting.ics_uid), 1)
    assert event.decoded("DTSTART") == slots[4].starts_at
    cancelled = OutgoingEmail.objects.get(kind="b2b.meeting_cancelled")
    assert cancelled.recipient == recycler.user.email
    calendar, event = event_of(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (str(meeting.ics_uid), 2)
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Flight" in cancelled.body_text
    request = meeting.request
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.CANCELLED


def test_any_listed_colleague_may_accept_a_request_to_their_organisation(
    conference, tables, slots, recycler, oem
):
    colleague = listed(conference, organisation=oem.organisation)
    request = send(conference, recycler, organisation=oem.organisation)

    meeting = services.request_accept(meeting_request=request, responder=colleague, slot=slots[0])

    people = set(meeting.seats.values_list("registration_id", flat=True))
    assert people == {recycler.pk, colleague.pk}


def test_a_second_colleague_cannot_accept_once_the_first_did(
    conference, tables, slots, recycler, oem
):
    colleague = listed(conference, organisation=oem.organisation)
    request = send(conference, recycler, organisation=oem.organisation)
    services.request_accept(meeting_request=request, responder=oem, slot=slots[0])

    with pytest.raises(B2BError, match="already been answered"):
        services.request_accept(meeting_request=request, responder=colleague, slot=slots[1])
    assert Meeting.objects.count() == 1


def test_an_unlisted_colleague_cannot_answer_for_the_organisation(
    conference, tables, slots, recycler, oem
):
    unlisted = listed(conference, organisation=oem.organisation, directory_consent=False)
    request = send(conference, recycler, organisation=oem.organisation)

    with pytest.raises(B2BError, match="not addressed to you"):
        services.request_accept(meeting_request=request, responder=unlisted, slot=slots[0])


@pytest.mark.parametrize("who", ["requester", "stranger"])
def test_only_the_recipient_can_accept(conference, tables, slots, recycler, oem, financier, who):
    request = send(conference, recycler, oem)
    responder = recycler if who == "requester" else financier

    with pytest.raises(B2BError, match="not addressed to you"):
        services.request_accept(meeting_request=request, responder=responder, slot=slots[0])


def test_an_expired_request_cannot_be_accepted(conference, tables, slots, recycler, oem):
    request = send(conference, recycler, oem)
    MeetingRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with pytest.raises(B2BError, match="expired"):
        services.request_accept(meeting_request=request, responder=oem, slot=slots[0])


def test_accepting_a_slot_one_side_has_blocked_is_refused_and_the_request_stays_open(
    conference, tables, slots, recycler, oem
):
    request = send(conference, recycler, oem)
    Unavailability.objects.create(registration=recycler, slot=slots[0])

    with pytest.raises(BookingError):
        services.request_accept(meeting_request=request, responder=oem, slot=slots[0])
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.PENDING
    assert not OutgoingEmail.objects.filter(kind="b2b.meeting_confirmed").exists()


# Declining and withdrawing ------------------------------------------------------------------


def test_declining_tells_the_requester_with_the_reason(conference, recycler, oem):
    request = send(conference, recycler, oem)

    services.request_decline(meeting_request=request, responder=oem, reason="Outside our mandate")

    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.DECLINED
    email = OutgoingEmail.objects.get(kind="b2b.b2b_request_declined")
    assert email.recipient == recycler.user.email
    assert "Outside our mandate" in email.body_text


def test_withdrawing_tells_the_recipients_and_frees_the_pair(conference, recycler, oem):
    request = send(conference, recycler, oem)

    services.request_withdraw(meeting_request=request, requester=recycler)

    assert OutgoingEmail.objects.get(kind="b2b.b2b_request_withdrawn").recipient == (oem.user.email)
    assert send(conference, recycler, oem).status == MeetingRequest.Status.PENDING


def test_only_the_sender_can_withdraw(conference, recycler, oem):
    request = send(conference, recycler, oem)

    with pytest.raises(B2BError):
        services.request_withdraw(meeting_request=request, requester=oem)
