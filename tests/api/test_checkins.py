"""
Check-in through the API: the desk's own service behind a scan (201 checked
in, 200 already, 409 not approved, 404 unknown), audited under the token's
name, and the arrivals list a protocol screen polls.
"""

import pytest

from accounts.models import Registration
from conference.api.scopes import Scope
from conference.core.models import AuditLog
from conference.portal.checkin.services import CHECKIN_RECORD, CHECKIN_REFUSED
from tests.api.client import ApiClient
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(conference):
    return ApiClient.for_scopes(conference, Scope.CHECKIN_WRITE, name="Door scanner")


def scan(door, code):
    return door.post("checkins/", {"badge_code": code})


def test_a_scan_checks_an_approved_delegate_in_once(door, conference):
    registration = RegistrationFactory(conference=conference, approved=True, is_vip=True)
    printed = " ".join([registration.badge_code[:4], registration.badge_code[4:].lower()])

    first = scan(door, printed)
    second = scan(door, registration.badge_code)

    assert first.status_code == 201
    assert first.json()["outcome"] == "checked_in"
    arrival = first.json()["arrival"]
    assert arrival["registration_id"] == registration.pk
    assert arrival["is_vip"] is True
    assert arrival["checked_in_at"] is not None
    assert second.status_code == 200
    assert second.json()["outcome"] == "already"
    assert second.json()["arrival"]["checked_in_at"] == arrival["checked_in_at"]
    entry = AuditLog.objects.get(action=CHECKIN_RECORD)
    assert entry.via == "API token “Door scanner”"
    assert entry.actor == door.token.created_by


def test_a_registration_not_approved_is_a_409_and_audited(door, conference):
    pending = RegistrationFactory(conference=conference, status=Registration.Status.PENDING)

    response = scan(door, pending.badge_code)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["registration_id"] == pending.pk
    assert Registration.objects.get(pk=pending.pk).checked_in_at is None
    assert AuditLog.objects.get(action=CHECKIN_REFUSED).via == "API token “Door scanner”"


def test_an_unknown_code_or_another_conferences_is_a_404(door):
    elsewhere = RegistrationFactory(approved=True)

    assert scan(door, "NOSUCHCODE").status_code == 404
    assert scan(door, elsewhere.badge_code).status_code == 404
    assert scan(door, "").status_code == 404
    assert Registration.objects.get(pk=elsewhere.pk).checked_in_at is None


def test_a_scan_without_a_code_is_a_422(door):
    assert door.post("checkins/", {}).status_code == 422


def test_arrivals_list_who_was_checked_in_and_poll_with_updated_since(door, conference):
    first = RegistrationFactory(conference=conference, approved=True)
    RegistrationFactory(conference=conference, approved=True)  # not arrived
    scan(door, first.badge_code)
    [row] = door.get_json("checkins/")["results"]
    later = RegistrationFactory(conference=conference, approved=True)
    scan(door, later.badge_code)

    new = door.get_json("checkins/", {"updated_since": row["updated_at"]})["results"]

    assert row["registration_id"] == first.pk
    assert [r["registration_id"] for r in new] == [later.pk]


def test_checkin_staff_can_grant_the_scope(conference, checkin_staff):
    door = ApiClient.for_scopes(conference, Scope.CHECKIN_WRITE, user=checkin_staff)
    registration = RegistrationFactory(conference=conference, approved=True)

    assert scan(door, registration.badge_code).status_code == 201
