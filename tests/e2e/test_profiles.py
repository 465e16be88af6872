"""
Profiles as delegates keep them, in headless Chromium against gunicorn
(DEBUG off, whitenoise) with a real worker: a delegate fills in their own
profile with a photo (served back through the view that checks who asks),
sees a photo refused when it is not an image or too large, with what they
typed kept, and edits their organisation's profile with a logo.

Screenshots of each page at 1280 px and at 390 px wide (a phone) land under
tests/e2e/artifacts/<test>/; a page wider than the phone's screen fails.
"""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image
from playwright.sync_api import expect

from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from conference.core.models import AuditLog, OrganisationKind
from tests.e2e import personas
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.e2e

TOPICS = [
    ("black_mass_recycling", "Black mass and recycling", "ブラックマス・リサイクル"),
    ("ev_oem_offtake", "EV OEM offtake", "EVメーカーによる長期引取"),
    ("project_finance", "Project finance", "プロジェクトファイナンス"),
    ("equity", "Equity", "出資"),
]


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def no_errors(errors):
    """
    The browser errors other than Chromium asking for the missing /favicon.ico
    and the refused forms' pages (answered 400 on purpose).
    """
    return [
        e
        for e in errors
        if not e.endswith("/favicon.ico]") and "status of 400 (Bad Request)" not in e
    ]


