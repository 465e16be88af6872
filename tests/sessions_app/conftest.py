"""
Fixtures of the agenda's tests: a published agenda, fresh Celery pools.

The agenda's cache keys hold the conference and release, which no two tests
share (and the suite's cache prefix is new each run), so no test can be
served another's cached page; the cache is never flushed, which would also
flush the Celery broker sharing that Redis database.
"""

import pytest
from kombu import pools

from conference.celery import app as celery_app
from tests.factories import RoomFactory, SessionFactory, TrackFactory, local_time
from tests.helpers import publish


@pytest.fixture
def agenda(conference, organiser):
    """
    A small published agenda on the first day, conference time: an opening
    plenary 09:30, a workshop 11:00 with 2 places, a panel 11:30 (overlaps the
    workshop) and a coffee break.
    """
    hall = RoomFactory(conference=conference, name="Darbar Hall", capacity=300)
    lotus = RoomFactory(conference=conference, name="Lotus Room", capacity=40)
    track = TrackFactory(conference=conference, name="Recycling", colour="emerald")
    sessions = {
        "opening": SessionFactory(
            conference=conference,
            room=hall,
            title="Opening plenary",
            kind="plenary",
            starts_at=local_time(conference, 9, 30),
            ends_at=local_time(conference, 10, 30),
        ),
        "workshop": SessionFactory(
            conference=conference,
            room=lotus,
            track=track,
            title="Black mass workshop",
            kind="workshop",
            capacity=2,
            signup_required=True,
            starts_at=local_time(conference, 11),
            ends_at=local_time(conference, 12),
        ),
        "panel": SessionFactory(
            conference=conference,
            room=hall,
            title="Offtake panel",
            kind="panel",
            starts_at=local_time(conference, 11, 30),
            ends_at=local_time(conference, 12, 30),
        ),
        "break": SessionFactory(
            conference=conference,
            room=None,
            title="Coffee",
            kind="break",
            starts_at=local_time(conference, 10, 30),
            ends_at=local_time(conference, 11),
        ),
    }
    publish(conference, organiser)
    return sessions


@pytest.fixture
def open_celery_pool():
    """
    Tasks run inline in tests, but Celery still takes a producer from the
    process's pools for them, and a test that stops or switches brokers may
    leave those pools closed ("Acquire on closed pool"). Start from fresh ones.
    """
    pools.reset()  # kombu's registry of connection and producer pools
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
