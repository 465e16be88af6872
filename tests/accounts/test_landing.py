"""Where a login lands, and what a delegate's page says to someone not yet approved."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.adapter import AccountAdapter
from conference.core.models import Role
from tests.factories import (
    TEST_PASSWORD,
    ConferenceFactory,
    ConferenceRoleFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def landing(user):
    request = RequestFactory().get("/")
    request.user = user
    return AccountAdapter(request).get_login_redirect_url(request)


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.ORGANISER, "conference:dashboard"),
        (Role.SECURITY, "conference:gatelist"),
        (Role.CHECKIN, "conference:checkin"),
    ],
)
def test_staff_land_on_their_tool(conference, role, page):
    user = ConferenceRoleFactory(conference=conference, role=role).user
    assert landing(user) == reverse(page, args=[conference.slug])


def test_an_organiser_who_also_checks_people_in_lands_on_the_dashboard(conference):
    user = ConferenceRoleFactory(conference=conference, role=Role.CHECKIN).user
    ConferenceRoleFactory(conference=conference, role=Role.ORGANISER, user=user)
    assert landing(user) == reverse("conference:dashboard", args=[conference.slug])


def test_staff_of_several_conferences_land_in_the_latest(conference):
    import datetime

    later = ConferenceFactory(
        start_date=conference.start_date + datetime.timedelta(days=300),
        end_date=conference.end_date + datetime.timedelta(days=300),
    )
    user = ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user
    ConferenceRoleFactory(conference=later, role=Role.CHECKIN, user=user)
    assert landing(user) == reverse("conference:checkin", args=[later.slug])


def test_a_delegate_lands_on_the_start_page(delegate):
    assert landing(delegate) == "/"


def test_check_in_staff_logging_in_through_the_form_land_on_the_desk(conference):
    user = ConferenceRoleFactory(conference=conference, role=Role.CHECKIN).user
    response = Client().post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("conference:checkin", args=[conference.slug])


def test_a_login_with_a_next_page_goes_there(conference):
    user = ConferenceRoleFactory(conference=conference, role=Role.CHECKIN).user
    agenda = reverse("sessions_app:agenda", args=[conference.slug])
    response = Client().post(
        reverse("account_login") + f"?next={agenda}",
        {"login": user.email, "password": TEST_PASSWORD},
    )
    assert response.url == agenda


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("pending", "Your registration awaits approval"),
        ("waitlisted", "You are on the waiting list"),
        ("rejected", "Your registration was not approved"),
        ("withdrawn", "You withdrew your registration"),
    ],
)
def test_a_delegates_page_tells_someone_not_approved_where_they_stand(conference, status, says):
    registration = RegistrationFactory(conference=conference, status=status)
    client = Client()
    client.force_login(registration.user)
    response = client.get(reverse("b2b_meetings:directory", args=[conference.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert says in page and "does not include this page" not in page
    assert reverse("accounts:register", args=[conference.slug]) in page


def test_a_delegates_page_asks_someone_without_a_registration_to_register(conference):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(reverse("b2b_meetings:directory", args=[conference.slug]))
    assert response.status_code == 403
    assert "Register first" in response.content.decode()


def test_staff_without_the_role_still_read_that_their_role_does_not_include_it(checkin_staff):
    conference = checkin_staff.conference_roles.get().conference
    client = Client()
    client.force_login(checkin_staff)
    response = client.get(reverse("b2b_meetings:directory", args=[conference.slug]))
    assert response.status_code == 403
    assert "does not include this page" in response.content.decode()
