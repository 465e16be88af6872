"""
Helpers for the B2B tests: a room with tables, slots at known times, and
delegates who are listed in the directory, each at an organisation of a
given kind.
"""

import datetime

import pytest
from django.test import Client

from conference.core.models import OrganisationKind
from tests.factories import (
    MeetingSlotFactory,
    OrganisationFactory,
    RegistrationFactory,
    RoomFactory,
    TableFactory,
    local_time,
)


def login(user):
    client = Client()
    client.force_login(user)
    return client


def url(conference, path=""):
    return f"/events/{conference.slug}/{path}"


def make_slots(conference, count, *, hour=14, day=0, minutes=20):
    """`count` back-to-back slots from hh:00 conference time on day `day`."""
    start = local_time(conference, hour, day=day)
    return [
        MeetingSlotFactory(
            conference=conference,
            starts_at=start + datetime.timedelta(minutes=minutes * i),
            ends_at=start + datetime.timedelta(minutes=minutes * (i + 1)),
        )
        for i in range(count)
    ]


def listed(conference, kind=OrganisationKind.RECYCLER, organisation=None, **kwargs):
    """An approved delegate listed in the directory, at a fresh organisation of `kind`."""
    organisation = organisation or OrganisationFactory(kind=kind)
    kwargs.setdefault("directory_consent", True)
    kwargs.setdefault("status", "approved")
    return RegistrationFactory(conference=conference, organisation=organisation, **kwargs)


@pytest.fixture
def room(conference):
    return RoomFactory(conference=conference, name="B2B Lounge")


@pytest.fixture
def tables(conference, room):
    return [TableFactory(conference=conference, room=room, label=f"T0{i}") for i in (1, 2, 3)]


@pytest.fixture
def slots(conference):
    """Six 20-minute slots from 14:00 conference time on the first day."""
    return make_slots(conference, 6)


@pytest.fixture
def recycler(conference):
    return listed(conference, OrganisationKind.RECYCLER)


@pytest.fixture
def oem(conference):
    return listed(conference, OrganisationKind.OEM)


@pytest.fixture
def financier(conference):
    return listed(conference, OrganisationKind.FINANCIER)
