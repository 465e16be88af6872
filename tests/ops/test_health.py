"""/livez (the process answers) and /readyz (it can serve), beside /healthz."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.factories import HeartbeatFactory
from tests.helpers import production_env, run_python

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = "203.0.113.7"


def test_livez_answers_without_a_single_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez", REMOTE_ADDR=PUBLIC_ADDRESS)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_livez_stays_up_while_readiness_fails(client):
    # No heartbeat: beat is down, so the portal is not ready, but the process is alive.
    assert client.get("/readyz").status_code == 503

    assert client.get("/livez").status_code == 200


@pytest.mark.parametrize("heartbeat_age", [5, None, 10_000], ids=["fresh", "none", "stale"])
@pytest.mark.parametrize("address", ["127.0.0.1", PUBLIC_ADDRESS], ids=["local", "public"])
def test_readyz_answers_as_healthz_does(client, heartbeat_age, address):
    if heartbeat_age is not None:
        HeartbeatFactory(beat_at=timezone.now() - datetime.timedelta(seconds=heartbeat_age))

    ready = client.get("/readyz", REMOTE_ADDR=address)
    health = client.get("/healthz", REMOTE_ADDR=address)

    assert ready.status_code == health.status_code == (200 if heartbeat_age == 5 else 503)
    ready_body, health_body = ready.json(), health.json()
    for body in (ready_body, health_body):
        body.get("beat", {}).pop("age_seconds", None)  # a few milliseconds apart
    assert ready_body == health_body
    assert ("database" in ready_body) is (address == "127.0.0.1")


def test_the_healthz_token_opens_readyz_details_from_anywhere(client, settings):
    settings.HEALTHZ_TOKEN = "t0ken-" + "x" * 40

    body = client.get(
        "/readyz", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION=f"Bearer {settings.HEALTHZ_TOKEN}"
    ).json()

    assert body["database"]["ok"] is True


PROBE = """
import json

import django

django.setup()
from django.test import Client

client = Client(HTTP_HOST="portal.example.org")
print(json.dumps({
    path: client.get(path).status_code
    for path in ("/livez", "/readyz", "/healthz", "/metrics", "/accounts/login/")
}))
"""


def test_in_production_the_probes_answer_over_plain_http():
    result = run_python(PROBE, production_env())

    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses["/livez"] == 200
    assert statuses["/readyz"] in (200, 503)
    assert statuses["/healthz"] in (200, 503)
    assert statuses["/metrics"] == 200  # the test client's address is local
    assert statuses["/accounts/login/"] == 301  # pages still go to HTTPS
