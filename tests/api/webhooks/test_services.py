"""
The organisers' webhook services and selectors: what each write checks and
audits, and reads in a fixed number of queries scoped to one conference.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from standardwebhooks import Webhook

from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from conference.api.webhooks import selectors, services
from conference.core.events import Event, events_publish
from conference.core.models import AuditLog
from conference.core.services import audit_via
from tests.factories import ConferenceFactory

pytestmark = pytest.mark.django_db


def record(conference, count, resource="meeting:1"):
    with transaction.atomic():
        events_publish(
            conference=conference,
            events=[Event("meeting.booked", f"{resource}-{n}", {}) for n in range(count)],
        )


def test_creating_an_endpoint_returns_its_secret_once_and_audits(conference, organiser, receiver):
    with audit_via("API token “Embassy IT”"):
        endpoint, secret = services.endpoint_create(
            conference=conference,
            actor=organiser,
            url=f"  {receiver.url}  ",
            event_types=["meeting.booked", "checkin.created", "meeting.booked"],
            description="Visitor system",
        )

    assert secret.startswith("whsec_") and len(secret) > 40
    assert Webhook(secret)  # a valid Standard Webhooks secret
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url
    # Canonical order, no repeats.
    assert endpoint.event_types == ["meeting.booked", "checkin.created"]
    entry = AuditLog.objects.get(action="webhook.create")
    assert (entry.actor, entry.via, entry.object_id) == (
        organiser,
        "API token “Embassy IT”",
        str(endpoint.pk),
    )
    assert secret not in entry.summary


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_types": []}, "Choose at least one event."),
        ({"event_types": ["meeting.exploded"]}, "Unknown event: meeting.exploded."),
        ({"event_types": ["ping"]}, "Unknown event: ping."),
        ({"url": ""}, "Enter the URL"),
        ({"url": "http://10.0.0.1/hooks"}, "a private address"),
        ({"description": "x" * 201}, "too long"),
    ],
)
def test_bad_input_is_refused_with_a_message(conference, organiser, receiver, changes, message):
    fields = {"url": receiver.url, "event_types": ["meeting.booked"], "description": ""}
    with pytest.raises(ValidationError, match=message):
        services.endpoint_create(conference=conference, actor=organiser, **{**fields, **changes})
    assert not WebhookEndpoint.objects.exists()


def test_updating_checks_the_new_url_and_audits(conference, organiser, hook, receiver):
    with pytest.raises(ValidationError, match="a cloud metadata address"):
        services.endpoint_update(
            endpoint=hook,
            actor=organiser,
            url="http://169.254.169.254/",
            event_types=["meeting.booked"],
            description="",
        )
    hook.refresh_from_db()
    assert hook.url == receiver.url

    services.endpoint_update(
        endpoint=hook,
        actor=organiser,
        url=receiver.url + "/v2",
        event_types=["checkin.created"],
        description="Arrivals screen",
    )

    hook.refresh_from_db()
    assert (hook.url, hook.event_types, hook.description) == (
        receiver.url + "/v2",
        ["checkin.created"],
        "Arrivals screen",
    )
    entry = AuditLog.objects.get(action="webhook.update")
    assert entry.data["before"]["url"] == receiver.url


def test_deleting_an_endpoint_removes_its_messages_and_audits(conference, organiser, hook):
    record(conference, 2)

    services.endpoint_delete(endpoint=hook, actor=organiser)

    assert not WebhookEndpoint.objects.exists()
    assert not WebhookMessage.objects.exists()
    assert AuditLog.objects.filter(action="webhook.delete", object_id=str(hook.pk)).exists()


def test_a_rotated_secret_signs_the_next_deliveries(
    conference, organiser, hook, receiver, django_capture_on_commit_callbacks
):
    secret = services.endpoint_secret_rotate(endpoint=hook, actor=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        record(conference, 1)

    (request,) = receiver.requests
    assert secret != hook.plain_secret
    Webhook(secret).verify(request.body, request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(hook.plain_secret).verify(request.body, request.headers)
    assert AuditLog.objects.filter(action="webhook.secret_rotate").exists()


def test_disabling_and_enabling_are_audited_and_refuse_pings_while_disabled(
    conference, organiser, hook
):
    services.endpoint_disable(endpoint=hook, actor=organiser, reason="Receiver moves")
    hook.refresh_from_db()
    assert (hook.is_enabled, hook.disabled_reason) == (False, "Receiver moves")

    with pytest.raises(ValidationError, match="disabled"):
        services.endpoint_ping(endpoint=hook, actor=organiser)
    record(conference, 1)
    with pytest.raises(ValidationError, match="disabled"):
        services.message_redeliver(message=WebhookMessage.objects.get(), actor=organiser)

    services.endpoint_enable(endpoint=hook, actor=organiser)
    hook.refresh_from_db()
    assert hook.is_enabled
    assert list(
        AuditLog.objects.filter(action__startswith="webhook.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["webhook.create", "webhook.disable", "webhook.enable"]


# Selectors ----------------------------------------------------------------------------


def test_the_endpoint_list_counts_messages_in_one_query(
    conference, organiser, hook, receiver, django_assert_num_queries
):
    services.endpoint_create(
        conference=conference, actor=organiser, url=receiver.url, event_types=["checkin.created"]
    )
    record(conference, 3)
    WebhookMessage.objects.filter(pk=WebhookMessage.objects.first().pk).update(status="failed")

    with django_assert_num_queries(1):
        endpoints = selectors.endpoint_list(conference=conference)

    assert [(e.pk, e.undelivered_count, e.failed_count) for e in endpoints] == [
        (hook.pk, 2, 1),
        (endpoints[1].pk, 0, 0),
    ]


def test_an_endpoint_of_another_conference_is_not_found(conference, hook):
    assert selectors.endpoint_get(conference=conference, endpoint_id=hook.pk) == hook
    for endpoint_id in (hook.pk, "nonsense"):
        with pytest.raises(Http404):
            selectors.endpoint_get(conference=ConferenceFactory(), endpoint_id=endpoint_id)


@pytest.mark.parametrize("count", [1, 8])
def test_the_delivery_log_reads_a_fixed_number_of_queries(
    conference, hook, count, django_assert_num_queries
):
    record(conference, count)
    for message in WebhookMessage.objects.all():
        WebhookAttempt.objects.create(message=message, response_code=500)
        WebhookAttempt.objects.create(message=message, response_code=200, succeeded=True)

    with django_assert_num_queries(2):
        messages = selectors.message_list(endpoint=hook)

    assert [m.pk for m in messages] == sorted((m.pk for m in messages), reverse=True)
    assert len(messages) == count
    assert all(m.latest_attempt.response_code == 200 for m in messages)


def test_the_delivery_log_filters_by_status_and_limits(conference, hook):
    record(conference, 5)
    newest = WebhookMessage.objects.order_by("-pk").first()
    WebhookMessage.objects.filter(pk=newest.pk).update(status="failed")

    assert [m.pk for m in selectors.message_list(endpoint=hook, status="failed")] == [newest.pk]
    assert len(selectors.message_list(endpoint=hook, limit=2)) == 2
    assert selectors.message_list(endpoint=hook, status="pending")[0].latest_attempt is None


def test_a_message_is_read_with_its_attempts_only_through_its_endpoint(
    conference, organiser, hook, receiver
):
    record(conference, 1)
    message = WebhookMessage.objects.get()
    WebhookAttempt.objects.create(message=message, response_code=500)
    other, _secret = services.endpoint_create(
        conference=conference, actor=organiser, url=receiver.url, event_types=["checkin.created"]
    )

    found = selectors.message_get(endpoint=hook, message_id=message.pk)
    assert [a.response_code for a in found.attempts_list] == [500]
    assert selectors.message_get(endpoint=hook, message_id=message.message_id) == message
    with pytest.raises(Http404):
        selectors.message_get(endpoint=other, message_id=message.pk)
