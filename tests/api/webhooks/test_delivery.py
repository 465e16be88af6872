"""
Delivery to a real local receiver: signed per Standard Webhooks, retried
after a failure with every attempt logged, in order per resource, recovered
from a dead worker by the sweep, and an endpoint that keeps failing is
disabled and its organisers told.
"""

import json
import socket
import ssl
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from conference.api import tasks
from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from conference.api.webhooks import delivery, services
from conference.core.events import Event, events_publish
from conference.core.models import AuditLog, OutgoingEmail

pytestmark = pytest.mark.django_db

Status = WebhookMessage.Status


def announce(conference, *pairs, capture):
    """Publish events (type, resource) in one transaction and run what it enqueued."""
    with capture(execute=True), transaction.atomic():
        events_publish(
            conference=conference,
            events=[Event(kind, resource, {"n": n}) for n, (kind, resource) in enumerate(pairs)],
        )
    return list(WebhookMessage.objects.order_by("pk"))[-len(pairs) :]


def sweep(capture):
    with capture(execute=True):
        tasks.webhook_sweep.delay()


def test_a_message_reaches_the_receiver_with_a_valid_signature(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )

    (request,) = receiver.requests
    payload = Webhook(hook.plain_secret).verify(request.body, request.headers)
    assert payload == {
        "type": "meeting.booked",
        "timestamp": payload["timestamp"],
        "data": {"conference": conference.slug, "n": 0},
    }
    assert request.headers["webhook-id"] == message.message_id
    assert request.headers["content-type"] == "application/json"
    # A tampered body or another secret does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook(hook.plain_secret).verify(request.body.replace(b'"n":0', b'"n":1'), request.headers)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_response_code) == (
        Status.DELIVERED,
        1,
        200,
    )
    (attempt,) = message.attempts_log.all()
    assert attempt.succeeded and attempt.response_code == 200 and attempt.duration_ms >= 0


