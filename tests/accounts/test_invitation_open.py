"""
Mail security scanners and link previews fetch every link in a message, so
following the invitation link (GET) changes nothing about the invitation. A
person's action on the page (a POST: create my account, accept, even from the
wrong account) marks it opened.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite_url(invitation):
    return reverse("invitation", args=[invitation.token])


def state(invitation):
    invitation.refresh_from_db()
    return (invitation.status, invitation.opened_at, invitation.send_count)


def test_a_link_scanner_fetching_the_link_changes_nothing(invitation):
    before = state(invitation)

    for _n in range(3):
        response = Client().get(invite_url(invitation))
        assert response.status_code == 200

    assert state(invitation) == before
    assert before[0] == Invitation.Status.SENT


def test_a_signed_in_visitor_looking_at_the_page_changes_nothing(client, invitation):
    client.force_login(UserFactory(email=invitation.email))
    before = state(invitation)

    page = client.get(invite_url(invitation))

    assert "Accept the invitation" in page.content.decode()
    assert state(invitation) == before


def test_create_my_account_marks_it_opened_and_goes_on_to_sign_up(client, invitation):
    client.get(invite_url(invitation))

    response = client.post(invite_url(invitation))

    register = reverse("accounts:register", args=[invitation.conference.slug])
    assert response.status_code == 302
    assert response.url == f"{reverse('account_signup')}?next={register}"
    assert client.session["invitation_token"] == invitation.token
    status, opened_at, _sent = state(invitation)
    assert status == Invitation.Status.OPENED
    assert opened_at is not None


def test_a_second_press_keeps_the_first_opening_time(client, invitation):
    client.post(invite_url(invitation))
    first = state(invitation)

    client.post(invite_url(invitation))

    assert state(invitation) == first


def test_the_page_offers_a_button_not_a_link_to_sign_up(client, invitation):
    page = client.get(invite_url(invitation)).content.decode()

    assert reverse("account_signup") not in page
    assert 'method="post"' in page


def test_the_invitation_page_is_never_cached(invitation):
    response = Client().get(invite_url(invitation))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
