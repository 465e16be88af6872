"""`manage.py api_token`: a token for ops and scripts, printed once."""

import io

import pytest
from django.core.management import CommandError, call_command

from conference.api.models import ApiToken
from conference.core.models import Role
from tests.api.client import ApiClient
from tests.factories import ConferenceRoleFactory

pytestmark = pytest.mark.django_db


def api_token(*args):
    out = io.StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_it_prints_a_token_that_works_with_its_scopes(conference, organiser):
    secret = api_token(
        "--conference", conference.slug, "--name", "Visitor sync", "--scopes", "agenda:read"
    )

    api = ApiClient(conference, secret)
    assert api.get("rooms/").status_code == 200
    assert api.get("registrations/").status_code == 403
    token = ApiToken.objects.get()
    assert (token.name, token.scopes, token.created_by) == (
        "Visitor sync",
        ["agenda:read"],
        organiser,
    )
    assert secret not in token.digest


def test_an_id_data_token_acts_for_a_security_officer(conference, organiser, security_officer):
    secret = api_token(
        "--conference", conference.slug, "--name", "Gate", "--scopes", "registrations:id-data"
    )

    assert ApiToken.objects.get().created_by == security_officer
    assert ApiClient(conference, secret).get("registrations/").status_code == 200


def test_scopes_no_staff_member_may_grant_are_refused(conference, organiser):
    with pytest.raises(CommandError, match="roles these scopes need"):
        api_token(
            "--conference",
            conference.slug,
            "--name",
            "Gate",
            "--scopes",
            "agenda:read,registrations:id-data",
        )
    assert not ApiToken.objects.exists()


def test_unknown_scopes_and_conferences_are_refused_by_name(conference, organiser):
    with pytest.raises(CommandError, match="agenda:write"):
        api_token("--conference", conference.slug, "--name", "X", "--scopes", "agenda:write")
    with pytest.raises(CommandError, match="nowhere"):
        api_token("--conference", "nowhere", "--name", "X", "--scopes", "agenda:read")


def test_user_picks_the_staff_member_and_expires_days_sets_an_expiry(conference, organiser):
    other = ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user

    api_token(
        "--conference",
        conference.slug,
        "--name",
        "Temp",
        "--scopes",
        "meetings:read",
        "--user",
        other.email.upper(),
        "--expires-days",
        "7",
    )

    token = ApiToken.objects.get()
    assert token.created_by == other
    assert token.expires_at is not None
