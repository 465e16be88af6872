"""
Suggested meetings in headless Chromium against gunicorn (DEBUG off,
whitenoise) with a real Celery worker: a recycler opens "Suggested for
you", reads why an OEM and a financier are suggested, asks the OEM for a
meeting with one click (the agenda starts with the reason) and marks the
financier "not interested"; both leave the list. An organiser proposes a
meeting to a pair from the matchmaking page, and both accept with a click.

Screenshots at 1280 px and 390 px wide land under tests/e2e/artifacts/<test>/.
"""

import re

import pytest
from playwright.sync_api import expect

from b2b_meetings.matchmaking.models import MeetingProposal, OrganisationTopics, Topic
from b2b_meetings.matchmaking.suggestions import suggestions_refresh
from b2b_meetings.models import MeetingRequest
from conference.core.models import OrganisationKind, ValueChain
from tests.e2e import personas
from tests.e2e.test_b2b_wishes import submit
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.e2e


def person(conference, name, kind, value_chain, *, offered=(), sought=(), offers="", seeks=""):
    organisation = OrganisationFactory(
        name=name, kind=kind, value_chain=value_chain, offers=offers, seeks=seeks
    )
    delegate = personas.delegate(conference, organisation=organisation, directory_consent=True)
    topics = OrganisationTopics.objects.create(conference=conference, organisation=organisation)
    topics.offered.set(offered)
    topics.sought.set(sought)
    return delegate


def test_a_delegate_requests_a_suggested_meeting_and_dismisses_another(
    new_page, login, shots, e2e_conference
):
    conference = e2e_conference
    offtake, finance, black_mass = (
        Topic.objects.create(conference=conference, code=code, label_en=label)
        for code, label in (
            ("ev_oem_offtake", "EV OEM offtake"),
            ("project_finance", "Project finance"),
            ("black_mass_recycling", "Black mass and recycling"),
        )
    )
    recycler = person(
        conference,
        "Lohum Cleantech",
        OrganisationKind.RECYCLER,
        ValueChain.RECYCLING,
        offered=[black_mass],
        sought=[offtake, finance],
        seeks="Anchor off-takers for battery-grade nickel; long-tenor project debt.",
    )
    oem = person(
        conference,
        "Toyota Kirloskar Motor",
        OrganisationKind.OEM,
        ValueChain.OEM,
        offered=[offtake],
        sought=[black_mass],
        offers="Long-term offtake of battery-grade materials.",
    )
    bank = person(
        conference,
        "Tata Capital Decarbonisation Fund",
        OrganisationKind.FINANCIER,
        ValueChain.FINANCE,
        offered=[finance],
        offers="Growth equity and project finance for recycling plants.",
    )
    suggestions_refresh(conference=conference)

    page = login(new_page(), recycler)
    page.goto(f"/events/{conference.slug}/b2b/suggestions/")
    cards = page.locator(".suggestion-card")
    expect(cards).to_have_count(2)
    expect(page.locator("main")).to_contain_text(
        "Lohum Cleantech seeks EV OEM offtake; Toyota Kirloskar Motor offers it."
    )
    shots(page, "suggestions")

    # One click to the request form, its agenda starting with the reason.
    oem_card = cards.filter(has_text=oem.user.display_name)
    oem_card.get_by_role("link", name=re.compile("Request a meeting")).click()
    agenda = page.get_by_label("What would you like to discuss?")
    expect(agenda).to_have_value(re.compile("^Toyota Kirloskar Motor offers"))
    submit(page, page.get_by_role("button", name="Send request"))
    expect(page.get_by_text("Your request has been sent.")).to_be_visible()
    request = MeetingRequest.objects.get(requester=recycler.registration)
    assert request.target_registration_id == oem.registration.pk

    # "Not interested": the financier leaves the list, and so has the OEM (asked).
    page.goto(f"/events/{conference.slug}/b2b/suggestions/")
    bank_card = page.locator(".suggestion-card").filter(has_text=bank.user.display_name)
    submit(page, bank_card.get_by_role("button", name=re.compile("Not interested")))
    expect(page.locator(".suggestion-card")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No suggestions yet")
    assert shots.overflowing == []


def test_an_organiser_proposes_a_meeting_and_both_accept_with_a_click(
    new_page, login, shots, e2e_conference, e2e_organiser
):
    conference = e2e_conference
    offtake = Topic.objects.create(conference=conference, code="ev_oem_offtake", label_en="Offtake")
    recycler = person(
        conference,
        "Attero Recycling",
        OrganisationKind.RECYCLER,
        ValueChain.RECYCLING,
        sought=[offtake],
    )
    oem = person(
        conference, "Maruti Suzuki India", OrganisationKind.OEM, ValueChain.OEM, offered=[offtake]
    )
    suggestions_refresh(conference=conference)

    staff = login(new_page(), e2e_organiser)
    staff.goto(
        f"/events/{conference.slug}/manage/b2b/matchmaking/suggestions/"
        f"?delegate={recycler.registration.pk}"
    )
    card = staff.locator(".suggestion-card").filter(has_text=oem.user.display_name)
    shots(staff, "organiser-suggestions")
    submit(staff, card.get_by_role("button", name="Propose this meeting"))
    expect(staff.get_by_text("Proposed.")).to_be_visible()
    proposal = MeetingProposal.objects.get(conference=conference)

    for delegate in (recycler, oem):
        page = login(new_page(), delegate)
        page.goto(f"/events/{conference.slug}/b2b/suggestions/")
        page.locator(".proposals").get_by_role("link", name=re.compile("Answer")).click()
        shots(page, f"proposal-{delegate.registration.pk}")
        submit(page, page.get_by_role("button", name="Accept"))

    proposal.refresh_from_db()
    assert proposal.status == MeetingProposal.Status.ACCEPTED
    assert proposal.meeting_request.status == MeetingRequest.Status.SCHEDULING
    assert shots.overflowing == []
