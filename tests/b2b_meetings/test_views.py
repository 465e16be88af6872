"""The B2B pages through HTTP: who may see what, and the flows delegates and organisers use."""

import datetime

import pytest
from django.utils import timezone

from b2b_meetings import services
from b2b_meetings.models import Meeting, MeetingFeedback, MeetingRequest, Unavailability
from conference.core.models import OrganisationKind, OutgoingEmail, Role
from tests.factories import (
    ConferenceFactory,
    ConferenceRoleFactory,
    RegistrationFactory,
    TableFactory,
)
from tests.helpers import book_meeting, listed, login, make_slots, send_request, url

pytestmark = pytest.mark.django_db


# Closed door -------------------------------------------------------------------------


def test_a_meeting_page_is_404_for_anyone_but_its_participants_and_organisers(
    conference, tables, slots, recycler, oem, financier, organiser, security_officer
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])
    page = url(conference, f"b2b/meetings/{meeting.pk}/")

    assert login(recycler.user).get(page).status_code == 200
    assert login(oem.user).get(page).status_code == 200
    assert login(organiser).get(page).status_code == 200
    assert login(financier.user).get(page).status_code == 404
    # The same answer as for a meeting that does not exist.
    assert login(financier.user).get(url(conference, "b2b/meetings/999999/")).status_code == 404
    assert login(financier.user).get(page + "meeting.ics").status_code == 404
    assert login(security_officer).get(page).status_code == 403
    assert login(oem.user).get(page + "meeting.ics")["Content-Type"].startswith("text/calendar")


def test_actions_on_someone_elses_meeting_are_404_and_change_nothing(
    conference, tables, slots, recycler, oem, financier
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])
    client = login(financier.user)

    for action in ("cancel/", "reschedule/", "feedback/"):
        response = client.post(url(conference, f"b2b/meetings/{meeting.pk}/{action}"))
        assert response.status_code == 404, action
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE


def test_a_meeting_in_another_conference_is_404_even_for_its_organisers(conference, organiser):
    elsewhere = ConferenceFactory()
    (slot,) = make_slots(elsewhere, 1)
    table = TableFactory(conference=elsewhere)
    people = [listed(elsewhere), listed(elsewhere, OrganisationKind.OEM)]
    meeting = book_meeting(elsewhere, slot, people, table=table)
    ConferenceRoleFactory(conference=elsewhere, user=organiser, role=Role.ORGANISER)
    client = login(organiser)
    page = f"b2b/meetings/{meeting.pk}/"

    # An organiser of both conferences: only the conference in the URL can refuse.
    assert client.get(url(elsewhere, page)).status_code == 200
    response = client.get(url(conference, page))

    assert response.status_code == 404


def test_a_request_is_404_for_people_it_does_not_concern(conference, recycler, oem, financier):
    request = send_request(conference, recycler, oem)
    page = url(conference, f"b2b/requests/{request.pk}/")

    assert login(recycler.user).get(page).status_code == 200
    assert login(oem.user).get(page).status_code == 200
    assert login(financier.user).get(page).status_code == 404
    response = login(financier.user).post(page + "accept/", {"slot": 1})
    assert response.status_code == 404


def test_the_directory_lists_consenting_delegates_and_never_meetings(
    conference, tables, slots, recycler, oem, financier
):
    hidden = RegistrationFactory(conference=conference, approved=True, directory_consent=False)
    pending = listed(conference, OrganisationKind.RESEARCH, status="pending")
    book_meeting(conference, slots[0], [recycler, oem], note="Secret cobalt deal")
    client = login(financier.user)

    directory = client.get(url(conference, "b2b/")).content.decode()
    org_page = client.get(url(conference, f"b2b/organisations/{oem.organisation_id}/"))

    assert recycler.organisation.name in directory and oem.organisation.name in directory
    assert hidden.organisation.name not in directory
    assert pending.organisation.name not in directory
    html = org_page.content.decode()
    assert oem.user.display_name in html
    for secret in ("Secret cobalt deal", "T01", recycler.user.display_name, oem.user.email):
        assert secret not in directory and secret not in html
    # An organisation with no listed delegate has no page.
    hidden_page = client.get(url(conference, f"b2b/organisations/{hidden.organisation_id}/"))
    assert hidden_page.status_code == 404


