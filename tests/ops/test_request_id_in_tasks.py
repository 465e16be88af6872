"""A request's id follows it into the Celery task it enqueues, through a real worker."""

import json
import os

import pytest
from django.urls import reverse

from conference.core.models import OutgoingEmail
from tests.factories import OutgoingEmailFactory
from tests.helpers import login, wait_for

pytestmark = pytest.mark.celery_worker

REQUEST_ID = "edge-4b1d-77aa-0001"


@pytest.fixture(scope="module", autouse=True)
def _json_logs_in_the_worker():
    """The module's worker (tests/conftest.py) is started with LOG_FORMAT=json."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOG_FORMAT", "json")
        yield


def worker_lines(worker):
    lines = []
    for line in worker.log().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_the_task_a_request_enqueues_logs_with_the_requests_id(conference, organiser, worker):
    assert os.environ["LOG_FORMAT"] == "json"
    email = OutgoingEmailFactory(
        conference=conference, status=OutgoingEmail.Status.FAILED, attempts=6
    )

    response = login(organiser).post(
        reverse("conference:outbox_resend", args=[conference.slug, email.pk]),
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )

    assert response.status_code == 302
    assert response["X-Request-ID"] == REQUEST_ID
    wait_for(
        lambda: OutgoingEmail.objects.filter(pk=email.pk, status="sent").exists(),
        "the worker to send the email",
        log=worker.log,
    )
    tagged = wait_for(
        lambda: [line for line in worker_lines(worker) if line.get("request_id") == REQUEST_ID],
        "the task's log line with the request id",
        log=worker.log,
    )
    assert any("outbox_deliver" in line["message"] for line in tagged)
    # The worker's own lines (start-up, other tasks) carry no request's id.
    assert any(line.get("request_id") is None for line in worker_lines(worker))


def test_a_task_sent_outside_a_request_runs_without_an_id(worker):
    from conference.core import tasks

    tasks.heartbeat.apply_async()

    lines = wait_for(
        lambda: [
            line
            for line in worker_lines(worker)
            if "heartbeat" in line.get("message", "") and "succeeded" in line["message"]
        ],
        "the heartbeat task to run",
        log=worker.log,
    )
    assert all(line.get("request_id") is None for line in lines)
