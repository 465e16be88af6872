"""
The organisers' webhook pages (conference/api/views.py): endpoints added,
edited, pinged, disabled, rotated and deleted, their secret shown once, a
private address refused; the delivery log with its filter and redelivery;
another conference's endpoint not found; the dashboard's notice of endpoints
in trouble. Lists keep a fixed number of queries whatever their size.
"""

import pytest

from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from tests.factories import ConferenceFactory
from tests.helpers import WEBHOOK_SECRET_FIELD, login, shown_secret, url

pytestmark = pytest.mark.django_db


# `receiver`: the real local receiver of tests/api/webhooks/conftest.py.


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
    [secret] = shown_secret(response, WEBHOOK_SECRET_FIELD)
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
    assert not shown_secret(response, WEBHOOK_SECRET_FIELD)
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
    [secret] = shown_secret(response, WEBHOOK_SECRET_FIELD)
    endpoint.refresh_from_db()
    assert endpoint.secret == secret != before
    # The settings form of that answer saves the endpoint; it does not rotate again.
    assert f'action="{url(conference, f"manage/webhooks/{endpoint.pk}/")}"' in (
        response.content.decode()
    )
    assert not shown_secret(
        client.get(url(conference, f"manage/webhooks/{endpoint.pk}/")), WEBHOOK_SECRET_FIELD
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
