"""
The webhook endpoints of the API (scope `webhooks:manage`): the secret only
in the creation's answer, writes audited under the token's name, and no
token of another conference or without the scope gets anywhere.
"""

import pytest
from django.test import Client

from conference.api.models import WebhookEndpoint, WebhookMessage
from conference.api.scopes import Scope
from conference.api.tokens import token_create
from conference.core.events import Event, events_publish
from conference.core.models import AuditLog, Role
from tests.factories import ConferenceFactory, ConferenceRoleFactory

pytestmark = pytest.mark.django_db


def bearer(conference, actor, scopes, name="Embassy IT"):
    _token, secret = token_create(
        conference=conference,
        actor=actor,
        roles=[Role.ORGANISER],
        name=name,
        scopes=scopes,
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def api(conference, organiser):
    return bearer(conference, organiser, [Scope.WEBHOOKS_MANAGE])


def base(conference):
    return f"/api/v1/events/{conference.slug}/webhooks/"


def test_an_endpoint_is_created_with_its_secret_once_then_listed_read_changed_and_deleted(
    conference, organiser, api, receiver
):
    created = api.post(
        base(conference),
        {"url": receiver.url, "event_types": ["meeting.booked"], "description": "Visitors"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["event_types"], body["enabled"]) == (
        receiver.url,
        ["meeting.booked"],
        True,
    )
    path = f"{base(conference)}{body['id']}/"

    listed = api.get(base(conference)).json()
    assert [(e["id"], e["undelivered_count"], e["failed_count"]) for e in listed["results"]] == [
        (body["id"], 0, 0)
    ]
    read = api.get(path)
    assert read.status_code == 200
    assert "secret" not in read.json() and "secret" not in listed["results"][0]

    changed = api.patch(
        path,
        {"event_types": ["checkin.created", "meeting.booked"], "enabled": False},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["event_types"] == ["meeting.booked", "checkin.created"]
    assert changed.json()["enabled"] is False
    assert changed.json()["url"] == receiver.url

    assert api.delete(path).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    entries = AuditLog.objects.filter(action__startswith="webhook.").order_by("pk")
    assert [(e.action, e.actor, e.via) for e in entries] == [
        (action, organiser, "API token “Embassy IT”")
        for action in ("webhook.create", "webhook.update", "webhook.disable", "webhook.delete")
    ]


def test_a_refused_url_is_a_problem_document(conference, api):
    response = api.post(
        base(conference),
        {"url": "http://169.254.169.254/latest/", "event_types": ["meeting.booked"]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "a cloud metadata address" in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_lists_messages_and_redelivers_one(
    conference, api, hook, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events_publish(conference=conference, events=[Event("meeting.booked", "meeting:1", {})])
    message = WebhookMessage.objects.get()
    path = f"{base(conference)}{hook.pk}/messages/"

    log = api.get(path).json()["results"]
    assert [(m["message_id"], m["status"]) for m in log] == [(message.message_id, "delivered")]
    assert log[0]["latest_attempt"]["response_code"] == 200
    assert api.get(path, {"status": "failed"}).json()["results"] == []
    assert api.get(path, {"status": "exploded"}).status_code == 422

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{path}{message.pk}/redeliver/")
    assert response.status_code == 202
    assert receiver.ids() == [message.message_id] * 2
    assert AuditLog.objects.get(action="webhook.redeliver").via == "API token “Embassy IT”"

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{base(conference)}{hook.pk}/ping/").status_code == 202
    assert len(receiver.requests) == 3


def test_a_token_without_the_scope_is_refused_everywhere(conference, organiser, hook):
    reader = bearer(conference, organiser, [Scope.AGENDA_READ], name="Agenda app")
    message_path = f"{base(conference)}{hook.pk}/messages/"
    for method, path in [
        ("get", base(conference)),
        ("post", base(conference)),
        ("get", f"{base(conference)}{hook.pk}/"),
        ("patch", f"{base(conference)}{hook.pk}/"),
        ("delete", f"{base(conference)}{hook.pk}/"),
        ("get", message_path),
        ("post", f"{message_path}1/redeliver/"),
        ("post", f"{base(conference)}{hook.pk}/ping/"),
    ]:
        data = {"url": "https://93.184.216.34/", "event_types": ["meeting.booked"]}
        response = getattr(reader, method)(path, data, content_type="application/json")
        assert response.status_code == 403, (method, path, response.status_code)
        assert "webhooks:manage" in response.json()["detail"]
    assert WebhookEndpoint.objects.filter(pk=hook.pk, is_enabled=True).exists()


def test_a_token_of_another_conference_is_refused_and_sees_no_endpoint(conference, hook):
    other = ConferenceFactory()
    owner = ConferenceRoleFactory(conference=other, role=Role.ORGANISER).user
    stranger = bearer(other, owner, [Scope.WEBHOOKS_MANAGE])

    assert stranger.get(base(conference)).status_code == 403
    assert stranger.delete(f"{base(conference)}{hook.pk}/").status_code == 403
    # Through its own conference's URL, the endpoint does not exist.
    assert stranger.get(f"{base(other)}{hook.pk}/").status_code == 404
    assert stranger.delete(f"{base(other)}{hook.pk}/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists()


def test_no_token_is_a_401(conference, hook):
    assert Client().get(base(conference)).status_code == 401
