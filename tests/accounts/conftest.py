"""Fixtures of the accounts tests: invitations in each state, an open conference."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Invitation
from tests.factories import InvitationFactory, OrganisationFactory


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Lohum", kind="recycler", country="IN")


@pytest.fixture
def invitation(conference):
    """A sent, usable delegate invitation."""
    return InvitationFactory(
        conference=conference,
        email="asha.menon@example.org",
        name="Asha Menon",
        sent_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


@pytest.fixture
def accepted_invitation(conference):
    """A user who accepted an invitation but has not registered yet; returns the user."""
    from tests.factories import UserFactory

    user = UserFactory(email="new.delegate@example.org")
    InvitationFactory(
        conference=conference,
        email=user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=user,
        accepted_at=timezone.now(),
        sent_at=timezone.now(),
    )
    return user
