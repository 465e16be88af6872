"""
Printable badges: name, organisation, a colour band for the organisation
kind (its name is printed on the band, so colour is never the only sign) and
a QR code holding the badge code, which check-in scans.

A badge is A6 (105 × 148 mm). `badges_pdf` prints one per A6 page, for a
badge printer or a delegate's own e-ticket, or four per A4 sheet with cut
lines, for an office printer. The QR code is drawn as vector squares from
segno's matrix, so it stays sharp at any print size.
"""

import re
import tempfile

import segno
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from conference.core.models import OrganisationKind
from conference.core.pdf import (
    GREY,
    NAVY,
    RULE,
    draw_string,
    fit_size,
    fonts,
    text_width,
    wrap,
)

# One colour per organisation kind, each dark enough for white text on it.
KIND_COLOURS = {
    OrganisationKind.RECYCLER: "#047857",
    OrganisationKind.OEM: "#1d4ed8",
    OrganisationKind.FINANCIER: "#b45309",
    OrganisationKind.GOVERNMENT: "#b91c1c",
    OrganisationKind.RESEARCH: "#6d28d9",
    OrganisationKind.INDUSTRY_BODY: "#0f766e",
    OrganisationKind.OTHER: "#475569",
}
NO_KIND_COLOUR = "#334155"

SHEETS = {
    # name: (page size, badges across, badges down)
    "a6": (A6, 1, 1),
    "a4": (A4, 2, 2),
}

QR_SIZE = 42 * mm


def normalise_badge_code(text):
    """A badge code as printed ("ABCD EF01 …"), typed in lower case or scanned: its stored form."""
    return re.sub(r"[\s-]", "", text or "").upper()


def badge_qr(code):
    """The QR code of a badge: the badge code and nothing else."""
    return segno.make_qr(code, error="m")


def _draw_qr(canvas, qr, x, y, size):
    """Draw `qr` with its quiet zone as a `size`-wide square whose lower left is (x, y)."""
    border = 4
    matrix = list(qr.matrix_iter(scale=1, border=border))
    module = size / len(matrix)
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        run_start = None
        # One rectangle per horizontal run of dark modules keeps the PDF small.
        for column_index, dark in enumerate([*row, False]):
            if dark and run_start is None:
                run_start = column_index
            elif not dark and run_start is not None:
                width = (column_index - run_start) * module
                canvas.rect(x + run_start * module, top, width, module, stroke=0, fill=1)
                run_start = None


def _centre(canvas, text, centre_x, y, font, size, colour, *, bold=False):
    """
    One line centred on `centre_x`. `bold` text in the CJK font, which has no
    bold face, is drawn filled and stroked, so a Japanese name is as heavy
    as a Latin one.
    """
    canvas.setFillColor(colour)
    x = centre_x - text_width(text, font, size) / 2
    cjk = fonts().cjk
    for name, piece in fonts().runs(text, font):
        if bold and name == cjk:
            canvas.saveState()
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(size * 0.035)
            line = canvas.beginText()
            line.setFont(name, size)
            line.setTextRenderMode(2)
            line.setTextOrigin(x, y)
            line.textOut(piece)
            canvas.drawText(line)
            canvas.restoreState()
        else:
            canvas.setFont(name, size)
            canvas.drawString(x, y, piece)
        x += text_width(piece, name, size)


def _dates(conference):
    end = formats.date_format(conference.end_date, _("j M Y"))
    if conference.end_date == conference.start_date:
        return end
    return f"{formats.date_format(conference.start_date, _('j M'))} – {end}"


