"""Family-name-first display: chosen on the registration form, used wherever a name shows."""

import re

import pytest
from django.urls import reverse

from tests.helpers import registration_form_data

pytestmark = pytest.mark.django_db


def edit_details(client, conference, **extra):
    data = registration_form_data(conference, given_name="花子", family_name="佐藤", **extra)
    del data["privacy_accepted"]  # asked at registration, not when editing
    return client.post(reverse("accounts:register", args=[conference.slug]), data)


def test_a_delegate_who_chooses_family_name_first_is_shown_so(client, conference, delegate):
    client.force_login(delegate)

    response = edit_details(client, conference, family_name_first="on")

    assert response.status_code == 302
    delegate.refresh_from_db()
    assert delegate.family_name_first is True
    assert delegate.display_name == "佐藤 花子"
    page = client.get(reverse("accounts:register", args=[conference.slug])).content.decode()
    assert "佐藤 花子" in page
    checkbox = re.search(r'<input[^>]*name="family_name_first"[^>]*>', page).group(0)
    assert "checked" in checkbox


def test_without_the_choice_the_given_name_comes_first(client, conference, delegate):
    delegate.family_name_first = True
    delegate.save()
    client.force_login(delegate)

    edit_details(client, conference)  # the box left unticked

    delegate.refresh_from_db()
    assert delegate.family_name_first is False
    assert delegate.display_name == "花子 佐藤"
