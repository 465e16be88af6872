"""
The Django admin checks no password of its own. /admin/login/ sends people
to allauth's login, so staff meet its rate limits and their second factor
there, and a password posted to the admin never opens a session.
"""

import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory, totp_activate

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
TOO_MANY = "Too many failed login attempts"


def fresh_address():
    """A client address (198.18.0.0/15, set aside for tests) no other test's failures count on."""
    n = uuid.uuid4().int
    return f"198.18.{n % 250}.{n // 250 % 250 + 1}"


def admin_user(*, mfa=False):
    user = UserFactory(
        email=f"admin-{uuid.uuid4().hex[:10]}@example.org", is_staff=True, is_superuser=True
    )
    user.totp_secret = totp_activate(user) if mfa else None
    return user


def totp_code(secret):
    """The code an authenticator app shows now (waiting out a period about to end)."""
    if 30 - time.time() % 30 < 2:
        time.sleep(2.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def logged_in(client):
    return "_auth_user_id" in client.session


def admin_login_attempt(client, user, password):
    """
    Log in the way the admin leads a person who opens it: to whatever login
    page /admin/ redirects to, posting the fields of either login form.
    """
    page = client.get(ADMIN, follow=True)
    login_url = page.redirect_chain[-1][0]
    return client.post(
        login_url, {"username": user.email, "login": user.email, "password": password}
    )


@pytest.mark.parametrize("mfa", [True, False], ids=["with TOTP", "without TOTP"])
def test_a_password_posted_to_the_admin_login_never_opens_a_session(mfa):
    user = admin_user(mfa=mfa)
    client = Client(REMOTE_ADDR=fresh_address())

    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": user.email, "password": TEST_PASSWORD},
    )

    assert not logged_in(client)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert client.get(ADMIN).status_code == 302


def test_sixteen_passwords_posted_to_the_admin_login_open_no_session():
    """The reported attack: fifteen wrong passwords, then the right one."""
    user = admin_user(mfa=True)
    client = Client(REMOTE_ADDR=fresh_address())
    for password in ["wrong"] * 15 + [TEST_PASSWORD]:
        client.post(reverse("admin:login"), {"username": user.email, "password": password})

    assert not logged_in(client)
    assert client.get(ADMIN).status_code == 302


def test_the_sixth_failed_admin_login_is_refused_even_with_the_right_password():
    user = admin_user()
    for _attempt in range(5):
        response = admin_login_attempt(Client(REMOTE_ADDR=fresh_address()), user, "wrong")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()

    client = Client(REMOTE_ADDR=fresh_address())
    response = admin_login_attempt(client, user, TEST_PASSWORD)

    assert not logged_in(client)
    assert TOO_MANY in response.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_an_admin_with_totp_gets_in_only_after_the_second_factor():
    user = admin_user(mfa=True)
    client = Client(REMOTE_ADDR=fresh_address())

    response = admin_login_attempt(client, user, TEST_PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not logged_in(client)
    assert client.get(ADMIN).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user.totp_secret)})

    assert response.status_code == 302
    assert response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_a_staff_superuser_without_totp_reaches_the_admin_through_allauths_login():
    user = admin_user()
    client = Client(REMOTE_ADDR=fresh_address())

    response = admin_login_attempt(client, user, TEST_PASSWORD)

    assert response.status_code == 302
    assert response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_a_logged_in_person_without_admin_access_is_refused_the_admin_login(client, delegate):
    client.force_login(delegate)

    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(ADMIN).status_code == 302


def test_the_admin_password_change_is_allauths_which_is_rate_limited(client):
    """The admin's own form checks the old password with no rate limit."""
    user = admin_user()
    client.force_login(user)

    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "n3w-Pass-2026!",
            "new_password2": "n3w-Pass-2026!",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("account_change_password")
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_passwords_are_checked_by_allauths_backend_only():
    """Django's ModelBackend would check a password for any caller, outside allauth's flow."""
    assert settings.AUTHENTICATION_BACKENDS == [
        "allauth.account.auth_backends.AuthenticationBackend"
    ]
