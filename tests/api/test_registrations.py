"""
Organisations and registrations through the API, and their ID documents:
read only with `registrations:id-data` (a security officer's token), each
read audited like a gate-list download and named by the token.
"""

import datetime

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Registration
from conference.api.scopes import Scope
from conference.core.models import AuditLog, OrganisationKind
from conference.portal.exports import GATELIST_DOWNLOAD
from tests.api.client import ApiClient
from tests.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(conference):
    return ApiClient.for_scopes(conference, Scope.REGISTRATIONS_READ, name="CRM sync")


@pytest.fixture
def gate(conference):
    """A security officer's token: ID data and nothing else."""
    return ApiClient.for_scopes(conference, Scope.REGISTRATIONS_ID_DATA, name="Gate system")


def approved_with_passport(conference, **kwargs):
    return RegistrationFactory(
        conference=conference,
        status=Registration.Status.APPROVED,
        id_document_type="passport",
        id_document_number="X1234567",
        id_document_expiry=datetime.date(2031, 5, 1),
        nationality="JP",
        **kwargs,
    )


def test_a_registration_carries_person_organisation_and_badge(reader, conference):
    organisation = OrganisationFactory(name="Lohum", kind=OrganisationKind.RECYCLER)
    registration = approved_with_passport(conference, organisation=organisation, job_title="CFO")
    registration.user.given_name, registration.user.family_name = "Rajat", "Verma"
    registration.user.save()

    [row] = reader.get_json("registrations/")["results"]

    assert row["id"] == registration.pk
    assert row["status"] == "approved"
    assert (row["name"], row["given_name"], row["family_name"]) == (
        "Rajat Verma",
        "Rajat",
        "Verma",
    )
    assert row["email"] == registration.user.email
    assert row["organisation"] == {"id": organisation.pk, "name": "Lohum", "kind": "recycler"}
    assert (row["job_title"], row["nationality"]) == ("CFO", "JP")
    assert row["badge_code"] == registration.badge_code
    assert row["checked_in_at"] is None
    # No ID document without the scope, though the registration has one.
    assert row["id_document"] is None
    assert "X1234567" not in reader.get("registrations/").content.decode()


def test_registrations_filter_by_status_and_organisation(reader, conference):
    financier = OrganisationFactory(kind=OrganisationKind.FINANCIER)
    a = RegistrationFactory(conference=conference, organisation=financier, approved=True)
    RegistrationFactory(conference=conference, approved=True)
    RegistrationFactory(conference=conference, organisation=financier)  # pending
    RegistrationFactory(organisation=financier, approved=True)  # another conference

    def ids(**params):
        return [row["id"] for row in reader.get_json("registrations/", params)["results"]]

    assert ids(status="approved", organisation_kind="financier") == [a.pk]
    assert len(ids(organisation_id=financier.pk)) == 2
    assert len(ids()) == 3


def test_id_data_comes_only_with_its_scope_and_only_for_approved_people(gate, conference):
    approved = approved_with_passport(conference)
    RegistrationFactory(
        conference=conference, status=Registration.Status.PENDING, id_document_number="P999"
    )

    rows = gate.get_json("registrations/")["results"]

    # A gate-list token lists whom the gate list lists: approved delegates.
    assert [row["id"] for row in rows] == [approved.pk]
    assert rows[0]["id_document"] == {
        "type": "passport",
        "number": "X1234567",
        "expiry": "2031-05-01",
        "erased": False,
    }
    assert gate.get_json("registrations/", {"status": "pending"})["results"] == []


def test_a_token_with_both_scopes_lists_everyone_and_id_data_of_the_approved(conference):
    user_roles = ApiClient.for_scopes(
        conference, Scope.REGISTRATIONS_READ, Scope.REGISTRATIONS_ID_DATA
    )
    approved_with_passport(conference)
    RegistrationFactory(conference=conference, id_document_number="P999")

    rows = user_roles.get_json("registrations/")["results"]

    documents = {row["status"]: row["id_document"] for row in rows}
    assert documents["approved"]["number"] == "X1234567"
    assert documents["pending"] is None


