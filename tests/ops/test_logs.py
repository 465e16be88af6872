"""Request ids, JSON logs and the optional Sentry set-up."""

import json
import re

import pytest

from tests.helpers import database_url_of_tests, run_python

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_sane_request_id_from_the_proxy_is_kept_and_echoed(client):
    response = client.get("/livez", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")

    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize(
    "sent",
    [None, "", "two words", 'quote"d', "x" * 129, "-leading-dash", "ünïcode"],
    ids=["none", "empty", "space", "quote", "too long", "leading dash", "non-ascii"],
)
def test_any_other_request_gets_a_new_id(client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}

    first = client.get("/livez", **headers)["X-Request-ID"]
    second = client.get("/livez", **headers)["X-Request-ID"]

    assert GENERATED.fullmatch(first)
    assert first != second


REQUEST = """
import django

django.setup()
from django.test import Client

response = Client(HTTP_HOST="localhost").get("/livez", HTTP_X_REQUEST_ID="proxy-id-0042")
print(response["X-Request-ID"])
"""


def log_env(**extra):
    import os

    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conference.settings",
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    }


def json_lines(text):
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_with_log_format_json_each_request_logs_a_json_line_with_its_id():
    result = run_python(REQUEST, log_env(LOG_FORMAT="json"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "proxy-id-0042"
    [line] = [line for line in json_lines(result.stderr) if line["logger"] == "conference.requests"]
    assert line["request_id"] == "proxy-id-0042"
    assert (line["view"], line["method"], line["status"], line["level"]) == (
        "livez",
        "GET",
        200,
        "INFO",
    )
    assert "time" in line
    assert isinstance(line["duration_ms"], float)
    # The route's name, not the address (which may carry a token), nor the request object.
    assert "request" not in line
    assert "/livez" not in json.dumps(line)


def test_plain_logs_stay_the_default_without_an_access_line():
    result = run_python(REQUEST, log_env(LOG_FORMAT="plain"))

    assert result.returncode == 0, result.stderr
    assert json_lines(result.stderr) == []
    assert "conference.requests" not in result.stderr


def test_an_unknown_log_format_is_refused_at_start():
    result = run_python(REQUEST, log_env(LOG_FORMAT="xml"))

    assert result.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


SENTRY = """
import sys

import django

django.setup()
from django.test import Client

Client(HTTP_HOST="localhost").get("/livez")
loaded = "sentry_sdk" in sys.modules
pii = None
if loaded:
    import sentry_sdk

    options = sentry_sdk.get_client().options
    pii = options["send_default_pii"]
print(loaded, pii)
"""


def test_without_a_sentry_dsn_sentry_is_not_even_imported():
    result = run_python(SENTRY, log_env(SENTRY_DSN=""))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "None"]


def test_with_a_sentry_dsn_sentry_starts_without_personal_data():
    # Nothing listens on port 9: events, if any, are dropped.
    result = run_python(SENTRY, log_env(SENTRY_DSN="http://public@127.0.0.1:9/1"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
