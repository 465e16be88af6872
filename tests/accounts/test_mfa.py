"""Organisers and security officers must use TOTP where the conference requires it."""

import pytest
from django.urls import reverse

from conference.core.models import Role
from tests.factories import TEST_PASSWORD, ConferenceRoleFactory, totp_activate

pytestmark = pytest.mark.django_db


def staff(conference, role):
    return ConferenceRoleFactory(conference=conference, role=role).user


@pytest.mark.parametrize(
    ("role", "page"),
    [(Role.ORGANISER, "accounts:registrations"), (Role.SECURITY, "accounts:register")],
)
def test_staff_without_totp_are_sent_to_set_it_up(client, conference, role, page):
    client.force_login(staff(conference, role))

    response = client.get(reverse(page, args=[conference.slug]))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    followed = client.get(reverse("conference:home", args=[conference.slug]))
    assert "two-factor authentication" in followed.content.decode()


def test_with_totp_the_organiser_gets_in(client, conference):
    organiser = staff(conference, Role.ORGANISER)
    totp_activate(organiser)
    client.force_login(organiser)

    response = client.get(reverse("accounts:registrations", args=[conference.slug]))

    assert response.status_code == 200


def test_without_the_requirement_no_second_factor_is_asked(client, conference):
    conference.require_staff_mfa = False
    conference.save()
    client.force_login(staff(conference, Role.ORGANISER))

    response = client.get(reverse("accounts:registrations", args=[conference.slug]))

    assert response.status_code == 200


def test_checkin_staff_and_delegates_are_not_asked(client, conference, delegate):
    checkin = staff(conference, Role.CHECKIN)
    for person in (checkin, delegate):
        client.force_login(person)
        response = client.get(reverse("accounts:register", args=[conference.slug]))
        assert response.status_code in (200, 403)  # not a redirect to the MFA setup


def test_public_pages_stay_public_for_staff_without_totp(client, conference):
    client.force_login(staff(conference, Role.ORGANISER))

    response = client.get(reverse("conference:home", args=[conference.slug]))

    assert response.status_code == 200


def test_the_setup_page_renders_its_qr_code_under_the_strict_policy(client, conference):
    organiser = staff(conference, Role.ORGANISER)
    client.force_login(organiser)
    # allauth asks for the password again before a factor is added.
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