def test_each_read_of_id_data_is_audited_under_the_tokens_name(gate, conference):
    approved_with_passport(conference)
    approved_with_passport(conference)

    gate.get_json("registrations/", {"limit": 1})

    entry = AuditLog.objects.get(conference=conference, action=GATELIST_DOWNLOAD)
    assert entry.actor == gate.token.created_by
    assert entry.via == "API token “Gate system”"
    assert entry.data["format"] == "api"
    assert entry.data["rows"] == 1
    assert entry.data["id_data"] is True
    assert entry.data["filters"] == {}


def test_reads_without_id_data_are_not_audited(reader, conference):
    approved_with_passport(conference)

    reader.get_json("registrations/")

    assert not AuditLog.objects.filter(action=GATELIST_DOWNLOAD).exists()


def test_after_the_retention_period_id_data_is_not_served(gate, conference):
    approved_with_passport(conference)
    conference.start_date = timezone.localdate() - datetime.timedelta(days=60)
    conference.end_date = conference.start_date
    conference.id_retention_days = 30
    conference.save()

    [row] = gate.get_json("registrations/")["results"]

    assert row["id_document"] == {"type": "", "number": "", "expiry": None, "erased": True}
    entry = AuditLog.objects.get(action=GATELIST_DOWNLOAD)
    assert entry.data["id_data"] is False


def test_organisations_are_those_with_registrations_here(reader, conference):
    here = OrganisationFactory(name="Vedanta", kind=OrganisationKind.RECYCLER, country="IN")
    RegistrationFactory(conference=conference, organisation=here)
    RegistrationFactory(conference=conference, organisation=here)
    OrganisationFactory(name="Not here")

    rows = reader.get_json("organisations/")["results"]
    financiers = reader.get_json("organisations/", {"kind": "financier"})["results"]

    assert [(o["id"], o["name"], o["kind"], o["country"]) for o in rows] == [
        (here.pk, "Vedanta", "recycler", "IN")
    ]
    assert financiers == []


def test_an_organisation_coming_to_the_conference_counts_as_changed(reader, conference):
    organisation = OrganisationFactory()
    mark = timezone.now()
    type(organisation).objects.filter(pk=organisation.pk).update(
        updated_at=mark - datetime.timedelta(days=1)
    )
    RegistrationFactory(conference=conference, organisation=organisation)

    rows = reader.get_json("organisations/", {"updated_since": mark.isoformat()})["results"]

    assert [row["id"] for row in rows] == [organisation.pk]


def test_organisations_need_registrations_read_not_id_data(gate):
    assert gate.get("organisations/").status_code == 403


def test_the_changes_the_api_shows_move_updated_at(conference, organiser):
    """Services that write with update() or update_fields name updated_at too."""
    long_ago = timezone.now() - datetime.timedelta(days=3)
    proposed = OrganisationFactory(confirmed=False)
    registration = approved_with_passport(conference, organisation=proposed)
    Registration.objects.filter(pk=registration.pk).update(updated_at=long_ago)
    type(proposed).objects.filter(pk=proposed.pk).update(updated_at=long_ago)

    account_services.registration_job_title_set(
        registration=registration, job_title="Head of offtake", actor=registration.user
    )
    account_services.registration_confirm_organisation(registration=registration, actor=organiser)

    registration.refresh_from_db()
    proposed.refresh_from_db()
    assert registration.updated_at > long_ago
    assert proposed.updated_at > long_ago


def test_erasing_id_data_moves_updated_at(conference):
    registration = approved_with_passport(conference)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Registration.objects.filter(pk=registration.pk).update(updated_at=long_ago)
    conference.start_date = timezone.localdate() - datetime.timedelta(days=200)
    conference.end_date = conference.start_date
    conference.save()

    assert account_services.id_data_purge() == 1

    registration.refresh_from_db()
    assert registration.id_document_number == ""
    assert registration.updated_at > long_ago