def test_the_directory_filters_by_kind_country_and_text(conference, recycler, oem, financier):
    oem.organisation.country = "JP"
    oem.organisation.offers = "Anchor offtake for recycled lithium"
    oem.organisation.save()
    client = login(financier.user)

    by_kind = client.get(url(conference, "b2b/?kind=oem")).content.decode()
    by_country = client.get(url(conference, "b2b/?country=JP")).content.decode()
    by_text = client.get(url(conference, "b2b/?q=offtake")).content.decode()

    for html in (by_kind, by_country, by_text):
        assert oem.organisation.name in html
        assert recycler.organisation.name not in html


def test_pages_of_others_requests_and_meetings_leak_nothing(
    conference, tables, slots, recycler, oem, financier
):
    book_meeting(conference, slots[0], [recycler, oem])
    send_request(conference, oem, organisation=recycler.organisation)
    send_request(conference, recycler, listed(conference, OrganisationKind.FINANCIER))

    html = login(financier.user).get(url(conference, "b2b/requests/")).content.decode()

    assert recycler.user.display_name not in html
    assert oem.user.display_name not in html


def test_emails_about_a_meeting_go_to_its_participants_only(
    conference, tables, slots, recycler, oem, financier
):
    colleague = listed(conference, organisation=oem.organisation)
    request = send_request(conference, recycler, organisation=oem.organisation)
    before = set(OutgoingEmail.objects.values_list("pk", flat=True))

    login(oem.user).post(
        url(conference, f"b2b/requests/{request.pk}/accept/"), {"slot": slots[0].pk}
    )

    recipients = {e.recipient for e in OutgoingEmail.objects.exclude(pk__in=before)}
    assert recipients == {recycler.user.email, oem.user.email}
    assert colleague.user.email not in recipients and financier.user.email not in recipients


def test_once_a_colleague_answered_an_organisation_request_the_others_no_longer_see_it(
    conference, tables, slots, recycler, oem
):
    colleague = listed(conference, organisation=oem.organisation)
    request = send_request(conference, recycler, organisation=oem.organisation)
    page = url(conference, "b2b/requests/")
    assert recycler.user.display_name in login(colleague.user).get(page).content.decode()

    services.request_accept(meeting_request=request, responder=oem, slot=slots[0])

    assert recycler.user.display_name not in login(colleague.user).get(page).content.decode()
    detail = url(conference, f"b2b/requests/{request.pk}/")
    assert login(colleague.user).get(detail).status_code == 404
    assert recycler.user.display_name in login(oem.user).get(page).content.decode()


def test_only_approved_delegates_and_organisers_reach_the_b2b_pages(
    conference, organiser, checkin_staff
):
    pending = RegistrationFactory(conference=conference)

    assert login(pending.user).get(url(conference, "b2b/")).status_code == 403
    assert login(checkin_staff).get(url(conference, "b2b/")).status_code == 403
    assert login(organiser).get(url(conference, "b2b/")).status_code == 200
    assert login(organiser).get(url(conference, "b2b/requests/")).status_code == 403


def test_the_navbar_shows_b2b_to_delegates_and_organisers_only(conference, recycler, organiser):
    pending = RegistrationFactory(conference=conference)
    home = url(conference)

    directory = f'href="{url(conference, "b2b/")}"'
    grid = f'href="{url(conference, "manage/b2b/")}"'

    assert directory in login(recycler.user).get(home).content.decode()
    assert grid in login(organiser).get(home).content.decode()
    html = login(pending.user).get(home).content.decode()
    assert directory not in html and grid not in html


@pytest.mark.parametrize(
    "path",
    ["manage/b2b/", "manage/b2b/setup/", "manage/b2b/stats/", "manage/b2b/feedback/"],
)
def test_the_organiser_pages_are_for_organisers(conference, recycler, organiser, path):
    assert login(recycler.user).get(url(conference, path)).status_code == 403
    assert login(organiser).get(url(conference, path)).status_code == 200


# Delegates' flows --------------------------------------------------------------------


