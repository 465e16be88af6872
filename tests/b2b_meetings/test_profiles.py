"""
Profiles people keep up themselves: a delegate's (through the page, with a
photo checked by Pillow, stripped of EXIF and stored in two sizes) and their
organisation's (by its own delegates and the organisers, audited); and the
images served only to those entitled to see them.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from b2b_meetings.matchmaking import selectors
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from conference.core.models import AuditLog, OrganisationKind, ValueChain
from tests.factories import ConferenceFactory, RegistrationFactory
from tests.helpers import body, listed, login, url

pytestmark = pytest.mark.django_db

PROFILE = "b2b/profile/"


# Images --------------------------------------------------------------------------------


def image_bytes(fmt="JPEG", size=(1200, 900), colour=(200, 30, 30), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if fmt == "JPEG" and exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def gps_exif(orientation=None):
    """EXIF with a GPS position (New Delhi) and a camera serial, optionally an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.BodySerialNumber] = "SN-123456"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (28.0, 36.0, 50.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (77.0, 12.0, 30.0),
    }
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def stored(file):
    with default_storage.open(file.name, "rb") as handle:
        data = handle.read()
    return data, Image.open(io.BytesIO(data))


@pytest.fixture
def topics(conference):
    return [
        Topic.objects.create(conference=conference, code=code, label_en=label, position=i)
        for i, (code, label) in enumerate(
            [("recycling", "Black mass and recycling"), ("offtake", "EV OEM offtake")]
        )
    ]


def form_data(**overrides):
    data = {
        "job_title": "Head of Partnerships",
        "bio": "Twenty years in battery materials.",
        "languages": ["en", "hi"],
        "offers": "Recycled lithium carbonate",
        "seeks": "長期オフテイク契約",
    }
    data.update(overrides)
    return data


# The delegate's profile -------------------------------------------------------------------


def test_a_delegate_saves_their_profile_through_the_page(conference, delegate, topics):
    client = login(delegate)
    assert client.get(url(conference, PROFILE)).status_code == 200

    response = client.post(url(conference, PROFILE), form_data(topics=[topics[1].pk]))

    assert response.status_code == 302
    profile = DelegateProfile.objects.get(registration=delegate.registration)
    assert profile.bio == "Twenty years in battery materials."
    assert profile.languages == ["en", "hi"]
    assert profile.seeks == "長期オフテイク契約"
    assert list(profile.topics.all()) == [topics[1]]
    delegate.registration.refresh_from_db()
    assert delegate.registration.job_title == "Head of Partnerships"
    entry = AuditLog.objects.get(action="b2b.profile")
    assert set(entry.data["fields"]) >= {"bio", "languages", "topics", "job_title"}


def test_the_profile_page_writes_nothing_when_only_looked_at(conference, delegate):
    login(delegate).get(url(conference, PROFILE))

    assert not DelegateProfile.objects.exists()


def test_a_topic_of_another_conference_is_refused(conference, delegate):
    elsewhere = Topic.objects.create(conference=ConferenceFactory(), code="x", label_en="X")

    response = login(delegate).post(url(conference, PROFILE), form_data(topics=[elsewhere.pk]))

    assert response.status_code == 400
    assert not DelegateProfile.objects.exists()


def test_an_unknown_language_is_refused(conference, delegate):
    response = login(delegate).post(url(conference, PROFILE), form_data(languages=["xx"]))

    assert response.status_code == 400


def test_the_photo_is_stored_in_two_sizes_without_exif(conference, delegate):
    jpeg = image_bytes(exif=gps_exif())
    assert b"SN-123456" in jpeg and Image.open(io.BytesIO(jpeg)).getexif()

    response = login(delegate).post(url(conference, PROFILE), form_data(photo=upload(jpeg)))

    assert response.status_code == 302
    profile = DelegateProfile.objects.get(registration=delegate.registration)
    large_bytes, large = stored(profile.photo)
    small_bytes, small = stored(profile.photo_small)
    assert large.size == (640, 640) and small.size == (160, 160)
    assert large.format == small.format == "WEBP"
    for data, image in ((large_bytes, large), (small_bytes, small)):
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert b"SN-123456" not in data and b"PhoneCo" not in data


def test_the_exif_orientation_is_applied_before_it_is_stripped(conference, delegate):
    """A logo keeps its shape: 400 × 200 pixels marked "rotate 90°" is stored 200 × 400 tall."""
    jpeg = image_bytes(size=(400, 200), exif=gps_exif(orientation=6))

    response = login(delegate).post(
        url(conference, f"b2b/organisations/{delegate.registration.organisation_id}/edit/"),
        org_form_data(delegate.registration.organisation, logo=upload(jpeg, "logo.jpg")),
    )

    assert response.status_code == 302
    organisation = delegate.registration.organisation
    organisation.refresh_from_db()
    _data, large = stored(organisation.logo)
    _data, small = stored(organisation.logo_small)
    assert large.size == (200, 400)
    assert small.size == (80, 160)
    assert not large.getexif()


