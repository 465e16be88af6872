"""
Fixtures of the B2B tests: a room with tables, slots at known times, and
delegates who are listed in the directory, each at an organisation of a
given kind (`listed` and `make_slots` are in tests/helpers/data.py).
"""

import pytest

from conference.core.models import OrganisationKind
from tests.factories import RoomFactory, TableFactory
from tests.helpers import listed, make_slots


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
