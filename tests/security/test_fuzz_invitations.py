"""
The CSV invitation import, fuzzed: random bytes, text in random encodings,
byte-order marks, either delimiter, and rows of plausible and hostile cells.
Whatever the file, the organiser gets a page (never a server error), and the
import is all or nothing: every data row is either an invitation or a
reported error, a file refused as a whole writes nothing, and every new
organisation belongs to a new invitation.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts import services
from accounts.models import Invitation
from conference.core.models import AuditLog, Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "shift_jis", "cp932"]
# Letters whose lower case differs between Python and the database (final
# sigma, dotted capital I), quotes, delimiters, NUL and line breaks.
TRICKY = "ΣΟΔİıßẞKÄäé\"';,\t\r\n\x00\u2028\ufeff "
cell_text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=30
)
emails = st.one_of(
    st.emails(),
    st.builds(lambda local: f"{local}@example.org", st.text(min_size=1, max_size=300)),
    st.just("a" * 250 + "@example.org"),
    cell_text,
)
headers = st.lists(
    st.sampled_from(
        [
            "email",
            "E-mail",
            "mail",
            "name",
            "Full Name",
            "organisation",
            "company",
            "kind",
            "type",
            "country",
            "role",
            "extra",
            "",
        ]
    ),
    min_size=1,
    max_size=8,
)
cells = {
    "email": emails,
    "name": cell_text,
    "organisation": st.one_of(
        cell_text, st.sampled_from(["ΟΔΟΣ Recycling", "οδοσ recycling", "İnci", "inci", "Lohum"])
    ),
    "kind": st.one_of(
        st.sampled_from(["recycler", "oem", "Car maker", "financier", ""]), cell_text
    ),
    "country": st.one_of(st.sampled_from(["IN", "jp", "Japan", "India", "XX", ""]), cell_text),
    "role": st.one_of(st.sampled_from(["delegate", "speaker", "Delegate", ""]), cell_text),
}


@st.composite
def csv_files(draw):
    header = draw(headers)
    delimiter = draw(st.sampled_from([",", ";"]))
    lines = [delimiter.join(header)]
    for _row in range(draw(st.integers(0, 6))):
        values = [
            draw(cells.get(column.lower().split()[-1] if column else "", cell_text))
            for column in header
        ]
        if draw(st.booleans()):
            values = [f'"{v}"' for v in values]
        lines.append(delimiter.join(values))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")


any_file = st.one_of(csv_files(), st.binary(max_size=300))


def counts():
    return {
        "invitations": Invitation.objects.count(),
        "organisations": Organisation.objects.count(),
        "audit": AuditLog.objects.count(),
    }


@pytest.fixture
def existing(conference):
    """Organisations the file may name in another case, and an address already invited."""
    OrganisationFactory(name="ΟΔΟΣ Recycling", kind="recycler")
    OrganisationFactory(name="Lohum", kind="recycler")
    Invitation.objects.create(conference=conference, email="taken@example.org")


@given(data=any_file)
def test_the_import_service_reports_every_row_and_writes_all_or_nothing(
    conference, organiser, existing, data
):
    with transaction.atomic():
        before = counts()
        report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)
        after = counts()
        transaction.set_rollback(True)

    if report.fatal:
        assert after == before
        assert report.created == 0
        return
    assert report.created + len(report.errors) == report.rows
    assert after["invitations"] - before["invitations"] == report.created
    assert after["audit"] - before["audit"] == 1
    # A new organisation exists only for a new invitation that names it.
    assert after["organisations"] - before["organisations"] <= report.created
    lines = [error.line for error in report.errors]
    assert lines == sorted(lines)


# Files that once made the import fail with a server error ----------------------------


def import_report(conference, organiser, data):
    return services.invitation_import_csv(conference=conference, actor=organiser, data=data)


def test_an_address_too_long_to_store_is_a_row_error_not_a_crash(conference, organiser):
    """Regression: validate_email allows 320 characters, the invitation holds 254."""
    long_address = "a" * 250 + "@example.org"
    data = f"email\n{long_address}\nok@example.org\n".encode()

    report = import_report(conference, organiser, data)

    assert report.created == 1
    assert [(e.line, e.reason) for e in report.errors] == [(2, "not a valid email address")]


def test_a_file_with_nul_characters_is_refused_as_not_text(conference, organiser):
    """Regression: PostgreSQL refuses NUL in strings, and the import raised."""
    report = import_report(conference, organiser, b"email,name\nn@example.org,a\x00b\n")

    assert "not UTF-8 text" in report.fatal
    assert not Invitation.objects.exists()


def test_an_unclosed_quote_is_reported_with_its_line(conference, organiser):
    """Regression: a field over the csv module's limit raised csv.Error."""
    data = b'email,name\nok@example.org,Ok\nq@example.org,"' + b"x" * 200_000 + b"\n"

    report = import_report(conference, organiser, data)

    assert "could not be read as CSV near line" in report.fatal
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "names",
    [["ΟΔΟΣ Recycling"], ["İnci", "inci"], ["ΟΔΟΣ", "οδοσ"]],
    ids=["existing, final sigma", "dotted capital I twice", "final sigma twice"],
)
def test_organisation_names_match_as_the_database_compares_them(
    conference, organiser, existing, names
):
    """Regression: Python's lower() found no match, and the insert broke the unique constraint."""
    rows = [f"p{n}@example.org,{name},oem" for n, name in enumerate(names)]
    data = "\n".join(["email,organisation,kind", *rows]).encode()
    before = Organisation.objects.count()

    report = import_report(conference, organiser, data)

    assert (report.created, report.errors) == (len(names), [])
    organisations = {i.organisation_id for i in Invitation.objects.filter(email__startswith="p")}
    assert len(organisations) == 1
    assert Organisation.objects.count() - before == (0 if names[0].endswith("Recycling") else 1)


# Through the page ----------------------------------------------------------------------


@given(data=any_file, name=st.sampled_from(["people.csv", "people.txt", "people", "p.CSV"]))
@example(data=b"email\nz@example.org\n", name="people.csv")
def test_uploading_any_file_gives_the_organiser_a_page_never_an_error(
    client, conference, organiser, existing, data, name
):
    client.force_login(organiser)
    url = reverse("accounts:invitations_import", args=[conference.slug])
    with transaction.atomic():
        before = counts()
        response = client.post(
            url, {"import-file": SimpleUploadedFile(name, data, "text/csv"), "import-send_now": ""}
        )
        after = counts()
        transaction.set_rollback(True)

    assert response.status_code == 200
    report = response.context["report"]
    if report is None or report.fatal:
        assert after == before
    else:
        assert after["invitations"] - before["invitations"] == report.created
