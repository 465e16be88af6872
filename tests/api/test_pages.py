"""
The staff pages of the API (conference/api/views.py): tokens created in the
browser, shown once and usable at once; each staff role granting (and
seeing) only its own scopes; webhook endpoints added, edited, pinged,
disabled, rotated and deleted; the delivery log with its redelivery; the
dashboard's notice of endpoints in trouble. Lists keep a fixed number of
queries whatever their size.
"""

import datetime
import re

import pytest
from django.utils import timezone

from conference.api.models import ApiToken, WebhookAttempt, WebhookEndpoint, WebhookMessage
from conference.api.scopes import Scope
from conference.api.tokens import token_create
from conference.core.models import AuditLog, Role
from conference.core.services import audit_record, audit_via
from tests.factories import ConferenceFactory
from tests.helpers import login, url
from tests.helpers.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'value="(cp_[A-Za-z0-9_-]{43})"')
WEBHOOK_SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def shown_secret(response, pattern=TOKEN):
    """The secrets in the page's copy fields."""
    return pattern.findall(response.content.decode())


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


# Webhooks --------------------------------------------------------------------------------------


@pytest.fixture
def receiver(settings):
    """A real local receiver, its loopback network allow-listed (the SSRF check)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_DELAYS = [0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    with Receiver() as receiver:
        yield receiver


def add_endpoint(client, conference, receiver_url, events=("registration.approved",)):
    return client.post(
        url(conference, "manage/webhooks/"),
        {"url": receiver_url, "description": "Embassy IT", "event_types": list(events)},
    )


def test_organiser_adds_an_endpoint_and_sees_its_secret_once(conference, organiser, receiver):
    client = login(organiser)

    response = add_endpoint(client, conference, receiver.url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [secret] = shown_secret(response, WEBHOOK_SECRET)
    endpoint = WebhookEndpoint.objects.get(conference=conference)
    assert (endpoint.url, endpoint.event_types) == (receiver.url, ["registration.approved"])
    assert endpoint.secret == secret
    assert "webhook-signature" in response.content.decode()  # how to verify
    for page in ("manage/webhooks/", f"manage/webhooks/{endpoint.pk}/"):
        assert secret not in client.get(url(conference, page)).content.decode()


def test_a_private_address_is_refused_as_a_form_error(conference, organiser, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    response = add_endpoint(login(organiser), conference, "http://127.0.0.1:9/hooks")

    assert response.status_code == 200
    page = response.content.decode()
    assert "a loopback address" in page
    assert 'value="http://127.0.0.1:9/hooks"' in page  # nothing typed is lost
    assert 'value="registration.approved" id="id_event_types_1" checked' in page
    assert not shown_secret(response, WEBHOOK_SECRET)
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def endpoint(conference, organiser, receiver):
    response = add_endpoint(login(organiser), conference, receiver.url)
    assert response.status_code == 200
    return WebhookEndpoint.objects.get(conference=conference)


def test_organiser_edits_an_endpoint(conference, organiser, endpoint, receiver):
    response = login(organiser).post(
        url(conference, f"manage/webhooks/{endpoint.pk}/"),
        {
            "url": receiver.url + "/v2",
            "description": "Visitor desk",
            "event_types": ["checkin.created", "meeting.booked"],
        },
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url + "/v2"
    assert endpoint.description == "Visitor desk"
    assert endpoint.event_types == ["meeting.booked", "checkin.created"]


def test_an_edit_to_a_private_address_is_refused_and_kept_in_the_form(
    conference, organiser, endpoint, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    response = login(organiser).post(
        url(conference, f"manage/webhooks/{endpoint.pk}/"),
        {"url": "http://10.1.2.3/hooks", "description": "", "event_types": ["meeting.booked"]},
    )

    assert response.status_code == 200
    assert "a private address" in response.content.decode()
    assert 'value="http://10.1.2.3/hooks"' in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("http://127.0.0.1:")


def test_a_ping_reaches_the_receiver_and_shows_in_the_delivery_log(
    conference, organiser, endpoint, receiver, django_capture_on_commit_callbacks
):
    client = login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(conference, f"manage/webhooks/{endpoint.pk}/ping/"))

    assert response.status_code == 302
    assert len(receiver.requests) == 1
    message = WebhookMessage.objects.get(endpoint=endpoint)
    assert message.status == WebhookMessage.Status.DELIVERED
    log = client.get(url(conference, f"manage/webhooks/{endpoint.pk}/"))
    assert log.context["log"] == [message]
    page = log.content.decode()
    assert "ping" in page and ">200<" in page and " ms" in page


def test_redeliver_sends_a_failed_message_again(
    conference, organiser, endpoint, receiver, django_capture_on_commit_callbacks
):
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        event_type="registration.approved",
        resource="registration:1",
        payload={"type": "registration.approved"},
        status=WebhookMessage.Status.FAILED,
        attempts=8,
        last_response_code=500,
    )
    client = login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(conference, f"manage/webhooks/{endpoint.pk}/messages/{message.pk}/redeliver/")
        )

    assert response.status_code == 302
    assert response["Location"] == url(conference, f"manage/webhooks/{endpoint.pk}/")
    message.refresh_from_db()
    assert message.status == WebhookMessage.Status.DELIVERED
    assert receiver.ids() == [message.message_id]
    attempt = WebhookAttempt.objects.get(message=message)
    assert attempt.manual and attempt.response_code == 200
    detail = client.get(url(conference, f"manage/webhooks/{endpoint.pk}/messages/{message.pk}/"))
    page = detail.content.decode()
    assert message.message_id in page
    assert "&quot;type&quot;: &quot;registration.approved&quot;" in page  # the payload, pretty


def test_a_disabled_endpoint_is_enabled_again_from_its_page(
    conference, organiser, endpoint, django_capture_on_commit_callbacks
):
    client = login(organiser)
    page = url(conference, f"manage/webhooks/{endpoint.pk}/")

    client.post(page + "disable/", {"reason": "Receiver being moved"})

    endpoint.refresh_from_db()
    assert (endpoint.is_enabled, endpoint.disabled_reason) == (False, "Receiver being moved")
    shown = client.get(page).content.decode()
    assert "Receiver being moved" in shown and "/enable/" in shown and "/ping/" not in shown
    refused = client.post(page + "ping/", follow=True)
    assert "This endpoint is disabled" in refused.content.decode()
    assert not WebhookMessage.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page + "enable/")

    endpoint.refresh_from_db()
    assert endpoint.is_enabled


def test_rotating_the_secret_asks_first_then_shows_the_new_one_once(
    conference, organiser, endpoint
):
    client = login(organiser)
    rotate = url(conference, f"manage/webhooks/{endpoint.pk}/secret/")
    before = endpoint.secret

    assert client.get(rotate).status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret == before

    response = client.post(rotate)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [secret] = shown_secret(response, WEBHOOK_SECRET)
    endpoint.refresh_from_db()
    assert endpoint.secret == secret != before
    # The settings form of that answer saves the endpoint; it does not rotate again.
    assert f'action="{url(conference, f"manage/webhooks/{endpoint.pk}/")}"' in (
        response.content.decode()
    )
    assert not shown_secret(
        client.get(url(conference, f"manage/webhooks/{endpoint.pk}/")), WEBHOOK_SECRET
    )


def test_deleting_an_endpoint_asks_first(conference, organiser, endpoint):
    client = login(organiser)
    delete = url(conference, f"manage/webhooks/{endpoint.pk}/delete/")

    assert client.get(delete).status_code == 200
    assert WebhookEndpoint.objects.exists()

    response = client.post(delete)

    assert response.status_code == 302
    assert response["Location"] == url(conference, "manage/webhooks/")
    assert not WebhookEndpoint.objects.exists()


def test_another_conferences_endpoint_is_not_found(conference, organiser):
    other = WebhookEndpoint.objects.create(
        conference=ConferenceFactory(), url="https://hooks.example.org/", secret="whsec_eA=="
    )
    client = login(organiser)

    for path in ("", "secret/", "delete/"):
        assert client.get(url(conference, f"manage/webhooks/{other.pk}/{path}")).status_code == 404
    assert client.post(url(conference, f"manage/webhooks/{other.pk}/delete/")).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=other.pk).exists()


def log_messages(endpoint, n, *, status=WebhookMessage.Status.FAILED):
    """`n` messages of `endpoint`, each with two attempts."""
    for i in range(n):
        message = WebhookMessage.objects.create(
            endpoint=endpoint,
            event_type="meeting.booked",
            resource=f"meeting:{i}",
            payload={"id": i},
            status=status,
            attempts=2,
            last_response_code=503,
        )
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(message=message, duration_ms=40, response_code=503),
                WebhookAttempt(message=message, duration_ms=41, response_code=503),
            ]
        )


def test_the_delivery_log_filters_by_status(conference, organiser, endpoint):
    log_messages(endpoint, 2, status=WebhookMessage.Status.FAILED)
    log_messages(endpoint, 3, status=WebhookMessage.Status.DELIVERED)
    client = login(organiser)
    page = url(conference, f"manage/webhooks/{endpoint.pk}/")

    assert len(client.get(page).context["log"]) == 5
    assert len(client.get(page + "?status=failed").context["log"]) == 2
    assert len(client.get(page + "?status=nonsense").context["log"]) == 5


def test_the_delivery_log_has_a_fixed_number_of_queries(
    conference, organiser, endpoint, django_assert_num_queries
):
    client = login(organiser)
    page = url(conference, f"manage/webhooks/{endpoint.pk}/")

    log_messages(endpoint, 1)
    with django_assert_num_queries(7):
        assert client.get(page).status_code == 200
    log_messages(endpoint, 20)
    with django_assert_num_queries(7):
        response = client.get(page)
    assert len(response.context["log"]) == 21


def test_the_endpoint_list_has_a_fixed_number_of_queries(
    conference, organiser, receiver, django_assert_num_queries
):
    client = login(organiser)
    for _ in range(2):
        add_endpoint(client, conference, receiver.url)
    with django_assert_num_queries(5):
        assert client.get(url(conference, "manage/webhooks/")).status_code == 200
    for endpoint in WebhookEndpoint.objects.all():
        log_messages(endpoint, 3)
    add_endpoint(client, conference, receiver.url)
    with django_assert_num_queries(5):
        response = client.get(url(conference, "manage/webhooks/"))
    assert [e.failed_count for e in response.context["endpoints"]] == [3, 3, 0]


# The dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_flags_disabled_endpoints_and_failed_messages(conference, organiser):
    client = login(organiser)
    quiet = WebhookEndpoint.objects.create(
        conference=conference, url="https://quiet.example.org/", secret="whsec_eA=="
    )
    assert "Webhooks need attention" not in client.get(url(conference, "manage/")).content.decode()

    WebhookEndpoint.objects.create(
        conference=conference,
        url="https://down.example.org/",
        secret="whsec_eA==",
        is_enabled=False,
        disabled_reason="20 failed attempts in a row",
    )
    log_messages(quiet, 2)
    page = client.get(url(conference, "manage/")).content.decode()

    assert "Webhooks need attention" in page
    assert "20 failed attempts in a row" in page
    assert "2 failed messages" in page
    assert f"manage/webhooks/{quiet.pk}/?status=failed" in page


def test_the_dashboard_names_the_token_an_entry_was_written_through(conference, organiser):
    token, _ = make_token(conference, organiser, {Role.ORGANISER}, [Scope.INVITATIONS_WRITE])
    with audit_via(token.audit_label):
        audit_record(actor=organiser, conference=conference, action="test.api", summary="Synced")

    page = login(organiser).get(url(conference, "manage/")).content.decode()

    assert f"{organiser} via API token “Visitor system”" in page


def test_the_dashboard_links_to_the_api_pages(conference, organiser):
    page = login(organiser).get(url(conference, "manage/")).content.decode()

    assert f'href="{url(conference, "manage/api/")}"' in page
