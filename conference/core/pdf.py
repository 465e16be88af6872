"""
PDF building blocks shared by the attendee exports and the badges: fonts that
can show every delegate's name, text fitting, and a paginated table drawn
straight onto a reportlab canvas.

The table is drawn row by row rather than built as platypus flowables, so a
list of 50,000 people is never held in memory as objects: each finished page
is compressed and kept by reportlab as a few kilobytes.

Fonts: Latin, Greek and Cyrillic names use DejaVu Sans where the system has it
(Debian: fonts-dejavu-core), otherwise Bitstream Vera, which reportlab ships.
Japanese (and Chinese, Korean) names use a TrueType CJK font when one is
installed (Debian: fonts-ipafont-gothic; or settings.PDF_CJK_FONT, a path),
otherwise reportlab's built-in HeiseiKakuGo-W5, which needs no file but relies
on the PDF viewer's Japanese fonts. A TrueType font is embedded and always
prints; choosing it per text means a mixed list keeps Latin names in DejaVu.
"""

import os
from dataclasses import dataclass
from functools import cache

import reportlab
from django.conf import settings
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

_REPORTLAB_FONTS = os.path.join(os.path.dirname(reportlab.__file__), "fonts")

BASE_FONT_FILES = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (os.path.join(_REPORTLAB_FONTS, "Vera.ttf"), os.path.join(_REPORTLAB_FONTS, "VeraBd.ttf")),
]
# TrueType (glyf) fonts only: reportlab cannot embed CFF-based OpenType such as Noto CJK.
CJK_FONT_FILES = [
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
CJK_FALLBACK_CID_FONT = "HeiseiKakuGo-W5"
# Not a registered font: text drawn run by run, each script in a font that has
# it (Fonts.for_text, draw_string).
MIXED = "Portal-Mixed"
MIXED_BOLD = "Portal-Mixed-Bold"

NAVY = HexColor("#0b2545")
GREY = HexColor("#4b5563")
LIGHT = HexColor("#eef2f7")
RULE = HexColor("#cbd5e1")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    cjk: str
    # The characters each embedded font has glyphs for (None: unknown, e.g. a CID font).
    coverage: dict

    def for_text(self, text, *, bold=False):
        """
        The font to draw `text` with: the base font if it has every glyph, else
        the CJK one if it has every glyph (an embedded TrueType CJK font has
        Latin too), else MIXED: each run of characters in the font that has
        them (the built-in CID font has no glyphs of its own to embed, and a
        viewer may show no Latin from it).
        """
        name = self.bold if bold else self.regular
        covered = self.coverage[name]
        if all(ord(char) in covered for char in text):
            return name
        cjk = self.coverage.get(self.cjk)
        if cjk is not None and all(ord(char) in cjk for char in text):
            return self.cjk
        return MIXED_BOLD if bold else MIXED

    def runs(self, text, font):
        """(font, text) pieces to draw `text` in `font` (MIXED: by script); one piece otherwise."""
        if font not in (MIXED, MIXED_BOLD):
            return [(font, text)]
        base = self.bold if font == MIXED_BOLD else self.regular
        covered = self.coverage[base]
        pieces = []
        for char in text:
            # Spaces go with the run they are in.
            name = base if ord(char) in covered and char != "\u3000" else self.cjk
            if char == " " and pieces:
                name = pieces[-1][0]
            if pieces and pieces[-1][0] == name:
                pieces[-1][1] += char
            else:
                pieces.append([name, char])
        return [(name, piece) for name, piece in pieces]


def _register_ttf(name, path):
    font = TTFont(name, path)
    pdfmetrics.registerFont(font)
    return set(font.face.charToGlyph)


@cache
def fonts():
    """Register the fonts once per process and say which is which."""
    coverage = {}
    for regular_path, bold_path in BASE_FONT_FILES:
        if os.path.exists(regular_path) and os.path.exists(bold_path):
            coverage["Portal"] = _register_ttf("Portal", regular_path)
            coverage["Portal-Bold"] = _register_ttf("Portal-Bold", bold_path)
            break

    cjk = None
    configured = getattr(settings, "PDF_CJK_FONT", "")
    for path in [configured, *CJK_FONT_FILES]:
        if path and os.path.exists(path):
            try:
                coverage["Portal-CJK"] = _register_ttf("Portal-CJK", path)
            except TTFError:
                continue
            cjk = "Portal-CJK"
            break
    if cjk is None:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FALLBACK_CID_FONT))
        cjk = CJK_FALLBACK_CID_FONT
    return Fonts(regular="Portal", bold="Portal-Bold", cjk=cjk, coverage=coverage)


def text_width(text, font, size):
    if font in (MIXED, MIXED_BOLD):
        return sum(
            pdfmetrics.stringWidth(piece, name, size) for name, piece in fonts().runs(text, font)
        )
    return pdfmetrics.stringWidth(text, font, size)


def draw_string(canvas, x, y, text, font, size):
    """canvas.drawString in `font` (MIXED: run by run, each in its own font)."""
    for name, piece in fonts().runs(text, font):
        canvas.setFont(name, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, name, size)


