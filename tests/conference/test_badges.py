"""
Badges as printed: the PDF's text read with pypdf, its pages rendered with
PDFium and every QR code on them decoded back with zxing-cpp.
"""

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from conference.core.models import AuditLog
from conference.portal import badges, exports
from tests.factories import RegistrationFactory, UserFactory
from tests.helpers import body, login, pdf_pages, url

pytestmark = pytest.mark.django_db


def decoded_codes(response, scale=3):
    """The QR codes on each page of a PDF response, decoded: [[text, ...] per page]."""
    document = pypdfium2.PdfDocument(body(response))
    pages = []
    for page in document:
        image = page.render(scale=scale).to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        pages.append(sorted(result.text for result in found))
    return pages


def page_sizes(response):
    reader = PdfReader(io.BytesIO(body(response)))
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]


def test_a6_badges_carry_name_organisation_kind_and_a_qr_code_of_the_badge_code(
    conference, organiser, cast
):
    response = login(organiser).get(url(conference, "manage/exports/badges.pdf"), {"sheet": "a6"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Approved delegates only (not the pending Lee), one A6 page each, by family name.
    assert page_sizes(response) == [(298, 420), (298, 420)]
    mehta, sato = pdf_pages(response)
    assert "Priya Mehta" in mehta and "Lohum" in mehta and "BATTERY RECYCLER" in mehta
    assert "佐藤 花子" in sato and "Toyota Tsusho" in sato and "CAR MAKER (OEM)" in sato
    assert conference.name in sato
    assert decoded_codes(response) == [[cast["mehta"].badge_code], [cast["sato"].badge_code]]
    entry = AuditLog.objects.get(action=exports.EXPORT_BADGES)
    assert (entry.actor, entry.data["rows"], entry.data["sheet"]) == (organiser, 2, "a6")


def test_a4_sheets_hold_four_badges_each(conference, organiser, cast):
    extra = [RegistrationFactory(conference=conference, status="approved") for _ in range(3)]

    response = login(organiser).get(url(conference, "manage/exports/badges.pdf"), {"sheet": "a4"})

    assert page_sizes(response) == [(595, 842), (595, 842)]
    codes = decoded_codes(response, scale=2)
    assert [len(page) for page in codes] == [4, 1]
    expected = {r.badge_code for r in [cast["sato"], cast["mehta"], *extra]}
    assert {code for page in codes for code in page} == expected


def test_badge_filters_follow_the_export_filters(conference, organiser, cast):
    response = login(organiser).get(
        url(conference, "manage/exports/badges.pdf"), {"kind": "oem", "sheet": "a6"}
    )

    assert decoded_codes(response) == [[cast["sato"].badge_code]]


def test_a_long_name_shrinks_to_fit_and_stays_whole(conference, organiser):
    registration = RegistrationFactory(
        conference=conference,
        status="approved",
        user=UserFactory(given_name="Venkata Subrahmanya", family_name="Ramachandran-Iyer"),
    )

    response = login(organiser).get(url(conference, "manage/exports/badges.pdf"), {"sheet": "a6"})

    text = " ".join(pdf_pages(response)[0].split())
    assert "Venkata Subrahmanya Ramachandran-Iyer" in text
    assert decoded_codes(response) == [[registration.badge_code]]


def test_a_delegate_downloads_their_own_badge(conference, cast):
    response = login(cast["sato"].user).get(url(conference, "me/badge.pdf"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert page_sizes(response) == [(298, 420)]
    assert decoded_codes(response) == [[cast["sato"].badge_code]]
    assert "佐藤 花子" in pdf_pages(response)[0]


def test_no_badge_before_approval_and_none_for_staff_without_registration(
    conference, cast, checkin_staff
):
    assert login(cast["lee"].user).get(url(conference, "me/badge.pdf")).status_code == 403
    assert login(checkin_staff).get(url(conference, "me/badge.pdf")).status_code == 403
    assert login(None).get(url(conference, "me/badge.pdf")).status_code == 302


def test_qr_code_holds_exactly_the_badge_code():
    qr = badges.badge_qr("0123456789ABCDEF")

    png = io.BytesIO()
    qr.save(png, kind="png", scale=6)
    found = zxingcpp.read_barcodes(Image.open(png))

    assert [result.text for result in found] == ["0123456789ABCDEF"]


def test_typed_badge_codes_are_normalised():
    assert badges.normalise_badge_code(" abcd ef01-2345 6789\n") == "ABCDEF0123456789"


def test_without_a_japanese_truetype_font_latin_text_is_still_drawn_in_an_embedded_font(
    conference, organiser, settings, monkeypatch
):
    """
    Where IPA Gothic is not installed the Japanese font is reportlab's built-in
    CID font, which embeds no glyphs: Latin letters and digits in a Japanese
    line must still be drawn in the embedded Latin font, run by run.
    """
    from conference.core import pdf

    settings.PDF_CJK_FONT = ""
    monkeypatch.setattr(pdf, "CJK_FONT_FILES", [])
    pdf.fonts.cache_clear()
    try:
        assert pdf.fonts().cjk == pdf.CJK_FALLBACK_CID_FONT
        RegistrationFactory(
            conference=conference,
            status="approved",
            user=UserFactory(given_name="花子", family_name="佐藤", family_name_first=True),
            organisation__name="トヨタ Tsusho 2",
            job_title="GM 2027",
        )
        response = login(organiser).get(
            url(conference, "manage/exports/badges.pdf"), {"sheet": "a6"}
        )
    finally:
        pdf.fonts.cache_clear()

    drawn = []

    def visit(text, _matrix, _tm, font, _size):
        if text.strip() and font is not None:
            drawn.append((text, str(font.get("/BaseFont"))))

    page = PdfReader(io.BytesIO(body(response))).pages[0]
    page.extract_text(visitor_text=visit)
    latin = [(text, base) for text, base in drawn if "Tsusho" in text or "2027" in text]
    assert latin, drawn
    assert all("Heisei" not in base for _text, base in latin), latin
    japanese = [base for text, base in drawn if "トヨタ" in text or "佐藤" in text]
    assert japanese and all("Heisei" in base for base in japanese), drawn