def test_a_delegate_sends_a_request_from_the_directory(conference, recycler, oem):
    client = login(recycler.user)
    form = url(conference, f"b2b/requests/new/organisation/{oem.organisation_id}/")

    assert client.get(form).status_code == 200
    response = client.post(form, {"agenda": "Offtake from 2027", "priority": 3})

    assert response.status_code == 302
    request = MeetingRequest.objects.get()
    assert (request.target_organisation, request.priority) == (oem.organisation, 3)
    assert request.agenda == "Offtake from 2027"


def test_a_refused_request_shows_why(conference, recycler, oem):
    send_request(conference, recycler, oem)

    response = login(recycler.user).post(
        url(conference, f"b2b/requests/new/delegate/{oem.pk}/"), {"agenda": "Again", "priority": 2}
    )

    assert response.status_code == 400
    assert "already have a request" in response.content.decode()


def test_a_delegate_cannot_request_an_unlisted_delegate_by_id(conference, recycler):
    hidden = listed(conference, OrganisationKind.OEM, directory_consent=False)

    response = login(recycler.user).get(url(conference, f"b2b/requests/new/delegate/{hidden.pk}/"))

    assert response.status_code == 404


def test_the_accept_page_offers_only_slots_both_sides_have_free(
    conference, tables, slots, recycler, oem, financier
):
    request = send_request(conference, recycler, oem)
    Unavailability.objects.create(registration=recycler, slot=slots[0])
    book_meeting(conference, slots[1], [oem, financier])

    html = login(oem.user).get(url(conference, f"b2b/requests/{request.pk}/")).content.decode()

    offered = {slot.pk for slot in slots if f'value="{slot.pk}" id="slot-{slot.pk}"' in html}
    assert offered == {slot.pk for slot in slots[2:]}


def test_accepting_through_the_page_books_and_shows_the_meeting(
    conference, tables, slots, recycler, oem
):
    request = send_request(conference, recycler, oem)
    client = login(oem.user)

    response = client.post(
        url(conference, f"b2b/requests/{request.pk}/accept/"), {"slot": slots[2].pk}
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert recycler.user.display_name in page and "T01" in page


def test_a_slot_taken_meanwhile_gives_a_clear_message_not_an_error(
    conference, tables, slots, recycler, oem, financier
):
    request = send_request(conference, recycler, oem)
    book_meeting(conference, slots[2], [recycler, financier])

    response = login(oem.user).post(
        url(conference, f"b2b/requests/{request.pk}/accept/"), {"slot": slots[2].pk}
    )

    assert response.status_code == 409
    assert "just taken" in response.content.decode()
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.PENDING


def moved_by_the_other_side_first(monkeypatch, name, slot, other):
    """
    `services.<name>` made to find the meeting moved by `other` (to `slot`)
    after the page read it and before the change is made.
    """
    change, reschedule = getattr(services, name), services.meeting_reschedule

    def late(*, meeting, **kwargs):
        reschedule(meeting=Meeting.objects.get(pk=meeting.pk), registration=other, slot=slot)
        return change(meeting=meeting, **kwargs)

    monkeypatch.setattr(services, name, late)


@pytest.mark.parametrize("action", ["reschedule/", "cancel/"])
def test_a_change_to_a_meeting_moved_meanwhile_answers_409_reload(
    conference, tables, slots, recycler, oem, monkeypatch, action
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])
    name = "meeting_reschedule" if action == "reschedule/" else "meeting_cancel"
    moved_by_the_other_side_first(monkeypatch, name, slots[4], recycler)

    response = login(oem.user).post(
        url(conference, f"b2b/meetings/{meeting.pk}/{action}"), {"slot": slots[2].pk}
    )

    assert response.status_code == 409
    assert "This meeting just changed. Reload the page and try again." in (
        response.content.decode()
    )
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.status, meeting.sequence) == (slots[4], "active", 1)


