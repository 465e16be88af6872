"""
The address is the identity the organisers invited. No one adds, switches or
re-verifies addresses on /accounts/email/; only a verified address logs in;
an unverified copy on another account never blocks the invitee's sign-up;
and no one can make the portal mail an address of their choosing.
"""

import importlib
import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, User
from conference.core.models import OutgoingEmail
from tests.factories import TEST_PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL_PAGE = "/accounts/email/"
VICTIM = "invitee.to.be@example.org"
PASSWORD = "a-long-pass-2026!"


def fresh_client():
    """A client from its own address, so the login rate limits of other tests do not count."""
    n = uuid.uuid4().int
    return Client(REMOTE_ADDR=f"198.19.{n % 250}.{n // 250 % 250 + 1}")


def logged_in(client):
    return "_auth_user_id" in client.session


def signed_in(user):
    """A client logged in through the form, as a person is (allauth then asks no password again)."""
    client = fresh_client()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert logged_in(client)
    return client


def squatter(*, login_with_copy=False):
    """
    An account that verified its own address and holds an unverified copy of
    VICTIM, as the old /accounts/email/ page left them (with `login_with_copy`,
    the copy was then made primary, so the account logs in with it).
    """
    user = UserFactory(email=f"squatter-{uuid.uuid4().hex[:8]}@example.org")
    EmailAddress.objects.create(user=user, email=VICTIM, verified=False, primary=False)
    if login_with_copy:
        EmailAddress.objects.filter(user=user).update(primary=False)
        EmailAddress.objects.filter(user=user, email=VICTIM).update(primary=True)
        User.objects.filter(pk=user.pk).update(email=VICTIM)
    return user


# The page -------------------------------------------------------------------------


def test_the_email_page_shows_the_address_and_says_whom_to_ask(client, delegate):
    client.force_login(delegate)

    response = client.get(EMAIL_PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert delegate.email in page
    assert "To change it, contact the organisers." in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main and "action_add" not in main


@pytest.mark.parametrize("action", ["action_add", "action_primary", "action_send", "action_remove"])
def test_no_address_is_added_switched_reverified_or_removed(delegate, action):
    EmailAddress.objects.create(user=delegate, email=VICTIM, verified=False)
    client = signed_in(delegate)

    response = client.post(EMAIL_PAGE, {action: "", "email": VICTIM})

    assert response.status_code == 405
    delegate.refresh_from_db()
    assert delegate.email != VICTIM
    assert list(
        delegate.emailaddress_set.order_by("-primary").values_list("email", "verified", "primary")
    ) == [
        (delegate.email, True, True),
        (VICTIM, False, False),
    ]
    assert not OutgoingEmail.objects.exists()


def test_another_address_cannot_be_added_for_the_invitee_to_find_taken(delegate):
    signed_in(delegate).post(EMAIL_PAGE, {"action_add": "", "email": VICTIM})
    invitation = InvitationFactory(email=VICTIM)

    page = fresh_client().get(reverse("invitation", args=[invitation.token]))

    assert not EmailAddress.objects.filter(email=VICTIM).exists()
    assert "Create my account" in page.content.decode()


# Logging in -----------------------------------------------------------------------


def test_an_unverified_copy_of_an_address_does_not_log_in_nor_gets_mailed():
    holder = squatter()
    for _attempt in range(3):
        client = fresh_client()
        client.post(reverse("account_login"), {"login": VICTIM, "password": TEST_PASSWORD})
        assert not logged_in(client)

    assert not OutgoingEmail.objects.exists()
    # The holder's own, verified address still logs in.
    own = fresh_client()
    own.post(reverse("account_login"), {"login": holder.email, "password": TEST_PASSWORD})
    assert logged_in(own)


def test_an_account_that_never_verified_its_address_does_not_log_in_and_is_mailed_once():
    """Made in the admin: its first login sends one verification link, to its own address."""
    user = UserFactory(email_verified=False)
    for _attempt in range(3):
        client = fresh_client()
        client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
        assert not logged_in(client)

    assert list(OutgoingEmail.objects.values_list("recipient", "kind")) == [
        (user.email, "account:email_confirmation")
    ]


def test_an_account_made_in_the_admin_confirms_its_address_by_the_link_then_logs_in():
    user = UserFactory(email_verified=False)
    fresh_client().post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", OutgoingEmail.objects.get().body_text)

    client = fresh_client()
    assert client.get(link.group()).status_code == 200
    client.post(link.group())
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})

    assert logged_in(client)


def test_a_verified_address_logs_in():
    user = UserFactory()
    client = fresh_client()

    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})

    assert logged_in(client)


# Invitations for a squatted address ------------------------------------------------


@pytest.mark.parametrize("login_with_copy", [False, True], ids=["copy", "copy made the login"])
def test_the_invitee_signs_up_although_another_account_holds_an_unverified_copy(
    login_with_copy,
):
    holder = squatter(login_with_copy=login_with_copy)
    own_address = EmailAddress.objects.get(user=holder, verified=True).email
    invitation = InvitationFactory(email=VICTIM)
    client = fresh_client()

    page = client.get(reverse("invitation", args=[invitation.token]))
    response = client.post(
        reverse("account_signup"),
        {"given_name": "Asha", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert "Create my account" in page.content.decode()
    assert response.status_code == 302
    invitee = User.objects.get(email=VICTIM)
    assert logged_in(client) and int(client.session["_auth_user_id"]) == invitee.pk
    assert list(EmailAddress.objects.filter(email=VICTIM).values_list("user", "verified")) == [
        (invitee.pk, True)
    ]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    # The other account keeps the address it verified, and logs in with it.
    holder.refresh_from_db()
    assert holder.email == own_address
    assert EmailAddress.objects.get(user=holder).primary
    other = fresh_client()
    other.post(reverse("account_login"), {"login": own_address, "password": TEST_PASSWORD})
    assert logged_in(other)


def test_an_account_that_verified_the_address_is_sent_to_log_in_instead():
    UserFactory(email=VICTIM)
    invitation = InvitationFactory(email=VICTIM)

    response = fresh_client().get(reverse("invitation", args=[invitation.token]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_migration_releases_addresses_squatted_before_the_page_became_read_only():
    migration = importlib.import_module("accounts.migrations.0006_release_unverified_addresses")
    copy, made_login = squatter(), squatter(login_with_copy=True)
    never_verified = UserFactory(email_verified=False)
    EmailAddress.objects.create(user=never_verified, email=never_verified.email)

    migration.release_unverified_addresses(apps, None)

    assert not EmailAddress.objects.filter(email=VICTIM).exists()
    made_login.refresh_from_db()
    assert made_login.email.startswith("squatter-")
    assert EmailAddress.objects.filter(user=made_login, primary=True, verified=True).exists()
    assert EmailAddress.objects.filter(user=copy).count() == 1
    # An account made in the admin keeps its login: it verifies at its first login.
    assert EmailAddress.objects.filter(user=never_verified, verified=False).exists()


# Mail to addresses of one's choosing ------------------------------------------------


def test_a_password_reset_for_an_unverified_copy_sends_nothing():
    """It would mail the address's owner a reset link for the other account."""
    squatter()

    fresh_client().post(reverse("account_reset_password"), {"email": VICTIM})

    assert not OutgoingEmail.objects.exists()


def test_a_password_reset_for_an_unknown_address_sends_nothing():
    for _attempt in range(3):
        response = fresh_client().post(reverse("account_reset_password"), {"email": VICTIM})
        assert response.status_code == 302  # the same answer as for a known address

    assert not OutgoingEmail.objects.exists()
