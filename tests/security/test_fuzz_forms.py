"""
The delegate's forms, fuzzed through the test client: registration, session
sign-up and cancellation, and B2B meeting requests and their acceptance.
Whatever is posted, the answer is never a server error, and the data stays
whole: a registration with its organisation or nothing, session counters
equal to their confirmed sign-ups and within capacity, a meeting with its
seats or none.
"""

import datetime

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Invitation, Registration
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat
from conference.core.models import Organisation
from sessions_app.models import Session, SessionSignup
from sessions_app.services import schedule_publish
from tests.factories import (
    InvitationFactory,
    MeetingRequestFactory,
    MeetingSlotFactory,
    OrganisationFactory,
    SessionFactory,
    TableFactory,
    UserFactory,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db

HOSTILE = "ΣΟΔİß²١\"'<>&;\t\r\n\u2028\ufeff%{}"
text = st.text(
    alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(codec="utf-8")), max_size=40
)
# Ids as a client may write them: real-looking, negative, huge, unicode digits, junk.
ids = st.one_of(
    st.integers(-5, 2**70).map(str),
    st.sampled_from(["", "0", "²", "١", "1.5", "1e3", " 1", "0x1", "9" * 30]),
    text,
)


def rolled_back(action):
    """Run `action` in a transaction that is rolled back; return what it returned."""
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


# Registration --------------------------------------------------------------------------


@pytest.fixture
def invitee(conference):
    user = UserFactory()
    InvitationFactory(
        conference=conference,
        email=user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=user,
        accepted_at=timezone.now(),
    )
    return user


def maybe(valid, fuzz=text):
    return st.one_of(st.sampled_from(valid), fuzz)


@pytest.fixture
def existing(db):
    return OrganisationFactory(name="ΟΔΟΣ Recycling")


@given(
    data=st.fixed_dictionaries(
        {
            "given_name": maybe(["Asha", ""]),
            "family_name": maybe(["Menon", ""]),
            "organisation": maybe(["", "existing"], ids),
            "new_organisation_name": maybe(["ΟΔΟΣ Recycling", "İnci", "Asha Batteries", ""]),
            "new_organisation_kind": maybe(["recycler", "oem", ""]),
            "new_organisation_country": maybe(["IN", "JP", "", "XX"]),
            "job_title": maybe(["Director", ""]),
            "nationality": maybe(["IN", "JP", "ZZ"]),
            "id_document_type": maybe(["passport", "national_id", ""]),
            "id_document_number": maybe(["Z1234567", ""]),
            "id_document_expiry": maybe(["2100-01-01", "2000-01-01", "2100-02-30", ""]),
            "dietary_needs": text,
            "access_needs": text,
            "directory_consent": maybe(["on", ""]),
            "directory_contact": maybe(["asha@example.org", ""]),
            "privacy_accepted": maybe(["on", ""]),
        }
    )
)
def test_any_registration_post_is_answered_and_registers_wholly_or_not_at_all(
    conference, invitee, existing, data
):
    if data["organisation"] == "existing":
        data["organisation"] = str(existing.pk)
    client = login(invitee)
    url = reverse("accounts:register", args=[conference.slug])

    def post():
        organisations = Organisation.objects.count()
        response = client.post(url, data)
        registered = Registration.objects.filter(user=invitee).first()
        return response, registered, Organisation.objects.count() - organisations

    response, registered, new_organisations = rolled_back(post)

    assert response.status_code < 500
    if registered is None:
        # A NUL in any field is refused before the form sees it (conference/core/middleware.py).
        nul = any("\x00" in value for value in data.values())
        assert response.status_code == (400 if nul else 200)
        assert new_organisations == 0
    else:
        assert response.status_code == 302
        assert registered.organisation_id is not None
        assert new_organisations in (0, 1)


def test_proposing_an_organisation_that_differs_only_by_a_dotted_capital_i_reuses_it(
    conference, invitee
):
    """
    Regression: the lookup compared UPPER() (no match: "İNCI" is not "INCI"), the
    insert hit the unique LOWER() constraint, and the fallback lookup raised.
    """
    existing = OrganisationFactory(name="İnci")
    client = login(invitee)
    data = {
        "given_name": "Asha",
        "organisation": "",
        "new_organisation_name": "inci",
        "new_organisation_kind": "recycler",
        "job_title": "Director",
        "nationality": "IN",
        "id_document_type": "passport",
        "id_document_number": "Z1",
        "id_document_expiry": (conference.end_date + datetime.timedelta(days=400)).isoformat(),
        "privacy_accepted": "on",
    }

    response = client.post(reverse("accounts:register", args=[conference.slug]), data)

    assert response.status_code == 302
    assert Registration.objects.get(user=invitee).organisation == existing


# Session sign-up -----------------------------------------------------------------------


