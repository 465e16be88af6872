"""/healthz, the production settings and the security headers."""

import datetime
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import HeartbeatFactory
from tests.helpers import production_env, run_python

pytestmark = pytest.mark.django_db

# /healthz -----------------------------------------------------------------------------


def test_it_reports_healthy_with_a_fresh_heartbeat(client):
    HeartbeatFactory(beat_at=timezone.now() - datetime.timedelta(seconds=5))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == "postgresql"
    assert body["redis"] == {"ok": True}
    assert body["beat"]["ok"] is True
    assert 0 <= body["beat"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_unhealthy_without_a_heartbeat(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["beat"] == {"ok": False, "age_seconds": None}
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is True


def test_it_reports_unhealthy_with_a_stale_heartbeat(client, settings):
    age = settings.HEARTBEAT_MAX_AGE_SECONDS + 60
    HeartbeatFactory(beat_at=timezone.now() - datetime.timedelta(seconds=age))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False
    assert response.json()["beat"]["age_seconds"] >= age


PUBLIC_ADDRESS = "203.0.113.7"


def test_a_public_caller_learns_only_whether_it_is_healthy(client):
    HeartbeatFactory(beat_at=timezone.now())

    response = client.get("/healthz", REMOTE_ADDR=PUBLIC_ADDRESS)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_public_caller_sees_an_outage_only_in_the_status(client):
    response = client.get("/healthz", REMOTE_ADDR=PUBLIC_ADDRESS)

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.9", "::1"])
def test_the_local_network_reads_each_dependency(client, address):
    HeartbeatFactory(beat_at=timezone.now())

    body = client.get("/healthz", REMOTE_ADDR=address).json()

    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["redis"] == {"ok": True}
    assert body["beat"]["ok"] is True


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded"),
    [
        (0, PUBLIC_ADDRESS, "127.0.0.1"),
        (1, "10.0.0.2", "127.0.0.1, " + PUBLIC_ADDRESS),
        (1, "10.0.0.2", None),
        (2, "10.0.0.2", "10.0.0.3"),
    ],
    ids=["no proxy", "behind a proxy", "no header behind a proxy", "too few entries"],
)
def test_a_forged_forwarded_for_does_not_unlock_the_details(
    client, settings, proxies, remote, forwarded
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}

    body = client.get("/healthz", REMOTE_ADDR=remote, **headers).json()

    assert set(body) == {"status"}


def test_a_local_caller_behind_the_proxy_reads_the_details(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    body = client.get(
        "/healthz", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.9"
    ).json()

    assert body["database"]["vendor"] == "postgresql"


@pytest.mark.parametrize(
    ("configured", "sent", "details"),
    [
        ("t0ken-" + "x" * 40, "Bearer t0ken-" + "x" * 40, True),
        ("t0ken-" + "x" * 40, "Bearer wrong", False),
        ("t0ken-" + "x" * 40, "t0ken-" + "x" * 40, False),
        ("", "Bearer ", False),
    ],
    ids=["right token", "wrong token", "not a bearer token", "no token configured"],
)
def test_the_token_unlocks_the_details_from_anywhere(client, settings, configured, sent, details):
    settings.HEALTHZ_TOKEN = configured

    body = client.get("/healthz", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION=sent).json()

    assert ("database" in body) is details


# Content Security Policy ----------------------------------------------------------------


def directives(header):
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_it_sends_a_strict_content_security_policy(client):
    response = client.get("/healthz")

    header = response["Content-Security-Policy"]
    policy = directives(header)
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_login_page_has_the_same_policy(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# Production settings (DEBUG off), each in a fresh process --------------------------------


def test_deploy_check_is_silent_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PROBE = """
import json

import django

django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# Pages render without the manifest of `collectstatic` (the image build runs it).
override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()
client = Client(HTTP_HOST="portal.example.org")
login = client.get("/accounts/login/", secure=True)
csrf = login.cookies["csrftoken"]
http_page = client.get("/accounts/login/")
http_health = client.get("/healthz")
print(json.dumps({
    "debug": settings.DEBUG,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "login_status": login.status_code,
    "hsts": login.headers.get("Strict-Transport-Security"),
    "csp": login.headers.get("Content-Security-Policy"),
    "csrf_cookie": {"secure": bool(csrf["secure"]), "samesite": csrf["samesite"]},
    "http_page": [http_page.status_code, http_page.headers.get("Location")],
    "http_health": http_health.status_code,
}))
"""


def test_production_serves_https_only_with_hsts_and_secure_cookies():
    result = run_python(PROBE, production_env())
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["debug"] is False
    assert probe["login_status"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in probe["csp"]
    assert probe["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert probe["session_cookie_secure"] is True
    assert probe["session_cookie_httponly"] is True
    assert probe["http_page"] == [301, "https://portal.example.org/accounts/login/"]
    # Load balancers probe over plain HTTP: /healthz answers instead of redirecting.
    assert probe["http_health"] in (200, 503)
