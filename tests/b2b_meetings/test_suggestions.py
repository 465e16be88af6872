"""
Suggested meetings: precomputed from profiles (the engine on real rows),
shown with reasons in plain words, left out once asked, met or dismissed,
never showing people who did not consent; the JSON twin; the organisers'
proposals answered with one click each; a fixed number of queries.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2b_meetings import services
from b2b_meetings.matchmaking import proposals
from b2b_meetings.matchmaking.models import (
    DelegateProfile,
    MeetingProposal,
    OrganisationTopics,
    Suggestion,
    Topic,
)
from b2b_meetings.matchmaking.suggestions import suggestions_refresh
from b2b_meetings.models import MeetingRequest
from b2b_meetings.services import B2BError
from conference.core.models import AuditLog, OrganisationKind, OutgoingEmail, ValueChain
from tests.factories import ConferenceFactory, SessionFactory, SessionSignupFactory
from tests.helpers import listed, login, url

pytestmark = pytest.mark.django_db


def topics(conference, *codes):
    return {
        code: Topic.objects.get_or_create(
            conference=conference, code=code, defaults={"label_en": code.replace("_", " ").title()}
        )[0]
        for code in codes
    }


def organisation_profile(conference, registration, value_chain, *, offered=(), sought=(), **texts):
    org = registration.organisation
    org.value_chain = value_chain
    for field, text in texts.items():
        setattr(org, field, text)
    org.save()
    row, _ = OrganisationTopics.objects.get_or_create(conference=conference, organisation=org)
    row.offered.set(offered)
    row.sought.set(sought)


@pytest.fixture
def market(conference):
    """A recycler seeking offtake and finance; an OEM offering offtake; a bank; an unlisted OEM."""
    t = topics(conference, "ev_oem_offtake", "project_finance", "black_mass_recycling")
    recycler = listed(conference, OrganisationKind.RECYCLER)
    organisation_profile(
        conference,
        recycler,
        ValueChain.RECYCLING,
        offered=[t["black_mass_recycling"]],
        sought=[t["ev_oem_offtake"], t["project_finance"]],
        seeks="Anchor off-takers for battery-grade nickel and cobalt; long-tenor project debt.",
        offers="Black mass and recycled battery materials.",
    )
    oem = listed(conference, OrganisationKind.OEM)
    organisation_profile(
        conference,
        oem,
        ValueChain.OEM,
        offered=[t["ev_oem_offtake"]],
        sought=[t["black_mass_recycling"]],
        offers="Long-term offtake of battery-grade materials for our EV plants.",
        seeks="Recycled nickel and cobalt.",
    )
    bank = listed(conference, OrganisationKind.FINANCIER)
    organisation_profile(
        conference,
        bank,
        ValueChain.FINANCE,
        offered=[t["project_finance"]],
        offers="Project finance and export credit for bankable recycling plants.",
    )
    hidden = listed(conference, OrganisationKind.OEM, directory_consent=False)
    organisation_profile(
        conference, hidden, ValueChain.OEM, offered=[t["ev_oem_offtake"]], offers="Offtake."
    )
    return recycler, oem, bank, hidden


def test_a_refresh_ranks_complementary_people_with_reasons(conference, market):
    recycler, oem, bank, hidden = market

    suggestions_refresh(conference=conference)

    mine = list(Suggestion.objects.filter(registration=recycler).order_by("rank"))
    assert {s.target_id for s in mine[:2]} == {oem.pk, bank.pk}
    assert hidden.pk not in {s.target_id for s in Suggestion.objects.all()}
    assert all(s.reasons for s in mine[:2])


def test_the_page_shows_reasons_in_plain_words(conference, market):
    recycler, oem, _bank, _hidden = market
    suggestions_refresh(conference=conference)

    html = login(recycler.user).get(url(conference, "b2b/suggestions/")).content.decode()

    assert oem.user.display_name in html
    assert (
        f"{recycler.organisation.name} seeks Ev Oem Offtake; {oem.organisation.name} offers it."
        in html
    )


def test_the_reasons_are_in_japanese_for_a_japanese_reader(conference, market):
    recycler, _oem, _bank, _hidden = market
    Topic.objects.filter(code="ev_oem_offtake").update(label_ja="EVメーカーのオフテイク")
    recycler.user.language = "ja"
    recycler.user.save(update_fields=["language"])
    suggestions_refresh(conference=conference)

    client = login(recycler.user)
    html = client.get(url(conference, "b2b/suggestions/"), HTTP_ACCEPT_LANGUAGE="ja").content
    assert "EVメーカーのオフテイク" in html.decode()


def test_someone_asked_met_or_dismissed_leaves_the_list_at_once(conference, market, slots, tables):
    recycler, oem, bank, _hidden = market
    suggestions_refresh(conference=conference)
    client = login(recycler.user)
    page = url(conference, "b2b/suggestions/")

    services.request_create(conference=conference, requester=recycler, target_registration=oem)
    response = client.post(url(conference, f"b2b/suggestions/{bank.pk}/dismiss/"))

    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert oem.user.display_name not in html
    assert bank.user.display_name not in html
    # The next refresh keeps them out too.
    suggestions_refresh(conference=conference)
    assert not Suggestion.objects.filter(registration=recycler, target__in=[oem, bank]).exists()


# "Not interested" teaches the list --------------------------------------------------


def ranked(client, conference):
    """The JSON's (registration id, score), best first."""
    data = json.loads(client.get(url(conference, "b2b/suggestions.json")).content)
    return [(item["registration_id"], item["score"]) for item in data["suggestions"]]