def test_an_organisers_move_of_a_meeting_moved_meanwhile_answers_htmx_with_409_and_a_reload(
    conference, tables, slots, recycler, oem, organiser, monkeypatch
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])
    moved_by_the_other_side_first(monkeypatch, "meeting_move", slots[4], recycler)
    client = login(organiser)

    response = client.post(
        url(conference, f"manage/b2b/meetings/{meeting.pk}/move/"),
        {"slot": slots[2].pk, "table": tables[1].pk, "confirm": "on"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert response["HX-Refresh"] == "true"
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.sequence) == (slots[4], 1)
    reloaded = client.get(meeting.get_absolute_url()).content.decode()
    assert "This meeting just changed. Reload the page and try again." in reloaded


def test_accepting_someone_elses_request_is_404_and_books_nothing(
    conference, tables, slots, recycler, oem, financier
):
    request = send_request(conference, recycler, oem)
    accept = url(conference, f"b2b/requests/{request.pk}/accept/")

    for who in (financier, recycler):  # a stranger, and the sender
        response = login(who.user).post(accept, {"slot": slots[2].pk})
        assert response.status_code == 404
    missing = url(conference, f"b2b/requests/{request.pk + 1000}/accept/")
    assert login(oem.user).post(missing, {"slot": slots[2].pk}).status_code == 404
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.PENDING
    assert not Meeting.objects.exists()


def test_accepting_with_a_slot_of_another_conference_is_refused_with_a_message(
    conference, tables, slots, recycler, oem
):
    (foreign,) = make_slots(ConferenceFactory(), 1)
    request = send_request(conference, recycler, oem)
    client = login(oem.user)
    accept = url(conference, f"b2b/requests/{request.pk}/accept/")

    refused = client.post(accept, {"slot": foreign.pk})
    unnamed = client.post(accept, {"slot": ""})
    nonsense = [client.post(accept, {"slot": value}) for value in ("²", "9" * 30, "-1")]

    assert refused.status_code == 409
    assert "That slot is not offered (any more)" in refused.content.decode()
    assert unnamed.status_code == 400
    assert "choose one of the times offered" in unnamed.content.decode()
    assert [response.status_code for response in nonsense] == [400, 400, 400]
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.PENDING


def test_declining_and_withdrawing_through_the_pages(conference, recycler, oem, financier):
    first = send_request(conference, recycler, oem)
    second = send_request(conference, recycler, financier)

    login(oem.user).post(url(conference, f"b2b/requests/{first.pk}/decline/"), {"reason": "No"})
    login(recycler.user).post(url(conference, f"b2b/requests/{second.pk}/withdraw/"))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decline_reason, second.status) == ("declined", "No", "cancelled")


def test_a_delegate_marks_slots_unavailable(conference, slots, recycler):
    client = login(recycler.user)

    client.post(url(conference, "b2b/availability/"), {"unavailable": [slots[1].pk, slots[3].pk]})
    client.post(url(conference, "b2b/availability/"), {"unavailable": [slots[3].pk]})

    marked = set(
        Unavailability.objects.filter(registration=recycler).values_list("slot", flat=True)
    )
    assert marked == {slots[3].pk}


def test_a_participant_reschedules_and_cancels_through_the_pages(
    conference, tables, slots, recycler, oem
):
    meeting = book_meeting(conference, slots[0], [recycler, oem])
    client = login(oem.user)
    page = url(conference, f"b2b/meetings/{meeting.pk}/")

    assert client.get(page + "reschedule/").status_code == 200
    client.post(page + "reschedule/", {"slot": slots[3].pk})
    meeting.refresh_from_db()
    assert meeting.slot == slots[3]

    client.post(page + "cancel/", {"reason": "Flight moved"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Flight moved")


def test_feedback_is_seen_by_organisers_only(conference, tables, recycler, oem, organiser):
    from b2b_meetings.models import MeetingSlot

    start = timezone.now() - datetime.timedelta(minutes=30)
    slot = MeetingSlot.objects.create(
        conference=conference, starts_at=start, ends_at=start + datetime.timedelta(minutes=20)
    )
    meeting = book_meeting(conference, slot, [recycler, oem])
    page = url(conference, f"b2b/meetings/{meeting.pk}/")

    login(oem.user).post(page + "feedback/", {"outcome": "not_a_fit", "note": "Too early stage"})

    assert MeetingFeedback.objects.get().outcome == "not_a_fit"
    assert "Too early stage" in login(oem.user).get(page).content.decode()
    assert "Too early stage" not in login(recycler.user).get(page).content.decode()
    assert "Too early stage" in login(organiser).get(page).content.decode()
    report = login(organiser).get(url(conference, "manage/b2b/feedback/")).content.decode()
    assert "Too early stage" in report
