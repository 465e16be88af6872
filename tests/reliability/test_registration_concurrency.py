"""
A delegate saves their details while an organiser approves them, both at
the same instant. The approval locks the conference, then the registration;
the delegate's save locks the registration alone. Were the save to lock the
rows it joins (the conference, the user) as well, it could hold the
registration while waiting for the conference the approval holds, while the
approval waits for the registration: a deadlock, and one of the two a 500.
The same goes for the conference lock itself (NO KEY UPDATE), which must
not stop the save from writing its audit entry.

A check-in waiting for a delegate who is changing organisation shows the
new organisation: lock queries read the locked row alone.
"""

import time

import pytest

from accounts import services
from accounts.models import Registration
from accounts.services import registrations as registration_services
from conference.portal import checkin
from tests.factories import OrganisationFactory, RegistrationFactory
from tests.reliability.parallel import WINDOW_SECONDS, crashes, run_together, slowed

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delegate_saving_details_while_approved_deadlocks_neither(
    conference, organiser, monkeypatch
):
    registration = RegistrationFactory(conference=conference, job_title="Analyst")
    user = registration.user
    lock_conference = registration_services._lock_conference

    def lock_conference_then_work(conference):
        locked = lock_conference(conference)
        time.sleep(WINDOW_SECONDS)  # the approval's checks, with the conference held
        return locked

    monkeypatch.setattr(registration_services, "_lock_conference", lock_conference_then_work)

    def act(i):
        if i == 0:
            return services.registration_transition(
                registration=registration, to=Registration.Status.APPROVED, actor=organiser
            ).status
        time.sleep(WINDOW_SECONDS / 3)  # once the approval holds the conference
        return services.registration_update(
            registration=registration,
            actor=user,
            given_name=user.given_name,
            family_name=user.family_name,
            job_title="Director of Recycling",
        ).job_title

    outcomes = run_together(act, 2)

    assert crashes(outcomes) == []
    assert outcomes == [("ok", "approved"), ("ok", "Director of Recycling")]
    registration.refresh_from_db()
    assert (registration.status, registration.job_title) == ("approved", "Director of Recycling")


def test_checking_in_a_delegate_who_is_changing_organisation_shows_the_new_one(
    conference, checkin_staff, monkeypatch
):
    """
    The check-in waits for the delegate's row, which their save holds, and
    then shows the registration as it is now. A lock query with the
    organisation joined re-checks that join against the old organisation
    once the save commits, and comes back with none.
    """
    registration = RegistrationFactory(conference=conference, status="approved")
    moved_to = OrganisationFactory(name="Vedanta Recycling")
    user = registration.user
    # Held under the delegate's row lock while the check-in waits for it.
    monkeypatch.setattr(
        registration_services,
        "_organisation_from",
        slowed(registration_services, "_organisation_from"),
    )

    def act(i):
        if i == 0:
            return services.registration_update(
                registration=registration,
                actor=user,
                given_name=user.given_name,
                family_name=user.family_name,
                organisation=moved_to,
            ).organisation.name
        time.sleep(WINDOW_SECONDS / 3)  # once the save holds the row
        result = checkin.checkin_record(
            conference=conference, actor=checkin_staff, badge_code=registration.badge_code
        )
        return result.outcome, result.registration.organisation

    outcomes = run_together(act, 2)

    assert crashes(outcomes) == []
    assert outcomes == [("ok", "Vedanta Recycling"), ("ok", (checkin.Outcome.CHECKED_IN, moved_to))]
