"""
One invitation link used from twelve browser tabs at the same instant, each
request in its own thread on its own PostgreSQL connection: one account,
one acceptance, one registration, and no 500. The control tests run the
acceptance's check-then-insert without the invitation lock and without the
unique index on the address, and get several accounts for one invitation.
"""

import datetime
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Registration, User
from accounts.services import invitations as invitation_services
from accounts.services import registrations as registration_services
from conference.core.models import AuditLog, ConferenceRole, Role
from tests.factories import InvitationFactory, UserFactory
from tests.reliability.parallel import (
    WINDOW_SECONDS,
    crashes,
    kinds,
    run_together,
    scratch_table,
    slowed,
)

pytestmark = pytest.mark.django_db(transaction=True)

TABS = 12
PASSWORD = "a-long-pass-2026!"


class Used(Exception):
    pass


@pytest.fixture
def invitation(conference):
    conference.auto_approve = True
    conference.save()
    return InvitationFactory(conference=conference, email="twelve@example.org")


def invite_url(invitation):
    return reverse("invitation", args=[invitation.token])


def test_signing_up_from_twelve_tabs_at_once_makes_one_account_and_one_registration(
    conference, invitation, monkeypatch
):
    tabs = [Client() for _ in range(TABS)]
    for tab in tabs:
        tab.get(invite_url(invitation))
    register = reverse("accounts:register", args=[conference.slug])
    signup = f"{reverse('account_signup')}?next={register}"
    form = {"given_name": "Asha", "password1": PASSWORD, "password2": PASSWORD}
    # Runs under the invitation's lock: hold it as long as the control's window.
    monkeypatch.setattr(services, "invitation_accept", slowed(services, "invitation_accept"))

    outcomes = run_together(lambda i: tabs[i].post(signup, form), TABS)

    assert crashes(outcomes) == []
    responses = [response for _kind, response in outcomes]
    winners = [r for r in responses if r.status_code == 302 and r.url == register]
    assert len(winners) == 1
    for response in responses:
        if response in winners:
            continue
        # A tab that waited for the lock is sent back to the invitation (now
        # used); one that arrived after the winner committed is sent to log
        # in (the account exists), then to register.
        login = f"{reverse('account_login')}?next={register}"
        assert response.status_code == 302 and response.url in (invite_url(invitation), login), (
            response.status_code,
            response.content[:300],
        )
    user = User.objects.get(email="twelve@example.org")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.accepted_by == user
    assert AuditLog.objects.filter(action="invitation.accept").count() == 1

    # The winner registers from twelve tabs at once.
    winner = tabs[responses.index(winners[0])]
    for tab in tabs:
        tab.cookies = winner.cookies
    details = {
        "given_name": "Asha",
        "job_title": "Director",
        "nationality": "IN",
        "new_organisation_name": "Twelve Tabs Ltd",
        "new_organisation_kind": "recycler",
        "id_document_type": "passport",
        "id_document_number": "P1212",
        "id_document_expiry": (conference.end_date + datetime.timedelta(days=400)).isoformat(),
        "privacy_accepted": "on",
    }
    monkeypatch.setattr(
        registration_services,
        "_organisation_from",
        slowed(registration_services, "_organisation_from"),
    )

    outcomes = run_together(lambda i: tabs[i].post(register, details).status_code, TABS)

    assert outcomes == [("ok", 302)] * TABS
    assert Registration.objects.filter(conference=conference, user=user).count() == 1


def test_an_existing_account_accepting_from_twelve_tabs_at_once_accepts_once(
    conference, monkeypatch
):
    invitation = InvitationFactory(
        conference=conference, email="staff@example.org", role=Invitation.InvitedRole.CHECKIN
    )
    user = UserFactory(email="staff@example.org")
    tabs = []
    for _ in range(TABS):
        tab = Client()
        tab.force_login(user)
        tabs.append(tab)
    monkeypatch.setattr(
        invitation_services, "audit_record", slowed(invitation_services, "audit_record")
    )

    outcomes = run_together(lambda i: tabs[i].post(invite_url(invitation)).status_code, TABS)

    assert outcomes == [("ok", 302)] * TABS
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert AuditLog.objects.filter(action="invitation.accept").count() == 1
    assert ConferenceRole.objects.filter(user=user, role=Role.CHECKIN).count() == 1


@pytest.mark.parametrize(
    ("lock", "index", "race_happens"),
    [
        pytest.param(False, None, True, id="no-lock-no-index-makes-several-accounts"),
        pytest.param(True, None, False, id="the-lock-alone-makes-one"),
        pytest.param(False, "user_email_unique_ci", False, id="the-index-alone-makes-one"),
    ],
)
def test_control_accepting_without_the_lock_or_the_unique_address_makes_several_accounts(
    invitation, lock, index, race_happens
):
    """
    The acceptance's logic (is the invitation usable? then create the
    account and mark it accepted) on a scratch account table: without the
    row lock and without the production index on lower(email), one
    invitation yields several accounts; either defence alone yields one.
    """

    def accept(i, table):
        with transaction.atomic():
            invitations = Invitation.objects.filter(pk=invitation.pk)
            if lock:
                invitations = invitations.select_for_update()
            current = invitations.get()
            if not current.is_usable():
                raise Used
            time.sleep(WINDOW_SECONDS)
            with connection.cursor() as cursor:
                cursor.execute(f'INSERT INTO "{table}" (email) VALUES (%s)', [current.email])
            invitations.update(status=Invitation.Status.ACCEPTED)

    with scratch_table("account", "email varchar(254) NOT NULL", production_index=index) as table:
        outcomes = run_together(lambda i: accept(i, table), TABS, refusals=(Used, IntegrityError))
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            (accounts,) = cursor.fetchone()

    assert crashes(outcomes) == []
    assert accounts == kinds(outcomes).count("ok")
    if race_happens:
        assert accounts > 1, "the race did not happen: the control proves nothing"
    else:
        assert accounts == 1