@pytest.fixture
def agenda(conference, organiser, other_delegate):
    small = SessionFactory(conference=conference, signup_required=True, capacity=1)
    roomy = SessionFactory(conference=conference, signup_required=True, capacity=3)
    schedule_publish(conference=conference, actor=organiser)
    return [small, roomy]


def assert_sessions_whole(conference):
    for session in Session.objects.filter(conference=conference).annotate(
        confirmed=Count("signups", filter=Q(signups__status=SessionSignup.Status.CONFIRMED))
    ):
        assert session.taken == session.confirmed
        assert session.capacity is None or session.taken <= session.capacity
    live = (
        SessionSignup.objects.exclude(status=SessionSignup.Status.CANCELLED)
        .values("session", "registration")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not live.exists()


actions = st.lists(
    st.tuples(
        st.sampled_from(["signup", "cancel"]), st.one_of(st.sampled_from(["real0", "real1"]), ids)
    ),
    min_size=1,
    max_size=6,
)


@given(steps=actions)
def test_any_sequence_of_sign_ups_and_cancellations_keeps_the_counts_true(
    conference, delegate, other_delegate, agenda, steps
):
    clients = [login(delegate), login(other_delegate)]

    def run():
        statuses = []
        for n, (action, value) in enumerate(steps):
            client = clients[n % 2]
            if value.startswith("real"):
                session = agenda[int(value[-1])]
                value = str(session.pk)
                if action == "cancel":
                    signup = SessionSignup.objects.filter(session=session).first()
                    value = str(signup.pk) if signup else "0"
            name = "sessions_app:signup" if action == "signup" else "sessions_app:signup_cancel"
            path = reverse(name, args=[conference.slug, 1]).replace("/1/", "/{}/")
            statuses.append(client.post(path.format(value)).status_code)
            assert_sessions_whole(conference)
        return statuses

    statuses = rolled_back(run)

    assert all(status < 500 for status in statuses), statuses


# B2B meeting requests ------------------------------------------------------------------


@pytest.fixture
def b2b(conference, delegate, other_delegate):
    slots = [MeetingSlotFactory(conference=conference) for _n in range(3)]
    TableFactory(conference=conference)
    for registration in (delegate.registration, other_delegate.registration):
        registration.directory_consent = True
        registration.save(update_fields=["directory_consent"])
    return slots


@given(agenda=text, priority=ids)
def test_any_meeting_request_post_is_answered(
    conference, delegate, other_delegate, b2b, agenda, priority
):
    client = login(delegate)
    url = reverse(
        "b2b_meetings:request_new_delegate", args=[conference.slug, other_delegate.registration.pk]
    )

    def post():
        before = MeetingRequest.objects.count()
        response = client.post(url, {"agenda": agenda, "priority": priority})
        return response, MeetingRequest.objects.count() - before

    response, created = rolled_back(post)

    assert response.status_code < 500
    assert created == (1 if response.status_code == 302 else 0)


@given(slot=st.one_of(st.sampled_from(["real0", "real1", "real2"]), ids), twice=st.booleans())
def test_any_accept_post_books_one_whole_meeting_or_nothing(
    conference, delegate, other_delegate, b2b, slot, twice
):
    if slot.startswith("real"):
        slot = str(b2b[int(slot[-1])].pk)
    client = login(delegate)

    def post():
        request = MeetingRequestFactory(
            conference=conference,
            requester=other_delegate.registration,
            target_registration=delegate.registration,
        )
        url = reverse("b2b_meetings:request_accept", args=[conference.slug, request.pk])
        responses = [client.post(url, {"slot": slot}) for _n in range(1 + twice)]
        request.refresh_from_db()
        meetings = list(Meeting.objects.filter(request=request))
        seats = MeetingSeat.objects.filter(meeting__in=meetings, is_active=True).count()
        return responses, request.status, meetings, seats

    responses, status, meetings, seats = rolled_back(post)

    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    if status == MeetingRequest.Status.ACCEPTED:
        assert len(meetings) == 1 and seats == 2
        assert responses[0].status_code == 302
    else:
        assert meetings == [] and seats == 0
        assert status == MeetingRequest.Status.PENDING


@pytest.mark.parametrize("slot", ["²", "١", "9" * 30, "-1", ""])
def test_an_odd_slot_value_is_asked_again_not_a_crash(
    conference, delegate, other_delegate, b2b, slot
):
    """Regression: "²".isdigit() is true but int("²") raises."""
    request = MeetingRequestFactory(
        conference=conference,
        requester=other_delegate.registration,
        target_registration=delegate.registration,
    )
    url = reverse("b2b_meetings:request_accept", args=[conference.slug, request.pk])

    response = login(delegate).post(url, {"slot": slot})

    # 400: not a slot id; 409: no such slot of this conference (the service's answer).
    assert response.status_code in (400, 409)
    assert not Meeting.objects.exists()
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.PENDING