def test_the_signature_matches_the_standard_webhooks_test_vector(monkeypatch):
    """The spec's vector (secret, id, timestamp, body) gives the spec's signature."""
    sent_at = datetime.fromtimestamp(1614265330, tz=UTC)
    monkeypatch.setattr(delivery.timezone, "now", lambda: sent_at)
    message = WebhookMessage(
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        endpoint=WebhookEndpoint(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    )

    headers = delivery._signed_headers(message, '{"test": 2432232314}')

    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_500_is_retried_and_then_delivered_with_every_attempt_logged(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    (message,) = announce(
        conference,
        ("checkin.created", "registration:7"),
        capture=django_capture_on_commit_callbacks,
    )
    message.refresh_from_db()
    assert message.status == Status.RETRY
    assert message.last_response_code == 500
    assert message.last_error.startswith("HTTP 500")

    sweep(django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DELIVERED, 2)
    attempts = list(message.attempts_log.order_by("started_at", "pk"))
    assert [(a.response_code, a.succeeded) for a in attempts] == [(500, False), (200, True)]
    assert attempts[0].error == "HTTP 500: receiver says no"
    # Both attempts carry the same webhook-id: the receiver dedupes on it.
    assert receiver.ids() == [message.message_id] * 2
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


def test_a_retry_waits_for_its_delay(
    conference, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = [300]
    receiver.statuses = [503]
    (message,) = announce(
        conference,
        ("checkin.created", "registration:7"),
        capture=django_capture_on_commit_callbacks,
    )

    sweep(django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.status == Status.RETRY
    assert len(receiver.requests) == 1
    assert (
        timedelta(seconds=290) < message.next_attempt_at - timezone.now() <= timedelta(seconds=300)
    )


def test_order_per_resource_is_kept_while_other_resources_go_ahead(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    first, second, other = announce(
        conference,
        ("meeting.booked", "meeting:1"),
        ("meeting.rescheduled", "meeting:1"),
        ("meeting.booked", "meeting:2"),
        capture=django_capture_on_commit_callbacks,
    )
    # The first failed: the second of its resource waits, the other resource does not.
    assert receiver.ids() == [first.message_id, other.message_id]
    second.refresh_from_db()
    assert (second.status, second.attempts) == (Status.PENDING, 0)
    assert delivery.message_deliver(message_pk=second.pk) is None

    sweep(django_capture_on_commit_callbacks)

    assert receiver.ids() == [
        first.message_id,
        other.message_id,
        first.message_id,
        second.message_id,
    ]
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_a_message_waits_while_the_older_one_of_its_resource_is_being_sent(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        events_publish(
            conference=conference,
            events=[
                Event("meeting.booked", "meeting:1", {}),
                Event("meeting.cancelled", "meeting:1", {}),
            ],
        )
    first, second = WebhookMessage.objects.order_by("pk")
    # Another worker holds the first (its lease runs).
    WebhookMessage.objects.filter(pk=first.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )

    assert delivery.message_deliver(message_pk=second.pk) is None
    assert delivery.message_deliver(message_pk=first.pk) is None
    assert receiver.requests == []
    assert delivery.message_due_ids() == []


def test_a_message_left_sending_by_a_dead_worker_is_sent_by_the_sweep(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
    message = WebhookMessage.objects.get()
    # The worker claimed it and died: its lease ended a moment ago.
    WebhookMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    sweep(django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DELIVERED, 2)
    assert receiver.ids() == [message.message_id]


def test_a_message_never_enqueued_is_sent_by_the_sweep(
    conference, hook, receiver, django_capture_on_commit_callbacks
):
    """The broker was down at commit: the row is there, the task is not."""
    with transaction.atomic():
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
    assert receiver.requests == []

    sweep(django_capture_on_commit_callbacks)

    assert WebhookMessage.objects.get().status == Status.DELIVERED


def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_outcome(
    conference, hook, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
    message = WebhookMessage.objects.get()
    real_post = delivery._post

    def slow_post(claimed):
        # While this worker posts, its lease ends and another worker delivers.
        WebhookMessage.objects.filter(pk=claimed.pk).update(
            status=Status.DELIVERED, attempts=claimed.attempts + 1
        )
        return real_post(claimed)

    receiver.statuses = [500]
    monkeypatch.setattr(delivery, "_post", slow_post)
    delivery.message_deliver(message_pk=message.pk)

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert WebhookAttempt.objects.filter(message=message, response_code=500).exists()
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


def test_after_the_last_attempt_the_message_fails_and_the_next_of_its_resource_goes(
    conference, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    first, second = announce(
        conference,
        ("registration.created", "registration:1"),
        ("registration.approved", "registration:1"),
        capture=django_capture_on_commit_callbacks,
    )

    sweep(django_capture_on_commit_callbacks)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts) == (Status.FAILED, 2)
    assert second.status == Status.DELIVERED
    assert receiver.ids() == [first.message_id, first.message_id, second.message_id]


def test_a_redirect_is_not_followed(conference, hook, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [302]
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )
    message.refresh_from_db()
    assert (message.status, message.last_response_code) == (Status.RETRY, 302)
    assert len(receiver.requests) == 1


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    conference, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )
    message.refresh_from_db()
    assert message.status == Status.RETRY
    assert message.last_response_code is None
    assert "Timeout" in message.last_error


def test_the_endpoint_is_disabled_after_consecutive_failures_and_the_organisers_are_emailed(
    conference, organiser, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.statuses = [500] * 3
    announce(
        conference,
        *[("checkin.created", f"registration:{n}") for n in range(3)],
        capture=django_capture_on_commit_callbacks,
    )

    hook.refresh_from_db()
    assert not hook.is_enabled
    assert hook.consecutive_failures == 3
    assert "3 consecutive failed deliveries" in hook.disabled_reason
    assert AuditLog.objects.filter(action="webhook.disable", object_id=str(hook.pk)).exists()
    (email,) = OutgoingEmail.objects.filter(kind="webhook.disabled")
    assert email.recipient == organiser.email
    assert hook.url in email.body_text
    assert "3 times in a row" in email.body_text
    assert f"/manage/webhooks/{hook.pk}/" in email.body_text

    # Disabled: new events are kept, not sent.
    (kept,) = announce(
        conference,
        ("checkin.created", "registration:9"),
        capture=django_capture_on_commit_callbacks,
    )
    sweep(django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    kept.refresh_from_db()
    assert kept.status == Status.PENDING

    # Enabled again (the receiver works now): everything kept is delivered.
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_enable(endpoint=hook, actor=organiser)
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    hook.refresh_from_db()
    assert (hook.is_enabled, hook.consecutive_failures) == (True, 0)


def test_manual_redelivery_sends_a_delivered_message_again_marked_manual(
    conference, organiser, hook, receiver, django_capture_on_commit_callbacks
):
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.message_redeliver(message=message, actor=organiser)

    assert receiver.ids() == [message.message_id] * 2
    attempts = list(message.attempts_log.order_by("started_at", "pk"))
    assert [a.manual for a in attempts] == [False, True]
    message.refresh_from_db()
    assert (message.status, message.manual) == (Status.DELIVERED, False)
    assert AuditLog.objects.filter(action="webhook.redeliver").exists()


def test_a_ping_reaches_only_its_endpoint(
    conference, organiser, hook, receiver, django_capture_on_commit_callbacks
):
    other, _secret = services.endpoint_create(
        conference=conference,
        actor=organiser,
        url=receiver.url + "/other",
        event_types=["meeting.booked"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = services.endpoint_ping(endpoint=hook, actor=organiser)

    (request,) = receiver.requests
    assert request.path == "/hooks"
    body = Webhook(hook.plain_secret).verify(request.body, request.headers)
    assert body["type"] == "ping"
    assert body["data"] == {"conference": conference.slug, "endpoint": hook.pk}
    assert message.attempts_log.get().manual
    assert not other.messages.exists()


def test_delivery_checks_the_url_again(
    conference, hook, receiver, settings, django_capture_on_commit_callbacks
):
    """Allowed when registered, no longer when sent: nothing is sent."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )

    assert receiver.requests == []
    message.refresh_from_db()
    assert message.status == Status.RETRY
    assert message.last_error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback")


def test_delivery_connects_to_the_checked_address_and_names_the_host(
    conference, organiser, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """The address checked is the one connected to (no second DNS answer to rebind)."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "127.0.0.1", "10.9.9.9"])
    asked = []

    def getaddrinfo(host, *args, **kwargs):
        if host == "hooks.example.test":
            asked.append(host)
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    port = receiver.server.server_port
    services.endpoint_create(
        conference=conference,
        actor=organiser,
        url=f"http://hooks.example.test:{port}/hooks",
        event_types=["meeting.booked"],
    )
    announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )

    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.example.test:{port}"
    # Resolved at registration and once per delivery, never again by the HTTP client.
    assert asked == ["hooks.example.test", "hooks.example.test"]


def test_a_disabled_endpoint_keeps_its_messages_until_enabled(
    conference, organiser, hook, receiver, django_capture_on_commit_callbacks
):
    services.endpoint_disable(endpoint=hook, actor=organiser, reason="maintenance")
    (message,) = announce(
        conference, ("meeting.booked", "meeting:1"), capture=django_capture_on_commit_callbacks
    )
    sweep(django_capture_on_commit_callbacks)
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_enable(endpoint=hook, actor=organiser)

    assert receiver.ids() == [message.message_id]


def test_a_rolled_back_change_leaves_no_message(conference, hook, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
        assert WebhookMessage.objects.count() == 1
        raise RuntimeError("the change fails")

    assert not WebhookMessage.objects.exists()


def test_an_endpoint_gets_only_the_events_it_subscribed_to_and_only_of_its_conference(
    conference, organiser, receiver, django_capture_on_commit_callbacks
):
    from tests.factories import ConferenceFactory

    services.endpoint_create(
        conference=conference, actor=organiser, url=receiver.url, event_types=["checkin.created"]
    )
    announce(
        conference,
        ("meeting.booked", "meeting:1"),
        ("checkin.created", "registration:1"),
        capture=django_capture_on_commit_callbacks,
    )
    announce(
        ConferenceFactory(),
        ("checkin.created", "registration:2"),
        capture=django_capture_on_commit_callbacks,
    )

    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["checkin.created"]


def _certificate(tmp_path, name):
    """A self-signed certificate for `name`: (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_goes_to_the_checked_address_with_the_name_for_tls(
    conference, hook, receiver, monkeypatch, tmp_path
):
    """SNI and the certificate check use the URL's name; the socket, the checked address."""
    cert_file, key_file = _certificate(tmp_path, "hooks.example.test")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    names = []
    server_tls.sni_callback = lambda sock, name, context: names.append(name)
    receiver.server.socket = server_tls.wrap_socket(receiver.server.socket, server_side=True)
    # The portal trusts the test's certificate; nothing else about the client changes.
    client_tls = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(delivery.httpx, "Client", partial(httpx.Client, verify=client_tls))
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *args, **kwargs: real(
            "127.0.0.1" if host.endswith(".example.test") else host, *args, **kwargs
        ),
    )
    port = receiver.server.server_port

    def post(host):
        endpoint = WebhookEndpoint(url=f"https://{host}:{port}/hooks", secret=hook.secret)
        return delivery._post(WebhookMessage(message_id="msg_tls", payload={}, endpoint=endpoint))

    delivered = post("hooks.example.test")
    refused = post("other.example.test")

    assert (delivered.response_code, delivered.error) == (200, "")
    assert receiver.requests[0].headers["host"] == f"hooks.example.test:{port}"
    assert names == ["hooks.example.test", "other.example.test"]
    # The certificate names another host: no request is sent.
    assert refused.response_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in refused.error
    assert len(receiver.requests) == 1


def test_a_message_deleted_with_its_endpoint_while_being_sent_is_dropped_quietly(
    conference, organiser, hook, receiver, monkeypatch
):
    with transaction.atomic():
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
    message = WebhookMessage.objects.get()
    real_post = delivery._post

    def post_then_delete(claimed):
        outcome = real_post(claimed)
        services.endpoint_delete(endpoint=hook, actor=organiser)
        return outcome

    monkeypatch.setattr(delivery, "_post", post_then_delete)

    assert delivery.message_deliver(message_pk=message.pk) is None
    assert len(receiver.requests) == 1
    assert not WebhookAttempt.objects.exists()
