"""
Who may call the API: tokens stored hashed, refused once revoked or expired
or when their creator goes, scopes that follow the creator's roles, a rate
limit per token, and every error a problem document (RFC 9457).
"""

import datetime
import hashlib
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from conference.api.models import ApiToken
from conference.api.scopes import Scope
from conference.api.tokens import token_create, token_revoke
from conference.core.models import ConferenceRole, Role
from tests.api.client import ApiClient, token_with
from tests.factories import ConferenceFactory

pytestmark = pytest.mark.django_db


def assert_problem(response, status, kind):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].endswith("/" + kind)
    assert problem["title"]
    assert problem["instance"] == response.wsgi_request.path
    return problem


def test_only_the_digest_of_a_token_is_stored(conference):
    token, secret = token_with(conference, Scope.AGENDA_READ)

    stored = ApiToken.objects.get(pk=token.pk)

    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(value) for value in stored.__dict__.values()}
    assert ApiClient(conference, secret).get("rooms/").status_code == 200


def test_no_token_is_a_401_problem_with_a_bearer_challenge(conference):
    response = ApiClient(conference, None).get("rooms/")

    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_a_401(conference):
    response = ApiClient(conference, "cp_" + "x" * 43).get("rooms/")

    assert_problem(response, 401, "unauthenticated")


def test_a_revoked_token_is_refused(conference, organiser):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    assert api.get("rooms/").status_code == 200

    token_revoke(token=api.token, actor=organiser)

    assert_problem(api.get("rooms/"), 401, "unauthenticated")


def test_an_expired_token_is_refused(conference):
    api = ApiClient.for_scopes(
        conference,
        Scope.AGENDA_READ,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert api.get("rooms/").status_code == 200

    # As the admin would: a save, which also forgets the cached lookup.
    token = ApiToken.objects.get(pk=api.token.pk)
    token.expires_at = timezone.now()
    token.save(update_fields=["expires_at"])

    assert_problem(api.get("rooms/"), 401, "unauthenticated")


def test_a_token_expires_while_its_lookup_is_cached(conference):
    api = ApiClient.for_scopes(
        conference,
        Scope.AGENDA_READ,
        expires_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    assert api.get("rooms/").status_code == 200

    time.sleep(1.1)

    assert_problem(api.get("rooms/"), 401, "unauthenticated")


def test_a_creator_who_loses_the_role_takes_its_scopes_with_them(conference):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    assert api.get("rooms/").status_code == 200

    ConferenceRole.objects.filter(user=api.token.created_by, role=Role.ORGANISER).delete()

    problem = assert_problem(api.get("rooms/"), 403, "forbidden")
    assert "agenda:read" in problem["detail"]


def test_a_creator_whose_account_is_closed_takes_the_token_with_them(conference):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    user = api.token.created_by
    user.is_active = False
    user.save()

    assert_problem(api.get("rooms/"), 401, "unauthenticated")


def test_a_token_of_another_conference_is_refused(conference):
    other = ApiClient.for_scopes(ConferenceFactory(), Scope.AGENDA_READ)
    other.conference = conference  # asks for this conference's URLs

    problem = assert_problem(other.get("rooms/"), 403, "forbidden")
    assert "another conference" in problem["detail"]


def test_a_token_without_the_scope_is_refused(conference):
    api = ApiClient.for_scopes(conference, Scope.CHECKIN_WRITE)

    problem = assert_problem(api.get("rooms/"), 403, "forbidden")
    assert "agenda:read" in problem["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(conference):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    assert api.token.last_used_at is None

    api.get("rooms/")
    first = ApiToken.objects.get(pk=api.token.pk).last_used_at
    api.get("rooms/")
    second = ApiToken.objects.get(pk=api.token.pk).last_used_at
    # The minute passes: its marker in the cache lapses.
    cache.delete(f"api:token-used:{api.token.pk}")
    api.get("rooms/")
    third = ApiToken.objects.get(pk=api.token.pk).last_used_at

    assert first is not None
    assert second == first
    assert third > first


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(conference, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    other = ApiClient.for_scopes(conference, Scope.AGENDA_READ, name="Another system")

    statuses = [api.get("rooms/").status_code for _ in range(3)]
    refused = api.get("rooms/")

    assert statuses == [200, 200, 200]
    assert_problem(refused, 429, "rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The limit is per token.
    assert other.get("rooms/").status_code == 200


def test_an_invalid_parameter_is_a_422_problem_naming_the_field(conference):
    api = ApiClient.for_scopes(conference, Scope.REGISTRATIONS_READ)

    problem = assert_problem(api.get("registrations/", {"status": "bogus"}), 422, "validation")

    assert [error["field"] for error in problem["errors"]] == ["query.status"]


def test_a_bad_limit_or_cursor_or_time_is_a_422_not_a_500(conference):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)

    for params in (
        {"limit": 0},
        {"limit": 501},
        {"cursor": "not-a-cursor"},
        {"cursor": "WzEsMl0"},  # [1,2]: not a time and an id
        {"updated_since": "yesterday"},
        {"updated_since": "2026-11-05T09:30:00"},  # no offset
        {"updated_since": "2026-13-45T09:30:00+05:30"},  # no such day
        {"updated_since": "2026-11-05T09:30:00+99:00"},  # no such offset
    ):
        assert_problem(api.get("rooms/", params), 422, "validation")


def test_an_unencoded_plus_in_updated_since_is_understood(conference):
    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)

    response = api.get("rooms/?updated_since=2026-11-05T09:30:00+05:30")

    assert response.status_code == 200


def test_an_unknown_object_is_a_404_problem(conference):
    api = ApiClient.for_scopes(conference, Scope.INVITATIONS_WRITE)

    assert_problem(api.post("invitations/999999/resend/"), 404, "not-found")


def test_a_token_name_too_long_is_refused_with_a_message_not_a_500(conference, organiser):
    with pytest.raises(ValidationError, match="100 characters"):
        token_create(
            conference=conference,
            actor=organiser,
            roles={Role.ORGANISER},
            name="x" * 101,
            scopes=[Scope.AGENDA_READ],
        )
    assert not ApiToken.objects.exists()