def dismiss(client, conference, target):
    response = client.post(url(conference, f"b2b/suggestions/{target.pk}/dismiss/"))
    assert response.status_code == 302


def assert_the_refresh_agrees(client, conference, registration):
    """The page after a refresh is the page before it, and the stored ranks are its order."""
    before = ranked(client, conference)
    suggestions_refresh(conference=conference)
    after = ranked(client, conference)
    assert [pk for pk, _ in after] == [pk for pk, _ in before]
    assert [score for _, score in after] == pytest.approx([score for _, score in before], abs=1e-3)
    stored = Suggestion.objects.filter(registration=registration).order_by("rank")
    assert [pk for pk, _ in after] == list(stored.values_list("target_id", flat=True))[: len(after)]
    return after


def test_a_dismissal_drops_the_colleagues_at_once_and_the_refresh_agrees(conference, market):
    recycler, oem, bank, _hidden = market
    colleague = listed(conference, organisation=oem.organisation)
    suggestions_refresh(conference=conference)
    client = login(recycler.user)
    before = dict(ranked(client, conference))
    assert [pk for pk, _ in ranked(client, conference)] == [oem.pk, colleague.pk, bank.pk]

    dismiss(client, conference, oem)

    # At once (no refresh has run): the colleague falls by the colleague factor, below the bank.
    now = ranked(client, conference)
    assert [pk for pk, _ in now] == [bank.pk, colleague.pk]
    assert dict(now)[colleague.pk] == pytest.approx(before[colleague.pk] * 0.25, abs=1e-3)
    assert dict(now)[bank.pk] == before[bank.pk]
    assert_the_refresh_agrees(client, conference, recycler)


def test_two_dismissals_of_an_organisation_take_it_off_the_list(conference, market):
    recycler, oem, bank, _hidden = market
    second = listed(conference, organisation=oem.organisation)
    third = listed(conference, organisation=oem.organisation)  # not stored: two per organisation
    suggestions_refresh(conference=conference)
    client = login(recycler.user)
    assert not Suggestion.objects.filter(registration=recycler, target=third).exists()

    dismiss(client, conference, oem)
    assert second.pk in dict(ranked(client, conference))
    dismiss(client, conference, third)  # e.g. from the directory

    # At once: nobody of that organisation, though `second` is still stored.
    assert [pk for pk, _ in ranked(client, conference)] == [bank.pk]
    html = client.get(url(conference, "b2b/suggestions/")).content.decode()
    assert second.user.display_name not in html
    # The refresh agrees, and does not bring the organisation back.
    assert_the_refresh_agrees(client, conference, recycler)
    organisation = Suggestion.objects.filter(
        registration=recycler, target__organisation=oem.organisation
    )
    assert not organisation.exists()


