"""
The invitation CSV upload (the portal's only upload) has three limits, and
its error says which one was hit: size, type, rows. A refused file writes
nothing. The size limit holds while the file streams: a file over it never
reaches memory or disk, and a view that declares no limit takes no file.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse

from accounts import services
from accounts.models import Invitation

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def upload(client, conference, organiser, name, data):
    client.force_login(organiser)
    url = reverse("accounts:invitations_import", args=[conference.slug])
    return client.post(url, {"import-file": SimpleUploadedFile(name, data, "text/csv")})


def shown_error(response):
    """The one reason the page gives for refusing the file."""
    form, report = response.context["import_form"], response.context["report"]
    if form.errors:
        return " ".join(form.errors["file"])
    return report.fatal


def test_a_file_over_the_size_limit_is_refused_for_its_size(client, conference, organiser):
    data = b"email\n" + b"x@example.org\n" * (services.CSV_MAX_BYTES // 14 + 1)
    assert len(data) > services.CSV_MAX_BYTES

    response = upload(client, conference, organiser, "people.csv", data)

    assert response.status_code == 200
    assert "larger than 2 MB" in shown_error(response)
    assert not Invitation.objects.exists()


def test_the_size_limit_holds_in_the_service_too(conference, organiser):
    data = b"email\n" + b"x" * services.CSV_MAX_BYTES

    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert "larger than 2 MB" in report.fatal


@pytest.mark.parametrize("name", ["people.xlsx", "people.XLS", "people.ods", "people.numbers"])
def test_a_spreadsheet_is_refused_for_its_type(client, conference, organiser, name):
    response = upload(client, conference, organiser, name, b"PK\x03\x04 not really a zip")

    assert response.status_code == 200
    assert "This is a spreadsheet file" in shown_error(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "data", [PNG, "email\nz@example.org\n".encode("utf-16")], ids=["an image", "UTF-16 text"]
)
def test_a_file_that_is_not_utf8_text_is_refused_for_its_type(client, conference, organiser, data):
    response = upload(client, conference, organiser, "people.csv", data)

    assert response.status_code == 200
    assert "not UTF-8 text" in shown_error(response)
    assert not Invitation.objects.exists()


def test_a_file_over_the_row_limit_is_refused_for_its_rows(client, conference, organiser):
    rows = [f"p{n}@example.org" for n in range(services.CSV_MAX_ROWS + 1)]
    data = "\n".join(["email", *rows]).encode()
    assert len(data) < services.CSV_MAX_BYTES

    response = upload(client, conference, organiser, "people.csv", data)

    assert response.status_code == 200
    assert f"more than {services.CSV_MAX_ROWS} rows" in shown_error(response)
    assert not Invitation.objects.exists()


def test_a_file_at_the_row_limit_is_imported(conference, organiser):
    rows = [f"p{n}@example.org" for n in range(services.CSV_MAX_ROWS)]
    data = "\n".join(["email", *rows]).encode()

    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert (report.fatal, report.created) == ("", services.CSV_MAX_ROWS)


def test_the_form_names_the_limits(client, conference, organiser):
    client.force_login(organiser)

    response = client.get(reverse("accounts:invitations", args=[conference.slug]))

    assert f"At most {services.CSV_MAX_ROWS} rows and 2 MB" in response.content.decode()


# Refused while it streams ---------------------------------------------------------------


class Recorder(FileUploadHandler):
    """
    Stands right after the limiting handler (see `recorded`): counts the file
    bytes passed on to the handlers that keep them, and lists the upload
    temporary directory once the body is parsed, while a temporary file of
    this request would still exist.
    """

    files = []
    bytes = 0
    temporary_files = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        Recorder.files.append(self.file_name)

    def receive_data_chunk(self, raw_data, start):
        Recorder.bytes += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None

    def upload_complete(self):
        Recorder.temporary_files = os.listdir(django_settings.FILE_UPLOAD_TEMP_DIR)


@pytest.fixture
def recorded(settings, tmp_path):
    Recorder.files, Recorder.bytes, Recorder.temporary_files = [], 0, []
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    handlers = list(settings.FILE_UPLOAD_HANDLERS)
    handlers.insert(1, "tests.security.test_uploads.Recorder")
    settings.FILE_UPLOAD_HANDLERS = handlers
    return Recorder


def test_a_40_mb_file_is_refused_before_a_byte_is_kept(client, conference, organiser, recorded):
    data = b"email\n" + b"x" * (40 * 1024 * 1024)

    response = upload(client, conference, organiser, "people.csv", data)

    assert response.status_code == 200
    assert "larger than 2 MB" in shown_error(response)
    # The declared length gave it away: no later handler saw the file at all.
    assert (recorded.files, recorded.bytes) == ([], 0)
    assert recorded.temporary_files == []
    assert not Invitation.objects.exists()


def test_a_file_just_over_the_limit_is_stopped_at_the_limit(
    client, conference, organiser, recorded
):
    # Within the allowance for the other fields: only the bytes received tell.
    data = b"email\n" + b"x" * (services.CSV_MAX_BYTES + 1024)

    response = upload(client, conference, organiser, "people.csv", data)

    assert "larger than 2 MB" in shown_error(response)
    assert recorded.files == ["people.csv"]
    assert recorded.bytes <= services.CSV_MAX_BYTES
    assert recorded.temporary_files == []
    assert not Invitation.objects.exists()


def test_a_file_within_the_limit_is_read_whole(client, conference, organiser, recorded):
    data = b"email\nwithin@example.org\n"

    response = upload(client, conference, organiser, "people.csv", data)

    assert response.context["report"].created == 1
    assert recorded.bytes == len(data)


def test_a_view_that_declares_no_limit_takes_no_file(client, conference, organiser, recorded):
    client.force_login(organiser)
    url = reverse("accounts:invitations", args=[conference.slug])

    response = client.post(
        url,
        {
            "invite-email": "by.form@example.org",
            "invite-role": "delegate",
            "attachment": SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
        },
    )

    assert response.status_code == 302  # the form itself is handled as ever
    assert Invitation.objects.filter(email="by.form@example.org").exists()
    assert recorded.bytes == 0
