"""
The database storage (FILE_STORAGE=database, conference/core/storage.py)
against PostgreSQL: what Django's storage API promises, with binary content,
and the profile photo path (upload, resize, serve to those entitled) working
on it unchanged.
"""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from b2b_meetings.models import DelegateProfile
from conference.core.models import StoredFile
from conference.core.storage import DatabaseStorage
from tests.helpers import body, listed, login, run_python, url

pytestmark = pytest.mark.django_db

# Every byte value, NUL first: nothing may be cut at a NUL or decoded as text.
BINARY = bytes(range(256)) * 64 + b"\x00\x00end"


def test_a_binary_file_round_trips_with_its_nul_bytes():
    storage = DatabaseStorage()

    name = storage.save("exports/a/list.bin", ContentFile(BINARY))

    assert name == "exports/a/list.bin"
    assert storage.exists(name)
    assert storage.size(name) == len(BINARY)
    with storage.open(name, "rb") as handle:
        assert handle.read() == BINARY
    assert StoredFile.objects.get(name=name).size == len(BINARY)


def test_times_are_the_moment_it_was_saved():
    storage = DatabaseStorage()
    before = timezone.now()
    name = storage.save("photos/x.webp", ContentFile(b"x"))

    created = storage.get_created_time(name)

    assert before - timedelta(seconds=1) <= created <= timezone.now()
    assert created.tzinfo is not None
    assert storage.get_modified_time(name) == created


def test_delete_removes_it_and_a_missing_file_is_file_not_found():
    storage = DatabaseStorage()
    name = storage.save("photos/gone.webp", ContentFile(b"\x00data"))

    storage.delete(name)
    storage.delete(name)  # deleting what is gone is not an error (as for the file system)

    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)
    with pytest.raises(FileNotFoundError):
        storage.get_created_time(name)


def test_a_second_file_of_the_same_name_gets_another_name_and_both_are_kept():
    storage = DatabaseStorage()

    first = storage.save("logos/logo.png", ContentFile(b"first"))
    second = storage.save("logos/logo.png", ContentFile(b"second"))

    assert first == "logos/logo.png"
    assert second != first
    assert second.startswith("logos/logo_") and second.endswith(".png")
    assert storage.open(first).read() == b"first"
    assert storage.open(second).read() == b"second"


def test_a_name_taken_after_it_was_chosen_is_not_overwritten():
    """
    Two nodes may both find a name free and then save: the unique name
    decides, and the later save takes another name instead of failing or
    replacing the first file.
    """
    storage = DatabaseStorage()
    storage.save("photos/p.webp", ContentFile(b"one"))

    # What save() does after get_available_name() found the name free.
    name = storage._save("photos/p.webp", ContentFile(b"two"))

    assert name != "photos/p.webp"
    assert storage.open("photos/p.webp").read() == b"one"
    assert storage.open(name).read() == b"two"


def test_listdir_gives_the_folders_and_files_directly_inside():
    storage = DatabaseStorage()
    for name in ["exports/a/one.xlsx", "exports/b/two.pdf", "exports/top.csv", "photos/p.webp"]:
        storage.save(name, ContentFile(b"."))

    assert storage.listdir("exports") == (["a", "b"], ["top.csv"])
    assert storage.listdir("exports/a/") == ([], ["one.xlsx"])
    assert storage.listdir("") == (["exports", "photos"], [])


def test_it_opens_for_reading_only_and_has_no_public_url():
    storage = DatabaseStorage()
    name = storage.save("photos/q.webp", ContentFile(b"q"))

    with pytest.raises(ValueError):
        storage.open(name, "wb")
    with pytest.raises(NotImplementedError):
        storage.url(name)


SHOW_BACKEND = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'conference.settings'; "
    "django.setup(); from django.conf import settings; "
    "print(settings.STORAGES['default']['BACKEND'])"
)


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({}, "django.core.files.storage.FileSystemStorage"),
        ({"FILE_STORAGE": "database"}, "conference.core.storage.DatabaseStorage"),
        (
            {"FILE_STORAGE": "database", "STORAGE_BACKEND": "storages.backends.s3.S3Storage"},
            "storages.backends.s3.S3Storage",
        ),
    ],
)
def test_file_storage_chooses_the_backend_and_storage_backend_overrides_it(environment, backend):
    env = {k: v for k, v in os.environ.items() if k not in ("FILE_STORAGE", "STORAGE_BACKEND")}

    result = run_python(SHOW_BACKEND, {**env, **environment})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


def test_an_unknown_file_storage_stops_the_start_with_a_clear_message():
    result = run_python(SHOW_BACKEND, {**os.environ, "FILE_STORAGE": "s3"})

    assert result.returncode != 0
    assert "FILE_STORAGE must be one of filesystem, database." in result.stderr


def test_the_setting_chooses_the_database_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "conference.core.storage.DatabaseStorage"},
    }

    name = default_storage.save("photos/chosen.webp", ContentFile(b"\x00chosen"))

    assert StoredFile.objects.filter(name=name).exists()
    assert default_storage.open(name).read() == b"\x00chosen"


# The profile photo path on the database storage ----------------------------------------------


def _jpeg(size=(900, 700)):
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


PROFILE_FORM = {"job_title": "CTO", "bio": "Cells.", "languages": ["en"], "offers": "", "seeks": ""}


@pytest.fixture
def on_database(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "conference.core.storage.DatabaseStorage"},
    }


def test_a_profile_photo_is_stored_in_the_database_and_served_to_the_organisers(
    on_database, conference, organiser, django_capture_on_commit_callbacks
):
    registration = listed(conference)
    client = login(registration.user)
    photo = SimpleUploadedFile("me.jpg", _jpeg(), content_type="image/jpeg")

    response = client.post(url(conference, "b2b/profile/"), {**PROFILE_FORM, "photo": photo})

    assert response.status_code == 302
    profile = DelegateProfile.objects.get(registration=registration)
    assert StoredFile.objects.filter(name=profile.photo.name).exists()
    assert StoredFile.objects.filter(name=profile.photo_small.name).exists()
    served = login(organiser).get(url(conference, f"b2b/people/{registration.pk}/photo/large/"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(body(served))).size == (640, 640)

    # Removing the photo deletes both sizes from the database once committed.
    names = [profile.photo.name, profile.photo_small.name]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(conference, "b2b/profile/"), {**PROFILE_FORM, "remove_photo": "on"})
    assert not StoredFile.objects.filter(name__in=names).exists()