def test_organisations_of_the_kind_and_country_of_dismissed_ones_fall_mildly(conference, market):
    recycler, oem, bank, _hidden = market
    offtake = list(Topic.objects.filter(code="ev_oem_offtake"))
    more = []
    for _ in range(3):  # OEMs of the same country (the factory's) as `oem`
        person = listed(conference, OrganisationKind.OEM)
        organisation_profile(
            conference, person, ValueChain.OEM, offered=offtake, offers="Offtake of materials."
        )
        more.append(person)
    suggestions_refresh(conference=conference)
    client = login(recycler.user)
    before = dict(ranked(client, conference))
    assert set(before) == {oem.pk, bank.pk, *(p.pk for p in more)}

    dismiss(client, conference, oem)
    assert {pk: dict(ranked(client, conference))[pk] for pk in before if pk != oem.pk} == {
        pk: score for pk, score in before.items() if pk != oem.pk
    }  # one organisation is no pattern
    dismiss(client, conference, more[0])

    now = dict(ranked(client, conference))
    for person in more[1:]:  # × 0.8: the same kind and country as two dismissed
        assert now[person.pk] == pytest.approx(before[person.pk] * 0.8, abs=1e-3)
    assert now[bank.pk] == before[bank.pk]  # another kind
    assert_the_refresh_agrees(client, conference, recycler)


def test_dismissals_are_one_persons_lessons(conference, market):
    recycler, oem, _bank, _hidden = market
    colleague = listed(conference, organisation=oem.organisation)
    other = listed(conference, OrganisationKind.RECYCLER, organisation=recycler.organisation)
    suggestions_refresh(conference=conference)
    before = ranked(login(other.user), conference)

    proposals.suggestion_dismiss(registration=recycler, target_id=oem.pk)
    proposals.suggestion_dismiss(registration=recycler, target_id=colleague.pk)

    assert ranked(login(other.user), conference) == before
    suggestions_refresh(conference=conference)
    assert ranked(login(other.user), conference) == before


def test_the_json_lists_registration_organisation_score_and_reasons(conference, market):
    recycler, oem, _bank, _hidden = market
    suggestions_refresh(conference=conference)

    response = login(recycler.user).get(url(conference, "b2b/suggestions.json"))

    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    first = data["suggestions"][0]
    assert set(first) >= {"registration_id", "organisation", "score", "reasons"}
    assert oem.pk in {item["registration_id"] for item in data["suggestions"]}
    assert all(item["reasons"] for item in data["suggestions"])


def test_the_json_is_the_logged_in_delegates_own(conference, market, organiser):
    suggestions_refresh(conference=conference)

    other = login(listed(ConferenceFactory()).user).get(url(conference, "b2b/suggestions.json"))
    anonymous = login(None).get(url(conference, "b2b/suggestions.json"))

    assert other.status_code in (403, 404)
    assert anonymous.status_code == 302


def test_shared_sessions_are_a_reason(conference, market):
    recycler, oem, _bank, _hidden = market
    session = SessionFactory(conference=conference, title="Bankability of recycling")
    for person in (recycler, oem):
        SessionSignupFactory(session=session, registration=person)
    suggestions_refresh(conference=conference)

    row = Suggestion.objects.get(registration=recycler, target=oem)

    assert "sessions" in {reason["code"] for reason in row.reasons} or row.rank == 1


def test_a_request_from_a_suggestion_starts_with_its_reason(conference, market, slots, tables):
    recycler, oem, _bank, _hidden = market
    suggestions_refresh(conference=conference)

    page = login(recycler.user).get(
        url(conference, f"b2b/requests/new/delegate/{oem.pk}/?suggested=1")
    )

    row = Suggestion.objects.get(registration=recycler, target=oem)
    html = page.content.decode()
    agenda = html.split('name="agenda"')[1].split("</textarea>")[0]
    assert row.reasons and oem.organisation.name in agenda


def test_a_profile_change_refreshes_the_suggestions(
    conference, market, django_capture_on_commit_callbacks
):
    recycler, oem, *_ = market
    assert not Suggestion.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        DelegateProfile.objects.create(registration=recycler, seeks="Offtake partners")

    # The task ran (eagerly in the tests, on the `long` queue in production).
    assert Suggestion.objects.filter(registration=recycler, target=oem).exists()