def draw_badge(canvas, registration, *, x, y, width, height, conference, kind_labels):
    """One badge in the box at (x, y) of `width` × `height` points."""
    font = fonts()
    centre = x + width / 2
    inner = width - 16 * mm

    # Header: the conference.
    header = 17 * mm
    canvas.setFillColor(NAVY)
    canvas.rect(x, y + height - header, width, header, stroke=0, fill=1)
    title = str(conference.name)
    title_font = font.for_text(title, bold=True)
    title_size = fit_size(title, title_font, width - 8 * mm, largest=10, smallest=6)
    _centre(canvas, title, centre, y + height - 8 * mm, title_font, title_size, white, bold=True)
    details = " · ".join(part for part in [_dates(conference), conference.venue] if part)
    details_font = font.for_text(details)
    details_size = fit_size(details, details_font, width - 8 * mm, largest=7.5, smallest=5)
    _centre(canvas, details, centre, y + height - 13 * mm, details_font, details_size, white)

    # The person: name as large as fits on two lines, then organisation and title.
    cursor = y + height - header - 14 * mm
    name = registration.user.display_name
    name_font = font.for_text(name, bold=True)
    size = 22
    lines = wrap(name, name_font, size, inner)
    while size > 12 and len(lines) > 2:
        size -= 1
        lines = wrap(name, name_font, size, inner)
    for line in wrap(name, name_font, size, inner, max_lines=2):
        _centre(canvas, line, centre, cursor, name_font, size, NAVY, bold=True)
        cursor -= size * 1.15
    cursor -= 2 * mm
    organisation = registration.organisation
    if organisation is not None:
        org_font = font.for_text(organisation.name, bold=True)
        for line in wrap(organisation.name, org_font, 11.5, inner, max_lines=2):
            _centre(canvas, line, centre, cursor, org_font, 11.5, HexColor("#111827"), bold=True)
            cursor -= 14
    if registration.job_title:
        job_font = font.for_text(registration.job_title)
        for line in wrap(registration.job_title, job_font, 8.5, inner, max_lines=1):
            _centre(canvas, line, centre, cursor, job_font, 8.5, GREY)

    # Kind band at the foot, with its name in words.
    band = 13 * mm
    kind = organisation.kind if organisation is not None else ""
    canvas.setFillColor(HexColor(KIND_COLOURS.get(kind, NO_KIND_COLOUR)))
    canvas.rect(x, y, width, band, stroke=0, fill=1)
    label = (kind_labels.get(kind) or _("Delegate")).upper()
    label_font = font.for_text(label, bold=True)
    label_size = fit_size(label, label_font, width - 8 * mm, largest=12, smallest=7)
    _centre(canvas, label, centre, y + band / 2 - label_size / 3, label_font, label_size, white)

    # QR code above the band, the code in text below it for typing at the gate.
    code = registration.badge_code
    qr_y = y + band + 10 * mm
    _draw_qr(canvas, badge_qr(code), centre - QR_SIZE / 2, qr_y, QR_SIZE)
    code_text = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    _centre(canvas, code_text, centre, qr_y - 4.5 * mm, font.regular, 8, GREY)


def _end_page(canvas, sheet):
    """Finish a page: on sheets of several badges, dashed cut lines over everything."""
    pagesize, across, down = SHEETS[sheet]
    if across * down > 1:
        _cut_lines(canvas, *pagesize, across, down)
    canvas.showPage()


def _cut_lines(canvas, page_width, page_height, across, down):
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.setDash(3, 3)
    for i in range(1, across):
        canvas.line(page_width * i / across, 0, page_width * i / across, page_height)
    for j in range(1, down):
        canvas.line(0, page_height * j / down, page_width, page_height * j / down)
    canvas.setDash()


def badges_pdf(*, conference, registrations, sheet="a6"):
    """
    A PDF of a badge for each of `registrations` (an iterable of registrations
    with user and organisation loaded), in a temporary file (rewound). Returns
    (file, number of badges).
    """
    pagesize, across, down = SHEETS[sheet]
    page_width, page_height = pagesize
    width, height = page_width / across, page_height / down
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    canvas = Canvas(output, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(_("Badges · %(conference)s") % {"conference": conference.name})
    canvas.setAuthor(str(conference.name))
    per_page = across * down
    count = 0
    for count, registration in enumerate(registrations, start=1):
        position = (count - 1) % per_page
        if position == 0 and count > 1:
            _end_page(canvas, sheet)
        column, row = position % across, position // across
        draw_badge(
            canvas,
            registration,
            x=column * width,
            y=page_height - (row + 1) * height,
            width=width,
            height=height,
            conference=conference,
            kind_labels=kind_labels,
        )
    if count == 0:
        message = _("No badges to print for these filters.")
        draw_string(canvas, 20 * mm, page_height - 30 * mm, message, fonts().for_text(message), 11)
    _end_page(canvas, sheet)
    canvas.save()
    output.seek(0)
    return output, count
