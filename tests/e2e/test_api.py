"""
The API and webhooks as an organiser sets them up, in headless Chromium
against gunicorn and a real Celery worker: a token made on the tokens page
calls the API; a webhook endpoint made on the webhooks page gets a test
ping, delivered by the worker to a real local receiver with a Standard
Webhooks signature that verifies, and the delivery log says so.

Screenshots land under tests/e2e/artifacts/<test>/.
"""

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.e2e import personas
from tests.helpers.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

DELIVERY_SECONDS = 30


def api_get(base, path, secret):
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_an_organiser_makes_a_token_in_the_browser_and_the_api_answers_to_it(
    page, login, shots, e2e_conference, e2e_organiser, e2e_server, browser_errors
):
    delegate = personas.delegate(e2e_conference)
    login(page, e2e_organiser, next=f"/events/{e2e_conference.slug}/manage/api/")

    page.get_by_label("Token name").fill("Embassy visitor system")
    page.get_by_label("registrations:read").check()
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#new-secret").input_value()
    assert secret.startswith("cp_")
    expect(page.get_by_text("Embassy visitor system").first).to_be_visible()
    shots(page, "token-created")

    status, body = api_get(e2e_server.url, f"events/{e2e_conference.slug}/registrations/", secret)
    assert status == 200
    assert delegate.email in {row["email"] for row in body["results"]}

    # The secret is shown once: a fresh look at the page does not have it.
    page.reload()
    assert secret not in page.content()
    assert browser_errors == []


def test_a_webhook_ping_reaches_a_local_receiver_signed(
    page, login, shots, e2e_conference, e2e_organiser, browser_errors
):
    with Receiver() as receiver:
        login(page, e2e_organiser, next=f"/events/{e2e_conference.slug}/manage/webhooks/")
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("registration.approved").check()
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("#new-secret").input_value()
        assert secret.startswith("whsec_")
        shots(page, "endpoint-created")

        page.get_by_role("link", name="Open the endpoint to send a test ping").click()
        page.get_by_role("button", name="Send a test ping").click()
        deadline = time.monotonic() + DELIVERY_SECONDS
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)

        assert receiver.requests, "the worker delivered no ping"
        ping = receiver.requests[0]
        payload = Webhook(secret).verify(ping.body, ping.headers)
        assert payload["type"] == "ping"
        # The log shows the delivery once the worker has recorded it.
        deadline = time.monotonic() + DELIVERY_SECONDS
        while time.monotonic() < deadline:
            page.reload()
            if page.locator("#log .status-delivered, .status-delivered").count():
                break
            time.sleep(0.5)
        expect(page.locator(".status-delivered").first).to_be_visible()
        shots(page, "delivery-log")
    assert browser_errors == []