def test_a_photo_over_5_mb_is_refused_and_what_was_typed_is_kept(conference, delegate):
    huge = b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024 + 10)

    response = login(delegate).post(
        url(conference, PROFILE),
        form_data(bio="Kept after the refusal", photo=upload(huge)),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "larger than 5 MB" in page
    assert "Kept after the refusal" in page
    assert "Head of Partnerships" in page
    assert not DelegateProfile.objects.exists()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"This is a text file, not a photo.\n" * 20, "photo.jpg"),
        (image_bytes("PNG")[:300], "truncated.png"),
        (image_bytes("GIF"), "animated.gif"),
        (b"%PDF-1.4\n" + b"0" * 200, "cv.png"),
    ],
    ids=["text named .jpg", "truncated PNG", "GIF", "PDF named .png"],
)
def test_a_file_that_is_not_a_jpeg_png_or_webp_image_is_refused(conference, delegate, data, name):
    response = login(delegate).post(
        url(conference, PROFILE), form_data(bio="Still here", photo=upload(data, name))
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "not a JPEG, PNG or WebP image" in page
    assert "Still here" in page
    assert not DelegateProfile.objects.exists()


def test_replacing_and_removing_the_photo_deletes_the_old_files(
    conference, delegate, django_capture_on_commit_callbacks
):
    client = login(delegate)
    client.post(url(conference, PROFILE), form_data(photo=upload(image_bytes())))
    first = DelegateProfile.objects.get()
    old = [first.photo.name, first.photo_small.name]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(conference, PROFILE),
            form_data(photo=upload(image_bytes("PNG"), "new.png", "image/png")),
        )

    second = DelegateProfile.objects.get()
    assert second.photo.name not in old
    assert not any(default_storage.exists(name) for name in old)
    assert default_storage.exists(second.photo.name)

    current = [second.photo.name, second.photo_small.name]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(conference, PROFILE), form_data(remove_photo="on"))

    third = DelegateProfile.objects.get()
    assert not third.photo and not third.photo_small
    assert not any(default_storage.exists(name) for name in current)


def test_a_locked_job_title_is_left_alone_and_the_rest_saved(conference, delegate):
    conference.registration_locked = True
    conference.save()

    response = login(delegate).post(url(conference, PROFILE), form_data(job_title="CEO"))

    assert response.status_code == 302
    delegate.registration.refresh_from_db()
    assert delegate.registration.job_title == "Director"
    assert DelegateProfile.objects.get().bio == "Twenty years in battery materials."


def test_a_pending_registrant_and_staff_have_no_profile_page(conference, organiser):
    pending = RegistrationFactory(conference=conference)

    assert login(pending.user).get(url(conference, PROFILE)).status_code == 403
    assert login(organiser).get(url(conference, PROFILE)).status_code == 403


# Who sees a photo --------------------------------------------------------------------------


@pytest.fixture
def pictured(conference):
    """A listed delegate with a photo."""
    registration = listed(conference)
    login(registration.user).post(url(conference, PROFILE), form_data(photo=upload(image_bytes())))
    registration.refresh_from_db()
    return registration


def photo_path(conference, registration, size="small"):
    return url(conference, f"b2b/people/{registration.pk}/photo/{size}/")


