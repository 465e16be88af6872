"""
The staff pages of the API tokens (conference/api/views.py): tokens created
in the browser, shown once and usable at once; each staff role granting (and
seeing) only its own scopes; the dashboard naming the token an entry was
written through, and its link to the API pages. Lists keep a fixed number of
queries whatever their size. The webhook endpoints' pages, their delivery log
and the dashboard's notice of endpoints in trouble:
tests/api/webhooks/test_pages.py.
"""

import datetime

import pytest
from django.utils import timezone

from conference.api.models import ApiToken
from conference.api.scopes import Scope
from conference.api.tokens import token_create
from conference.core.models import AuditLog, Role
from conference.core.services import audit_record, audit_via
from tests.factories import ConferenceFactory
from tests.helpers import login, shown_secret, url

pytestmark = pytest.mark.django_db


def api_get(conference, secret):
    return login(None).get(
        f"/api/v1/events/{conference.slug}/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


def make_token(conference, user, roles, scopes, name="Visitor system"):
    return token_create(conference=conference, actor=user, roles=roles, name=name, scopes=scopes)


# Tokens --------------------------------------------------------------------------------------


def test_organiser_creates_a_token_in_the_browser_and_calls_the_api_with_it(conference, organiser):
    client = login(organiser)
    response = client.post(
        url(conference, "manage/api/"),
        {"name": "Visitor system", "scopes": [Scope.AGENDA_READ, Scope.REGISTRATIONS_READ]},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [secret] = shown_secret(response)
    page = response.content.decode()
    assert f"Bearer {secret}" in page  # the curl example uses it
    assert f"/api/v1/events/{conference.slug}/" in page
    token = ApiToken.objects.get(conference=conference)
    assert (token.name, token.scopes) == ("Visitor system", ["agenda:read", "registrations:read"])
    assert token.created_by == organiser
    assert secret not in str(dict(client.session))
    answer = api_get(conference, secret)
    assert answer.status_code == 200
    assert answer.json()["slug"] == conference.slug


def test_the_token_list_never_shows_the_secret_again(conference, organiser):
    client = login(organiser)
    created = client.post(
        url(conference, "manage/api/"), {"name": "Badge screen", "scopes": [Scope.CHECKIN_WRITE]}
    )
    [secret] = shown_secret(created)

    listed = client.get(url(conference, "manage/api/"))

    page = listed.content.decode()
    assert "Badge screen" in page
    assert ApiToken.objects.get().prefix in page
    assert secret not in page
    assert not shown_secret(listed)


def test_an_invalid_token_form_keeps_what_was_typed_and_creates_nothing(conference, organiser):
    response = login(organiser).post(
        url(conference, "manage/api/"), {"name": "Visitor system", "scopes": []}
    )

    assert response.status_code == 200
    assert 'value="Visitor system"' in response.content.decode()
    assert not shown_secret(response)
    assert not ApiToken.objects.exists()


def test_the_expiry_day_ends_in_conference_time_and_past_days_are_refused(conference, organiser):
    client = login(organiser)
    today = timezone.localdate(timezone=conference.tz)
    refused = client.post(
        url(conference, "manage/api/"),
        {
            "name": "Old",
            "scopes": [Scope.AGENDA_READ],
            "expires_on": today - datetime.timedelta(days=1),
        },
    )
    assert not shown_secret(refused)
    assert "Choose today or a later day." in refused.content.decode()

    client.post(
        url(conference, "manage/api/"),
        {"name": "Short", "scopes": [Scope.AGENDA_READ], "expires_on": today},
    )

    expires = ApiToken.objects.get(name="Short").expires_at.astimezone(conference.tz)
    assert expires.date() == today
    assert expires.time() == datetime.time.max


def test_the_list_says_which_tokens_are_active_expired_or_revoked(conference, organiser):
    roles = {Role.ORGANISER}
    make_token(conference, organiser, roles, [Scope.AGENDA_READ], name="Live")
    expired, _ = make_token(conference, organiser, roles, [Scope.AGENDA_READ], name="Old")
    revoked, _ = make_token(conference, organiser, roles, [Scope.AGENDA_READ], name="Gone")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    page = login(organiser).get(url(conference, "manage/api/")).content.decode()

    rows = {
        name: page[page.index(f">{name}<") :].split("</tr>")[0] for name in ("Live", "Old", "Gone")
    }
    assert "status-active" in rows["Live"] and "/revoke/" in rows["Live"]
    assert "status-expired" in rows["Old"] and "/revoke/" not in rows["Old"]
    assert "status-revoked" in rows["Gone"] and "/revoke/" not in rows["Gone"]


def test_revoking_asks_first_then_the_token_stops_working(conference, organiser):
    token, secret = make_token(conference, organiser, {Role.ORGANISER}, [Scope.AGENDA_READ])
    client = login(organiser)
    revoke = url(conference, f"manage/api/{token.pk}/revoke/")

    question = client.get(revoke)
    assert question.status_code == 200
    assert "Revoke the token “Visitor system”?" in question.content.decode()
    assert api_get(conference, secret).status_code == 200

    response = client.post(revoke)

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_get(conference, secret).status_code == 401
    assert AuditLog.objects.filter(action="api.token_revoke", actor=organiser).exists()


def test_a_security_officer_may_grant_id_data_only(conference, security_officer):
    client = login(security_officer)
    form = client.get(url(conference, "manage/api/")).context["form"]
    assert [value for value, _ in form.fields["scopes"].choices] == [Scope.REGISTRATIONS_ID_DATA]

    refused = client.post(
        url(conference, "manage/api/"),
        {"name": "Gate", "scopes": [Scope.REGISTRATIONS_READ, Scope.REGISTRATIONS_ID_DATA]},
    )
    assert refused.status_code == 200 and not shown_secret(refused)
    assert not ApiToken.objects.exists()

    created = client.post(
        url(conference, "manage/api/"),
        {"name": "Gate", "scopes": [Scope.REGISTRATIONS_ID_DATA]},
    )
    assert len(shown_secret(created)) == 1
    assert ApiToken.objects.get().scopes == [Scope.REGISTRATIONS_ID_DATA]


def test_checkin_staff_may_grant_checkin_write_only(conference, checkin_staff):
    client = login(checkin_staff)
    form = client.get(url(conference, "manage/api/")).context["form"]
    assert [value for value, _ in form.fields["scopes"].choices] == [Scope.CHECKIN_WRITE]

    refused = client.post(
        url(conference, "manage/api/"), {"name": "Screen", "scopes": [Scope.AGENDA_READ]}
    )
    assert not shown_secret(refused)

    created = client.post(
        url(conference, "manage/api/"), {"name": "Screen", "scopes": [Scope.CHECKIN_WRITE]}
    )
    [secret] = shown_secret(created)
    assert api_get(conference, secret).status_code == 200


def test_staff_see_and_revoke_only_tokens_they_could_have_created(
    conference, organiser, checkin_staff, security_officer
):
    organisers, _ = make_token(
        conference, organiser, {Role.ORGANISER}, [Scope.REGISTRATIONS_READ], name="Org sync"
    )
    desk, _ = make_token(
        conference, checkin_staff, {Role.CHECKIN}, [Scope.CHECKIN_WRITE], name="Desk screen"
    )
    gate, _ = make_token(
        conference,
        security_officer,
        {Role.SECURITY},
        [Scope.REGISTRATIONS_ID_DATA],
        name="Gate sync",
    )

    def listed(user):
        page = login(user).get(url(conference, "manage/api/")).content.decode()
        return {name for name in ("Org sync", "Desk screen", "Gate sync") if name in page}

    assert listed(checkin_staff) == {"Desk screen"}
    assert listed(security_officer) == {"Gate sync"}
    # An organiser may grant checkin:write too, so sees the desk's token.
    assert listed(organiser) == {"Org sync", "Desk screen"}

    desk_client = login(checkin_staff)
    assert (
        desk_client.get(url(conference, f"manage/api/{organisers.pk}/revoke/")).status_code == 404
    )
    assert (
        desk_client.post(url(conference, f"manage/api/{organisers.pk}/revoke/")).status_code == 404
    )
    assert login(organiser).post(url(conference, f"manage/api/{gate.pk}/revoke/")).status_code == (
        404
    )
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
    assert desk_client.post(url(conference, f"manage/api/{desk.pk}/revoke/")).status_code == 302


def test_another_conferences_token_is_not_found(conference, organiser):
    elsewhere = ConferenceFactory()
    token, _ = make_token(elsewhere, organiser, {Role.ORGANISER}, [Scope.AGENDA_READ])

    response = login(organiser).post(url(conference, f"manage/api/{token.pk}/revoke/"))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("path", ["manage/api/", "manage/webhooks/"])
def test_delegates_are_refused_the_api_pages(conference, delegate, path):
    assert login(delegate).get(url(conference, path)).status_code == 403
    assert login(delegate).post(url(conference, path), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("persona", ["checkin_staff", "security_officer"])
def test_only_organisers_open_the_webhook_pages(conference, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(url(conference, "manage/webhooks/")).status_code == 403
    assert "manage/webhooks/" not in client.get(url(conference, "manage/api/")).content.decode()


def test_the_token_list_has_a_fixed_number_of_queries(
    conference, organiser, django_assert_num_queries
):
    client = login(organiser)

    def grow(n):
        for i in range(n):
            make_token(
                conference, organiser, {Role.ORGANISER}, [Scope.AGENDA_READ], name=f"Token {i}"
            )

    grow(1)
    with django_assert_num_queries(5):
        assert client.get(url(conference, "manage/api/")).status_code == 200
    grow(15)
    with django_assert_num_queries(5):
        response = client.get(url(conference, "manage/api/"))
    assert len(response.context["tokens"]) == 16


# The dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_names_the_token_an_entry_was_written_through(conference, organiser):
    token, _ = make_token(conference, organiser, {Role.ORGANISER}, [Scope.INVITATIONS_WRITE])
    with audit_via(token.audit_label):
        audit_record(actor=organiser, conference=conference, action="test.api", summary="Synced")

    page = login(organiser).get(url(conference, "manage/")).content.decode()

    assert f"{organiser} via API token “Visitor system”" in page


def test_the_dashboard_links_to_the_api_pages(conference, organiser):
    page = login(organiser).get(url(conference, "manage/")).content.decode()

    assert f'href="{url(conference, "manage/api/")}"' in page
