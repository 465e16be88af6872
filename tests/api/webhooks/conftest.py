"""
Fixtures of the webhook tests: a real local receiver
(tests/helpers/webhook_receiver.py), allow-listed as the SSRF check requires,
and an endpoint of the conference pointing at it, subscribed to every event.
"""

import pytest

from conference.api.webhooks import services
from conference.core.events import EVENT_TYPES
from tests.helpers.webhook_receiver import Receiver


@pytest.fixture
def local_allowed(settings):
    """The loopback network allow-listed, quick retries, a short timeout."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_DELAYS = [0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture
def receiver(local_allowed):
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def hook(conference, organiser, receiver):
    """An endpoint at the receiver for every event; `hook.plain_secret` is its secret."""
    endpoint, secret = services.endpoint_create(
        conference=conference,
        actor=organiser,
        url=receiver.url,
        event_types=list(EVENT_TYPES),
        description="Embassy IT",
    )
    endpoint.plain_secret = secret
    return endpoint
