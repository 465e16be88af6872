"""
The API describes itself: /api/v1/openapi.json validates as OpenAPI 3, and
/api/v1/docs is Swagger UI from the portal's own static files, working
under the portal's strict Content Security Policy (no inline script or
style, no other origin).
"""

import datetime
import os
import re
import threading

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test import Client
from django.test.testcases import LiveServerThread
from django.utils import timezone
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conference.api.scopes import Scope
from sessions_app.models import SessionSpeaker
from tests.api.client import ApiClient
from tests.factories import (
    InvitationFactory,
    MeetingFactory,
    MeetingSeatFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
)
from tests.helpers import make_slots, publish
from tests.helpers.browser import running_chromium

RECORDER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_as_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_every_operation_is_named_summarised_and_answers_in_problems(schema):
    ids = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            assert operation.get("summary"), (method, path)
            if operation.get("security") is not None or path != "/api/v1/":
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    # Documented as sent (RFC 9457).
                    assert set(response["content"]) == {"application/problem+json"}
    assert len(ids) == len(set(ids))
    # Every operation has a short, readable id (not ninja's module-path default).
    assert all(len(operation_id) < 40 and "_api_" not in operation_id for operation_id in ids)
    assert {
        "sessions_list",
        "registrations_list",
        "invitation_create",
        "checkin_create",
        "webhook_create",
    } <= set(ids)


def test_lists_document_their_envelope_and_sync_parameters(schema):
    sessions = schema["paths"]["/api/v1/events/{slug}/sessions/"]["get"]
    parameters = {parameter["name"] for parameter in sessions["parameters"]}
    page = sessions["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    envelope = schema["components"]["schemas"][page.rsplit("/", 1)[-1]]

    assert {"cursor", "limit", "updated_since"} <= parameters
    assert set(envelope["properties"]) == {"results", "next"}
    assert "updated_since" in sessions["description"]


def validator_for(schema, operation, status):
    """A validator of `operation`'s answer with `status`, its $refs resolved in `schema`."""
    content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    target = {"$ref": "urn:api" + content["$ref"]} if "$ref" in content else content
    return OAS31Validator(target, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER)


@pytest.fixture
def full_conference(conference, organiser):
    """A row in every list of the API."""
    track = TrackFactory(conference=conference)
    session = SessionFactory(conference=conference, track=track)
    speaker = SpeakerFactory(conference=conference, title="JBIC", bio="Finance.")
    SessionSpeaker.objects.create(session=session, speaker=speaker, role="chair")
    publish(conference, organiser)
    registration = RegistrationFactory(
        conference=conference,
        approved=True,
        nationality="JP",
        id_document_type="passport",
        id_document_number="X1",
        id_document_expiry=datetime.date(2031, 1, 1),
        checked_in_at=timezone.now(),
    )
    RegistrationFactory(conference=conference, organisation=None)
    InvitationFactory(conference=conference, organisation=registration.organisation)
    [slot] = make_slots(conference, 1)
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=registration, slot=slot)
    return conference


def test_every_answer_matches_the_schema(schema, full_conference, settings):
    """The busiest lists skip ninja's validation of each row: the schema must still hold."""
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    api = ApiClient.for_scopes(full_conference, *Scope)
    checked = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "/webhooks/" in path or "{slug}" not in path:
            continue
        answer = api.get_json(path.format(slug=full_conference.slug))
        if "results" in answer:
            assert answer["results"], path  # the fixture gave every list a row
        validator_for(schema, operation, 200).validate(answer)
        checked.append(path)
    invitations = "/api/v1/events/{slug}/invitations/"
    created = api.post_json(
        invitations.format(slug=full_conference.slug), {"email": "s@example.org"}, status=201
    )
    validator_for(schema, schema["paths"][invitations]["post"], 201).validate(created)
    checkins = "/api/v1/events/{slug}/checkins/"
    code = RegistrationFactory(conference=full_conference, approved=True).badge_code
    scanned = api.post_json(
        checkins.format(slug=full_conference.slug), {"badge_code": code}, status=201
    )
    validator_for(schema, schema["paths"][checkins]["post"], 201).validate(scanned)
    assert len(checked) >= 12


def test_the_docs_page_loads_only_local_assets(db):
    response = Client().get("/api/v1/docs")
    page = response.content.decode()

    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, page
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    # The settings reach Swagger UI as JSON, not as an inline script.
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page) == []


def test_the_docs_page_keeps_the_strict_policy(db):
    policy = Client().get("/api/v1/docs")["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy


@pytest.fixture
def live_url():
    before = set(threading.enumerate())
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="needs Chromium")
def test_swagger_ui_renders_every_operation_in_a_browser_without_a_policy_violation(live_url):
    with running_chromium() as browser:
        context = browser.new_context(base_url=live_url)
        context.add_init_script(RECORDER)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/api/v1/docs", wait_until="load")
        page.wait_for_selector(".opblock", timeout=15_000)
        page.click("text=/api/v1/events/{slug}/sessions/")
        page.wait_for_selector("text=Try it out", timeout=15_000)
        shown = page.locator(".opblock").count()
        violations = page.evaluate("() => window.__violations")
        context.close()

    assert shown >= 20
    assert violations == []
    assert errors == []