def test_the_photo_is_served_privately_to_another_delegate_when_listed(
    conference, pictured, other_delegate
):
    response = login(other_delegate).get(photo_path(conference, pictured, "large"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(body(response))).size == (640, 640)


def test_the_person_and_the_organisers_see_the_photo(conference, pictured, organiser):
    assert login(pictured.user).get(photo_path(conference, pictured)).status_code == 200
    assert login(organiser).get(photo_path(conference, pictured)).status_code == 200


def test_a_delegate_who_did_not_consent_keeps_their_photo_from_other_delegates(
    conference, pictured, other_delegate, organiser
):
    pictured.directory_consent = False
    pictured.save()

    assert login(other_delegate).get(photo_path(conference, pictured)).status_code == 404
    assert login(pictured.user).get(photo_path(conference, pictured)).status_code == 200
    assert login(organiser).get(photo_path(conference, pictured)).status_code == 200


def test_a_delegate_of_another_conference_gets_a_404(conference, pictured):
    elsewhere = ConferenceFactory()
    stranger = RegistrationFactory(conference=elsewhere, approved=True, directory_consent=True)

    client = login(stranger.user)
    # Through their own conference, and through this one (where they are nobody).
    assert client.get(photo_path(elsewhere, pictured)).status_code == 404
    assert client.get(photo_path(conference, pictured)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(conference, pictured, client):
    response = client.get(photo_path(conference, pictured))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_no_photo_and_an_unknown_size_are_404s(conference, pictured, other_delegate):
    client = login(other_delegate)

    assert client.get(photo_path(conference, pictured, "huge")).status_code == 404
    assert client.get(photo_path(conference, other_delegate.registration)).status_code == 404


def test_photo_url_names_the_view_and_changes_with_the_photo(conference, pictured):
    registration = selectors.registrations_with_profiles(
        type(pictured).objects.filter(pk=pictured.pk)
    ).get()

    first = selectors.photo_url(registration, conference=conference)

    assert first.startswith(photo_path(conference, pictured) + "?v=")
    assert selectors.photo_url(RegistrationFactory(conference=conference)) is None
    login(pictured.user).post(url(conference, PROFILE), form_data(photo=upload(image_bytes())))
    registration = selectors.registrations_with_profiles(
        type(pictured).objects.filter(pk=pictured.pk)
    ).get()
    assert selectors.photo_url(registration, conference=conference) != first


# The organisation's profile -------------------------------------------------------------


def org_form_data(organisation, **overrides):
    data = {
        "kind": organisation.kind,
        "value_chain": ValueChain.RECYCLING,
        "is_new_entrant": "on",
        "country": "IN",
        "website": "https://recycler.example.in",
        "offers": "Battery-grade lithium carbonate from black mass",
        "seeks": "Anchor off-takers",
        "offers_ja": "ブラックマス由来の電池グレード炭酸リチウム",
        "seeks_ja": "",
    }
    data.update(overrides)
    return data


def org_edit(conference, organisation):
    return url(conference, f"b2b/organisations/{organisation.pk}/edit/")


def test_an_organisations_own_delegate_edits_its_profile_and_it_is_audited(
    conference, recycler, topics
):
    organisation = recycler.organisation

    response = login(recycler.user).post(
        org_edit(conference, organisation),
        org_form_data(organisation, offered=[topics[0].pk], sought=[topics[1].pk]),
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.value_chain == ValueChain.RECYCLING
    assert organisation.is_new_entrant
    assert organisation.offers_ja.startswith("ブラックマス")
    row = OrganisationTopics.objects.get(conference=conference, organisation=organisation)
    assert list(row.offered.all()) == [topics[0]] and list(row.sought.all()) == [topics[1]]
    entry = AuditLog.objects.get(action="b2b.organisation_profile")
    assert entry.actor == recycler.user
    assert {"value_chain", "is_new_entrant", "offers", "topics_offered"} <= set(
        entry.data["fields"]
    )
    assert organisation.name in entry.summary and recycler.user.email in entry.summary


def test_each_of_two_edits_is_audited_and_the_last_wins(conference, recycler, organiser):
    organisation = recycler.organisation
    login(recycler.user).post(org_edit(conference, organisation), org_form_data(organisation))
    login(organiser).post(
        org_edit(conference, organisation),
        org_form_data(organisation, seeks="Project finance"),
    )

    organisation.refresh_from_db()
    assert organisation.seeks == "Project finance"
    entries = list(AuditLog.objects.filter(action="b2b.organisation_profile").order_by("pk"))
    assert [e.actor for e in entries] == [recycler.user, organiser]
    assert entries[1].data["fields"] == ["seeks"]


def test_another_organisations_delegate_gets_a_404(conference, recycler, oem):
    client = login(oem.user)

    assert client.get(org_edit(conference, recycler.organisation)).status_code == 404
    response = client.post(
        org_edit(conference, recycler.organisation), org_form_data(recycler.organisation)
    )
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="b2b.organisation_profile").exists()


def test_an_organisation_of_no_one_here_is_a_404_even_for_organisers(conference, organiser):
    stranger = RegistrationFactory(conference=ConferenceFactory(), approved=True)

    response = login(organiser).get(org_edit(conference, stranger.organisation))

    assert response.status_code == 404


def test_a_logo_that_is_not_an_image_is_refused_and_nothing_saved(conference, recycler):
    organisation = recycler.organisation

    response = login(recycler.user).post(
        org_edit(conference, organisation),
        org_form_data(organisation, seeks="Typed", logo=upload(b"not an image", "logo.png")),
    )

    assert response.status_code == 400
    assert "Typed" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.seeks == ""


# Who sees a logo ---------------------------------------------------------------------------


def logo_path(conference, organisation, size="small"):
    return url(conference, f"b2b/organisations/{organisation.pk}/logo/{size}/")


@pytest.fixture
def with_logo(conference, recycler):
    organisation = recycler.organisation
    login(recycler.user).post(
        org_edit(conference, organisation),
        org_form_data(organisation, logo=upload(image_bytes("PNG"), "logo.png", "image/png")),
    )
    organisation.refresh_from_db()
    return organisation


def test_a_logo_is_served_to_delegates_when_the_organisation_is_listed(conference, with_logo, oem):
    response = login(oem.user).get(logo_path(conference, with_logo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert selectors.logo_url(with_logo, conference).startswith(logo_path(conference, with_logo))


def test_a_logo_of_an_organisation_with_no_one_listed_is_for_its_own_delegates(
    conference, with_logo, recycler, oem, organiser
):
    recycler.directory_consent = False
    recycler.save()

    assert login(oem.user).get(logo_path(conference, with_logo)).status_code == 404
    assert login(recycler.user).get(logo_path(conference, with_logo)).status_code == 200
    assert login(organiser).get(logo_path(conference, with_logo)).status_code == 200


def test_a_logo_is_a_404_for_a_delegate_of_another_conference(with_logo):
    elsewhere = ConferenceFactory()
    stranger = listed(elsewhere, OrganisationKind.OEM)

    assert login(stranger.user).get(logo_path(elsewhere, with_logo)).status_code == 404