def loaded(locator):
    """True once the image has loaded with pixels (through the view)."""
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def photo_with_gps(path):
    """A 1200 × 900 JPEG with a GPS position and a camera serial in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.BodySerialNumber] = "SN-E2E-42"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (28.0, 36.0, 50.0),
    }
    image = Image.new("RGB", (1200, 900), (15, 118, 110))
    for x in range(400, 800):
        for y in range(250, 650, 4):
            image.putpixel((x, y), (250, 250, 250))
    image.save(path, "JPEG", exif=exif)
    return path


@pytest.fixture
def setup(e2e_conference):
    conference = e2e_conference
    for position, (code, en, ja) in enumerate(TOPICS):
        Topic.objects.create(
            conference=conference, code=code, label_en=en, label_ja=ja, position=position
        )
    organisation = OrganisationFactory(name="Lohum Cleantech", kind=OrganisationKind.RECYCLER)
    person = personas.delegate(conference, organisation=organisation, directory_consent=True)
    return conference, person


def test_a_delegate_edits_their_profile_with_a_photo_and_sees_refusals_explained(
    new_page, login, shots, setup, tmp_path, browser_errors
):
    conference, person = setup
    page = login(new_page(), person)
    page.goto(f"/events/{conference.slug}/b2b/")
    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", name="My B2B profile")).to_be_visible()
    shots(page, "profile-empty")

    page.get_by_label("Job title").fill("Head of Strategic Partnerships")
    page.get_by_label("Short bio").fill("Builds partnerships with car makers and financiers.")
    languages = page.get_by_role("group", name="Languages you speak")
    languages.get_by_label("English").check()
    languages.get_by_label("Hindi").check()
    topics = page.get_by_role("group", name="Topics of interest")
    topics.get_by_label("EV OEM offtake").check()
    topics.get_by_label("Project finance").check()
    page.get_by_label("What I offer").fill("Battery-grade lithium salts from black mass.")
    page.get_by_label("What I seek").fill("アンカー・オフテイカーと長期融資。")
    page.get_by_label("Choose a photo").set_input_files(photo_with_gps(tmp_path / "me.jpg"))
    submit(page, "Save my profile")

    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    photo = page.get_by_role("img", name="Your photo")
    expect(photo).to_be_visible()
    assert loaded(photo)
    profile = DelegateProfile.objects.get(registration=person.registration)
    assert profile.languages == ["en", "hi"]
    assert {t.code for t in profile.topics.all()} == {"ev_oem_offtake", "project_finance"}
    with default_storage.open(profile.photo.name, "rb") as stored:
        data = stored.read()
    assert b"SN-E2E-42" not in data
    assert Image.open(io.BytesIO(data)).size == (640, 640)
    expect(page.get_by_label("Job title")).to_have_value("Head of Strategic Partnerships")
    shots(page, "profile-saved")

    # A text file named .jpg: refused, explained, and what was typed is still there.
    page.get_by_label("Short bio").fill("Typed before the refusal.")
    fake = tmp_path / "holiday.jpg"
    fake.write_text("This is not a photo.\n" * 50)
    page.get_by_label("Choose a photo").set_input_files(fake)
    submit(page, "Save my profile")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This file is not a JPEG, PNG or WebP image.")
    expect(page.get_by_label("Short bio")).to_have_value("Typed before the refusal.")
    expect(page.get_by_label("What I seek")).to_have_value("アンカー・オフテイカーと長期融資。")
    shots(page, "photo-not-an-image")

    # Over 5 MB: stopped while it streams, explained, the text kept.
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (6 * 1024 * 1024))
    page.get_by_label("Choose a photo").set_input_files(huge)
    submit(page, "Save my profile")
    expect(page.get_by_role("alert")).to_contain_text("The image is larger than 5 MB.")
    expect(page.get_by_label("Short bio")).to_have_value("Typed before the refusal.")
    shots(page, "photo-too-large")

    profile.refresh_from_db()
    assert profile.bio == "Builds partnerships with car makers and financiers."
    assert not shots.overflowing, shots.overflowing
    assert not no_errors(browser_errors), browser_errors


def test_a_delegate_edits_their_organisations_profile_with_a_logo(
    new_page, login, shots, setup, tmp_path, browser_errors
):
    conference, person = setup
    organisation = person.registration.organisation
    page = login(new_page(), person)
    page.goto(f"/events/{conference.slug}/b2b/profile/")
    page.get_by_role("link", name="Edit the profile of Lohum Cleantech").click()
    expect(page.get_by_role("heading", name="Lohum Cleantech")).to_be_visible()

    page.get_by_label("Position in the value chain").select_option("recycling")
    page.get_by_label("New entrant").check()
    page.get_by_label("Country").select_option("IN")
    page.get_by_label("Website").fill("https://lohum.example.in")
    page.get_by_label("What it offers (English)").fill("Recycled lithium, nickel and cobalt.")
    page.get_by_label("What it seeks (English)").fill("Anchor off-takers; project finance.")
    page.get_by_label("What it offers (Japanese)").fill("再生リチウム・ニッケル・コバルト。")
    page.get_by_role("group", name="Topics it offers").get_by_label(
        "Black mass and recycling"
    ).check()
    sought = page.get_by_role("group", name="Topics it seeks")
    sought.get_by_label("EV OEM offtake").check()
    sought.get_by_label("Equity").check()
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (600, 200), (15, 118, 110, 255)).save(logo, "PNG")
    page.get_by_label("Choose a logo").set_input_files(logo)
    shots(page, "organisation-filled")
    submit(page, "Save the organisation's profile")

    expect(page.get_by_text("The profile of Lohum Cleantech has been saved.")).to_be_visible()
    image = page.get_by_role("img", name="Logo of Lohum Cleantech")
    expect(image).to_be_visible()
    assert loaded(image)
    organisation.refresh_from_db()
    assert (organisation.value_chain, organisation.is_new_entrant) == ("recycling", True)
    assert organisation.offers_ja == "再生リチウム・ニッケル・コバルト。"
    topics = OrganisationTopics.objects.get(conference=conference, organisation=organisation)
    assert {t.code for t in topics.sought.all()} == {"ev_oem_offtake", "equity"}
    entry = AuditLog.objects.get(action="b2b.organisation_profile")
    assert "Lohum Cleantech" in entry.summary and person.email in entry.summary
    shots(page, "organisation-saved")

    # Refused: a logo that is not an image.
    page.get_by_label("What it seeks (English)").fill("Typed, then refused.")
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"%PDF-1.4 not a logo")
    page.get_by_label("Choose a logo").set_input_files(bad)
    submit(page, "Save the organisation's profile")
    expect(page.get_by_role("alert")).to_contain_text("not a JPEG, PNG or WebP image")
    expect(page.get_by_label("What it seeks (English)")).to_have_value("Typed, then refused.")
    shots(page, "organisation-logo-refused")

    assert not shots.overflowing, shots.overflowing
    assert not no_errors(browser_errors), browser_errors


def test_an_organiser_edits_the_taxonomy_and_the_pairing_matrix(
    new_page, login, shots, setup, e2e_organiser, browser_errors
):
    conference, _person = setup
    page = login(new_page(), e2e_organiser)
    page.goto(f"/events/{conference.slug}/manage/b2b/")
    page.get_by_role("link", name="Taxonomy").click()
    expect(page.get_by_role("heading", name="Taxonomy")).to_be_visible()

    page.get_by_label("Label in English").fill("Traceability")
    page.get_by_label("Label in Japanese").fill("トレーサビリティ")
    submit(page, "Add topic")
    expect(page.get_by_text("Topic “Traceability” added.")).to_be_visible()
    submit(page, "Move Traceability up")
    assert list(
        Topic.objects.filter(conference=conference)
        .order_by("position")
        .values_list("code", flat=True)
    )[-2:] == ["traceability", "equity"]
    shots(page, "taxonomy")

    page.get_by_role("link", name="Matchmaking").click()
    expect(page.get_by_text("nothing is saved yet")).to_be_visible()
    page.get_by_label("Mining with EV and car makers").fill("2")
    shots(page, "matchmaking")
    submit(page, "Save matchmaking settings")
    expect(page.get_by_text("Matchmaking settings saved.")).to_be_visible()
    assert conference.matchmaking.matrix["mining:oem"] == 2

    assert not shots.overflowing, shots.overflowing
    assert not no_errors(browser_errors), browser_errors
