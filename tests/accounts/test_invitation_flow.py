"""
The invitation link: sign-up with the invited address (verified), or log in
with an existing account, then registration. Closed sign-up without an
invitation; clear pages for used, revoked, expired and unknown links.
"""

import datetime
import threading
import time

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Registration, User
from accounts.services import registrations as registration_services
from conference.core.models import ConferenceRole, Role
from tests.factories import TEST_PASSWORD, InvitationFactory, UserFactory

PASSWORD = "a-long-pass-2026!"


def signup_data(**extra):
    return {
        "email": "ignored@example.org",
        "given_name": "Asha",
        "family_name": "Menon",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


def invite_url(invitation):
    return reverse("invitation", args=[invitation.token])


@pytest.mark.django_db
class TestTheLink:
    def test_it_opens_signup_for_a_new_invitee(self, client, invitation):
        response = client.get(invite_url(invitation))

        page = response.content.decode()
        assert response.status_code == 200
        assert "Create my account" in page
        assert invitation.email in page
        assert client.session["invitation_token"] == invitation.token
        # Only pressing the button counts as opening it (test_invitation_open.py).

    def test_a_tab_that_signs_up_after_another_tab_did_is_sent_to_log_in(self, invitation):
        first, second = Client(), Client()
        first.get(invite_url(invitation))
        second.get(invite_url(invitation))
        register = reverse("accounts:register", args=[invitation.conference.slug])
        signup = f"{reverse('account_signup')}?next={register}"
        assert first.post(signup, signup_data()).url == register

        response = second.post(signup, signup_data(), follow=True)

        assert response.redirect_chain[0][0] == f"{reverse('account_login')}?next={register}"
        page = response.content.decode()
        assert "An account was just created with this invitation" in page
        assert "Invitation required" not in page
        assert User.objects.count() == 1

    def test_signup_uses_the_invited_address_and_marks_it_verified(self, client, invitation):
        client.get(invite_url(invitation))
        register = reverse("accounts:register", args=[invitation.conference.slug])

        response = client.post(f"{reverse('account_signup')}?next={register}", signup_data())

        assert response.status_code == 302
        assert response.url == register
        user = User.objects.get()
        assert user.email == invitation.email  # the posted address was ignored
        assert (user.given_name, user.family_name) == ("Asha", "Menon")
        assert EmailAddress.objects.filter(
            user=user, email=invitation.email, verified=True, primary=True
        ).exists()
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
        assert invitation.accepted_by == user
        assert "invitation_token" not in client.session
        assert int(client.session["_auth_user_id"]) == user.pk

    def test_the_new_account_takes_the_invitation_language(self, client, invitation):
        invitation.language = "ja"
        invitation.save(update_fields=["language"])
        client.get(invite_url(invitation), HTTP_ACCEPT_LANGUAGE="en")

        client.post(reverse("account_signup"), signup_data(), HTTP_ACCEPT_LANGUAGE="en")

        assert User.objects.get().language == "ja"

    def test_signup_is_closed_without_an_invitation(self, client, db):
        response = client.get(reverse("account_signup"))
        posted = client.post(reverse("account_signup"), signup_data(email="me@example.org"))

        assert "Invitation required" in response.content.decode()
        assert "Invitation required" in posted.content.decode()
        assert not User.objects.exists()

    def test_signup_closes_once_the_invitation_is_revoked(self, client, invitation, organiser):
        client.get(invite_url(invitation))
        services.invitation_revoke(invitation=invitation, actor=organiser)

        response = client.post(reverse("account_signup"), signup_data())

        assert "Invitation required" in response.content.decode()
        assert not User.objects.filter(email=invitation.email).exists()

    def test_an_existing_account_is_sent_to_log_in_and_comes_back(self, client, invitation):
        UserFactory(email=invitation.email)

        response = client.get(invite_url(invitation))

        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={invite_url(invitation)}"

    def test_a_logged_in_invitee_accepts_with_one_click(self, client, invitation):
        user = UserFactory(email=invitation.email.upper())
        client.force_login(user)

        page = client.get(invite_url(invitation))
        response = client.post(invite_url(invitation))

        assert "Accept the invitation" in page.content.decode()
        assert response.url == reverse("accounts:register", args=[invitation.conference.slug])
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        assert EmailAddress.objects.get(user=user).verified

    def test_another_account_cannot_accept(self, client, invitation):
        client.force_login(UserFactory(email="someone.else@example.org"))

        page = client.post(invite_url(invitation))

        assert "Log out and continue" in page.content.decode()
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.OPENED

    def test_a_staff_invitation_grants_its_role(self, client, conference):
        invitation = InvitationFactory(
            conference=conference, email="sec@example.org", role=Invitation.InvitedRole.SECURITY
        )
        user = UserFactory(email="sec@example.org")
        client.force_login(user)

        response = client.post(invite_url(invitation))

        assert response.url == reverse("conference:home", args=[conference.slug])
        assert ConferenceRole.objects.filter(
            conference=conference, user=user, role=Role.SECURITY
        ).exists()

    @pytest.mark.parametrize(
        ("status", "expires_in", "headline"),
        [
            (Invitation.Status.ACCEPTED, 30, "This invitation has been used"),
            (Invitation.Status.REVOKED, 30, "This invitation was withdrawn"),
            (Invitation.Status.EXPIRED, 30, "This invitation has expired"),
            (Invitation.Status.SENT, -1, "This invitation has expired"),
        ],
        ids=["used", "revoked", "expired", "past expiry, not swept yet"],
    )
    def test_an_unusable_link_gets_a_clear_page(
        self, client, conference, status, expires_in, headline
    ):
        invitation = InvitationFactory(
            conference=conference,
            status=status,
            expires_at=timezone.now() + datetime.timedelta(days=expires_in),
        )

        response = client.get(invite_url(invitation))

        assert response.status_code == 200
        assert headline in response.content.decode()
        assert "invitation_token" not in client.session

    def test_an_unknown_link_gets_a_clear_not_found_page(self, client, db):
        response = client.get(reverse("invitation", args=["no-such-token"]))

        assert response.status_code == 404
        assert "Invitation not found" in response.content.decode()

    def test_the_invitee_who_used_the_link_goes_on_to_registration(self, client, conference):
        user = UserFactory()
        invitation = InvitationFactory(
            conference=conference,
            email=user.email,
            status=Invitation.Status.ACCEPTED,
            accepted_by=user,
        )
        client.force_login(user)

        response = client.get(invite_url(invitation))

        assert response.url == reverse("accounts:register", args=[conference.slug])


# Concurrency ----------------------------------------------------------------------------


def _in_threads(*targets):
    """Run callables at the same moment, each in a thread with its own connection."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _slow(monkeypatch, module, name):
    """Hold the lock a little longer, so that the other request surely waits for it."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


@pytest.mark.django_db(transaction=True)
def test_the_same_invitation_accepted_twice_at_once_makes_one_account_and_registration(
    conference, monkeypatch
):
    conference.auto_approve = True
    conference.save()
    invitation = InvitationFactory(conference=conference, email="twice@example.org")
    clients = [Client(), Client()]
    for c in clients:
        c.get(invite_url(invitation))
    register = reverse("accounts:register", args=[conference.slug])
    _slow(monkeypatch, services, "invitation_accept")

    signups = _in_threads(
        *(
            lambda c=c: c.post(f"{reverse('account_signup')}?next={register}", signup_data())
            for c in clients
        )
    )

    assert all(not isinstance(r, Exception) for r in signups), signups
    assert sorted(r.url for r in signups) == sorted([register, invite_url(invitation)])
    user = User.objects.get(email="twice@example.org")
    invitation.refresh_from_db()
    assert invitation.accepted_by == user

    # The winner, twice at once from two tabs, registers.
    winner = clients[[r.url for r in signups].index(register)]
    second_tab = Client()
    second_tab.cookies = winner.cookies
    form = {
        "given_name": "Asha",
        "job_title": "Director",
        "nationality": "IN",
        "new_organisation_name": "Twice Ltd",
        "new_organisation_kind": "recycler",
        "id_document_type": "passport",
        "id_document_number": "P123",
        "id_document_expiry": (conference.end_date + datetime.timedelta(days=400)).isoformat(),
        "privacy_accepted": "on",
    }
    _slow(monkeypatch, registration_services, "_organisation_from")

    registrations = _in_threads(
        lambda: winner.post(register, form), lambda: second_tab.post(register, form)
    )

    assert all(getattr(r, "status_code", None) == 302 for r in registrations), registrations
    assert Registration.objects.filter(conference=conference, user=user).count() == 1
    assert Registration.objects.get(user=user).status == Registration.Status.APPROVED


@pytest.mark.django_db
def test_logging_in_with_the_form_then_accepting(client, invitation):
    UserFactory(email=invitation.email)
    client.get(invite_url(invitation))

    login = client.post(
        f"{reverse('account_login')}?next={invite_url(invitation)}",
        {"login": invitation.email, "password": TEST_PASSWORD},
    )
    accept = client.post(login.url)

    assert login.url == invite_url(invitation)
    assert accept.url == reverse("accounts:register", args=[invitation.conference.slug])