def _break_word(word, font, size, width):
    """Split one word that is wider than `width` (e.g. a Japanese name) by characters."""
    parts, current = [], ""
    for char in word:
        if current and text_width(current + char, font, size) > width:
            parts.append(current)
            current = char
        else:
            current += char
    if current:
        parts.append(current)
    return parts


def wrap(text, font, size, width, *, max_lines=None):
    """Lines of `text` no wider than `width`; the last kept line ends in … if cut."""
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _break_word(word, font, size, width) or [""]
            lines.extend(pieces[:-1])
            current = pieces[-1]
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def fit_size(text, font, width, *, largest, smallest):
    """The largest font size (down to `smallest`) at which `text` fits on one line."""
    size = largest
    while size > smallest and text_width(text, font, size) > width:
        size -= 0.5
    return size


@dataclass
class TableColumn:
    label: str
    weight: float = 1.0


class TableWriter:
    """
    A paginated table on a reportlab canvas: a title block on every page, the
    header row repeated, rows wrapped within their cells (at most
    `max_lines` lines each), and a footer with the page number.

    `title`, `subtitle` and `footer` are plain strings; the caller has already
    localised them.
    """

    font_size = 8
    leading = 10
    padding = 3
    max_lines = 5

    def __init__(
        self,
        canvas,
        *,
        pagesize,
        columns,
        title,
        subtitle="",
        footer="",
        page_label="%(number)s",
        margin=28,
    ):
        self.canvas = canvas
        self.page_width, self.page_height = pagesize
        self.columns = columns
        self.title = title
        self.subtitle = subtitle
        self.footer = footer
        self.page_label = page_label
        self.margin = margin
        self.fonts = fonts()
        usable = self.page_width - 2 * margin
        total = sum(column.weight for column in columns) or 1
        self.widths = [usable * column.weight / total for column in columns]
        self.page_number = 0
        self.y = None

    # Page furniture ---------------------------------------------------------------

    def _draw_text(self, x, y, text, size, *, bold=False, colour=None):
        font = self.fonts.for_text(text, bold=bold)
        self.canvas.setFillColor(colour or NAVY)
        draw_string(self.canvas, x, y, text, font, size)

    def _start_page(self):
        self.page_number += 1
        top = self.page_height - self.margin
        self._draw_text(self.margin, top - 12, self.title, 13, bold=True)
        y = top - 26
        if self.subtitle:
            for line in wrap(
                self.subtitle,
                self.fonts.for_text(self.subtitle),
                8,
                self.page_width - 2 * self.margin,
                max_lines=3,
            ):
                self._draw_text(self.margin, y, line, 8, colour=GREY)
                y -= 10
        page = self.page_label % {"number": self.page_number}
        footer = f"{self.footer} · {page}" if self.footer else page
        self._draw_text(self.margin, self.margin - 14, footer, 7, colour=GREY)
        self.y = y - 6
        self._draw_row([column.label for column in self.columns], header=True)

    def _finish_page(self):
        self.canvas.showPage()
        self.y = None

    # Rows ---------------------------------------------------------------------------

    def _cell_lines(self, value, width, *, header=False):
        text = "" if value is None else str(value)
        font = self.fonts.for_text(text, bold=header)
        lines = wrap(text, font, self.font_size, width - 2 * self.padding, max_lines=self.max_lines)
        return font, lines

    def _draw_row(self, values, *, header=False, shaded=False):
        cells = [
            self._cell_lines(value, width, header=header)
            for value, width in zip(values, self.widths, strict=True)
        ]
        height = max(len(lines) for _font, lines in cells) * self.leading + 2 * self.padding
        if self.y is None:
            self._start_page()
        elif self.y - height < self.margin:
            self._finish_page()
            self._start_page()
        canvas = self.canvas
        top = self.y
        if header or shaded:
            canvas.setFillColor(NAVY if header else LIGHT)
            canvas.rect(self.margin, top - height, sum(self.widths), height, stroke=0, fill=1)
        x = self.margin
        text_colour = HexColor("#ffffff") if header else HexColor("#111827")
        for (font, lines), width in zip(cells, self.widths, strict=True):
            canvas.setFillColor(text_colour)
            baseline = top - self.padding - self.font_size
            for line in lines:
                draw_string(canvas, x + self.padding, baseline, line, font, self.font_size)
                baseline -= self.leading
            x += width
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.3)
        canvas.line(self.margin, top - height, self.margin + sum(self.widths), top - height)
        self.y = top - height

    def write_rows(self, rows):
        """Draw every row of the iterable; returns how many were drawn."""
        count = 0
        for count, values in enumerate(rows, start=1):
            self._draw_row(values, shaded=count % 2 == 0)
        return count

    def close(self, *, empty_message=""):
        """End the last page (a table with no rows still gets its header and a note)."""
        if self.y is None:
            self._start_page()
            if empty_message:
                self._draw_text(self.margin, self.y - 14, empty_message, 9, colour=GREY)
        self._finish_page()
        self.canvas.save()