# Organisers' proposals ----------------------------------------------------------------


def test_a_proposal_accepted_by_both_waits_for_the_scheduler(conference, market, organiser):
    recycler, oem, _bank, _hidden = market

    proposal = proposals.proposal_create(
        conference=conference,
        first_id=oem.pk,
        second_id=recycler.pk,
        note="Offtake for recycled nickel",
        actor=organiser,
    )
    assert {e.recipient for e in OutgoingEmail.objects.filter(kind="b2b.b2b_proposal")} == {
        recycler.user.email,
        oem.user.email,
    }
    assert AuditLog.objects.filter(action="meeting_proposal.create").exists()

    login(recycler.user).post(
        url(conference, f"b2b/proposals/{proposal.pk}/answer/"), {"answer": "accept"}
    )
    proposal.refresh_from_db()
    assert proposal.status == MeetingProposal.Status.OPEN
    login(oem.user).post(
        url(conference, f"b2b/proposals/{proposal.pk}/answer/"), {"answer": "accept"}
    )

    proposal.refresh_from_db()
    assert proposal.status == MeetingProposal.Status.ACCEPTED
    request = proposal.meeting_request
    assert request.status == MeetingRequest.Status.SCHEDULING
    assert {request.requester_id, request.target_registration_id} == {recycler.pk, oem.pk}


def test_a_proposal_is_404_to_anyone_else(conference, market, organiser):
    recycler, oem, bank, _hidden = market
    proposal = proposals.proposal_create(
        conference=conference, first_id=oem.pk, second_id=recycler.pk, note="", actor=organiser
    )

    assert login(bank.user).get(url(conference, f"b2b/proposals/{proposal.pk}/")).status_code == 404
    response = login(bank.user).post(
        url(conference, f"b2b/proposals/{proposal.pk}/answer/"), {"answer": "accept"}
    )
    assert response.status_code == 404


def test_a_proposal_to_someone_not_listed_is_refused(conference, market, organiser):
    recycler, _oem, _bank, hidden = market

    with pytest.raises(B2BError):
        proposals.proposal_create(
            conference=conference,
            first_id=recycler.pk,
            second_id=hidden.pk,
            note="",
            actor=organiser,
        )


def test_the_organiser_sees_anyones_suggestions_and_proposes(conference, market, organiser):
    recycler, oem, _bank, _hidden = market
    suggestions_refresh(conference=conference)
    client = login(organiser)

    page = client.get(
        url(conference, f"manage/b2b/matchmaking/suggestions/?delegate={recycler.pk}")
    )
    response = client.post(
        url(conference, "manage/b2b/matchmaking/propose/"),
        {"first": recycler.pk, "second": oem.pk, "note": "Offtake"},
    )

    assert oem.user.display_name in page.content.decode()
    assert response.status_code == 302
    assert MeetingProposal.objects.filter(status="open").count() == 1


# Query counts --------------------------------------------------------------------------


def test_the_suggestions_page_has_a_fixed_number_of_queries(conference, market):
    recycler, *_ = market
    suggestions_refresh(conference=conference)
    client = login(recycler.user)
    page = url(conference, "b2b/suggestions/")
    client.get(page)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        return len(queries)

    small = count()
    offtake = list(Topic.objects.filter(code="ev_oem_offtake"))
    for _ in range(15):
        person = listed(conference, OrganisationKind.OEM)
        organisation_profile(
            conference, person, ValueChain.OEM, offered=offtake, offers="Offtake of materials."
        )
    suggestions_refresh(conference=conference)

    assert Suggestion.objects.filter(registration=recycler).count() > 10
    assert count() == small

    # What "not interested" teaches is read with what is left out: no query more.
    oem = market[1]
    colleague = listed(conference, organisation=oem.organisation)
    for target in (oem, colleague, *Suggestion.objects.filter(registration=recycler)[:3]):
        target_id = getattr(target, "target_id", target.pk)
        proposals.suggestion_dismiss(registration=recycler, target_id=target_id)
    assert count() == small
