"""/metrics: who may read it, the request histogram and the gauges read at each scrape."""

import datetime
import os

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from conference.api.models import WebhookEndpoint, WebhookMessage
from conference.core.models import OutgoingEmail
from tests.factories import HeartbeatFactory, OutgoingEmailFactory
from tests.helpers import database_url_of_tests, run_python, url

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = "203.0.113.7"
TOKEN = "m3trics-" + "y" * 40


def scrape(client, **extra):
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, metric, /, **labels):
    return samples.get((metric, tuple(sorted(labels.items()))))


def requests_counted(samples, view, status, method="GET"):
    count = value(
        samples,
        "portal_http_request_duration_seconds_count",
        view=view,
        method=method,
        status=status,
    )
    return count or 0


# Access ------------------------------------------------------------------------------


def test_a_public_caller_without_the_token_is_refused_with_no_details(client, settings):
    settings.METRICS_TOKEN = TOKEN

    refused = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS)
    wrong = client.get(
        "/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer not-the-token"
    )

    for response in (refused, wrong):
        assert response.status_code == 403
        assert response.content == b""


def test_no_token_configured_lets_no_public_caller_in(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 403


def test_the_token_opens_the_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get(
        "/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    assert b"portal_outbox_backlog" in response.content


def test_the_local_network_reads_the_metrics_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


# Requests ----------------------------------------------------------------------------


def test_the_histogram_counts_requests_by_route_name_and_status_class(client, conference):
    before = scrape(client)

    assert client.get(url(conference)).status_code == 200
    assert client.get(url(conference, "manage/")).status_code == 302
    assert client.get("/no-such-page/").status_code == 404

    after = scrape(client)
    for view, status in [
        ("conference:home", "2xx"),
        ("conference:dashboard", "3xx"),
        ("<unresolved>", "4xx"),
    ]:
        assert requests_counted(after, view, status) == requests_counted(before, view, status) + 1
    # The route's name is the label, never the address (no slug, no id, no typo).
    views = {dict(labels).get("view") for (name, labels) in after if name.startswith("portal_http")}
    assert not [view for view in views if "/" in view or conference.slug in view]


def test_the_histogram_has_a_bucket_at_the_half_second_target(client):
    samples = scrape(client)

    buckets = {
        dict(labels)["le"]
        for (name, labels) in samples
        if name == "portal_http_request_duration_seconds_bucket"
    }
    assert "0.5" in buckets


# Gauges read at scrape time -------------------------------------------------------------


def test_the_outbox_gauges_count_unsent_and_failed_rows_and_the_oldest_age(client):
    Status = OutgoingEmail.Status
    oldest = OutgoingEmailFactory(status=Status.QUEUED)
    OutgoingEmailFactory(status=Status.QUEUED)
    OutgoingEmailFactory(status=Status.RETRY)
    OutgoingEmailFactory(status=Status.FAILED)
    OutgoingEmailFactory(status=Status.SENT)
    # A sent row older still does not count: it is not waiting.
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    OutgoingEmail.objects.filter(pk=oldest.pk).update(created_at=two_hours_ago)
    OutgoingEmail.objects.filter(status=Status.SENT).update(
        created_at=two_hours_ago - datetime.timedelta(days=1)
    )

    samples = scrape(client)

    assert value(samples, "portal_outbox_backlog") == 3
    assert value(samples, "portal_outbox_failed") == 1
    assert value(samples, "portal_outbox_emails", status="queued") == 2
    assert value(samples, "portal_outbox_emails", status="retry") == 1
    assert value(samples, "portal_outbox_emails", status="sending") == 0
    assert 7200 <= value(samples, "portal_outbox_oldest_unsent_age_seconds") < 7300
    assert value(samples, "portal_metrics_source_up", source="database") == 1


def test_an_empty_outbox_has_no_age(client):
    OutgoingEmailFactory(status=OutgoingEmail.Status.SENT)

    samples = scrape(client)

    assert value(samples, "portal_outbox_backlog") == 0
    assert value(samples, "portal_outbox_oldest_unsent_age_seconds") == 0


def test_the_heartbeat_gauge_is_the_age_of_beats_last_heartbeat(client):
    HeartbeatFactory(beat_at=timezone.now() - datetime.timedelta(seconds=95))

    age = value(scrape(client), "portal_heartbeat_age_seconds", name="beat")

    assert 95 <= age < 125


@pytest.fixture
def broker():
    """The broker's Redis (this run's own database); the queues are emptied before and after."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    assert client.connection_pool.connection_kwargs.get("db", 0) != 0
    queues = ["mail", "default", "long"]
    keys = [queue + suffix for queue in queues for suffix in ("", "\x06\x163")]
    client.delete(*keys)
    yield client
    client.delete(*keys)
    client.close()


def test_the_queue_gauge_counts_messages_waiting_in_the_broker(client, broker):
    broker.lpush("long", b"one", b"two", b"three")
    broker.lpush("mail", b"one")
    broker.lpush("mail\x06\x163", b"one of priority 3")

    samples = scrape(client)

    assert value(samples, "portal_celery_queue_length", queue="long") == 3
    assert value(samples, "portal_celery_queue_length", queue="mail") == 2
    assert value(samples, "portal_celery_queue_length", queue="default") == 0
    assert value(samples, "portal_metrics_source_up", source="broker") == 1


def test_an_unreachable_broker_is_reported_and_the_rest_still_served(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    OutgoingEmailFactory(status=OutgoingEmail.Status.FAILED)

    samples = scrape(client)

    assert value(samples, "portal_metrics_source_up", source="broker") == 0
    assert value(samples, "portal_outbox_failed") == 1
    assert value(samples, "portal_celery_queue_length", queue="mail") is None


def test_the_webhook_gauges_count_failed_messages_and_failing_endpoints(client, conference):
    failing = WebhookEndpoint.objects.create(
        conference=conference, url="https://hooks.example.org/a", consecutive_failures=3
    )
    WebhookEndpoint.objects.create(
        conference=conference, url="https://hooks.example.org/b", is_enabled=False
    )
    for status in ("failed", "failed", "retry", "delivered"):
        WebhookMessage.objects.create(
            endpoint=failing, event_type="registration.created", resource="r:1", status=status
        )

    samples = scrape(client)

    assert value(samples, "portal_webhook_messages", status="failed") == 2
    assert value(samples, "portal_webhook_messages", status="retry") == 1
    assert value(samples, "portal_webhook_messages", status="pending") == 0
    assert value(samples, "portal_webhook_endpoints", state="failing") == 1
    assert value(samples, "portal_webhook_endpoints", state="disabled") == 1


def test_a_scrape_makes_a_bounded_number_of_queries(
    client, conference, django_assert_max_num_queries
):
    for _ in range(30):
        OutgoingEmailFactory(conference=conference)

    # Outbox, heartbeats, webhook messages, webhook endpoints.
    with django_assert_max_num_queries(4):
        scrape(client)


# Several gunicorn processes -----------------------------------------------------------

SERVE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
for _ in range({n}):
    assert client.get("/livez").status_code == 200
"""

SCRAPE = """
import django
django.setup()
from django.test import Client
print(Client(HTTP_HOST="localhost").get("/metrics").content.decode())
"""


def test_in_multiprocess_mode_a_scrape_adds_up_every_processs_requests(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": database_url_of_tests(),
    }
    for n in (2, 3):
        result = run_python(SERVE.format(n=n), env)
        assert result.returncode == 0, result.stderr

    result = run_python(SCRAPE, env)

    assert result.returncode == 0, result.stderr
    counted = {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(result.stdout)
        for sample in family.samples
        if sample.name == "portal_http_request_duration_seconds_count"
    }
    livez = (("method", "GET"), ("status", "2xx"), ("view", "livez"))
    assert counted[livez] == 5
