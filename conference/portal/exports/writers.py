"""
The writers: a `Table` as CSV (streamed), XLSX (openpyxl write-only) or PDF
(conference.core.pdf), and the file name and content type of each download.

Memory stays flat whatever the row count: no writer keeps more than a buffer
of rows (XLSX and PDF are written to a temporary file, then sent). Everything
a row needs in the request's language or zone is in the table before the
first row, because a streamed body is produced after the view has returned.
"""

import csv
import io
import tempfile

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from conference.core.pdf import TableColumn, TableWriter
from conference.portal.exports.columns import BOOL, DATE, DATETIME, INT, TEXT

# A spreadsheet treats a cell starting with one of these as a formula (or, for
# tab and CR, mangles it); user-entered text must never be run as one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def spreadsheet_safe(text):
    """`text` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def export_filename(conference, what, extension, *, now=None):
    now = timezone.localtime(now or timezone.now(), conference.tz)
    return f"{conference.slug}-{what}-{now:%Y%m%d-%H%M}.{extension}"


# CSV ------------------------------------------------------------------------------------


def _csv_formatters(table):
    """One function per column turning a value into CSV text (chosen once, not per cell)."""
    tz, yes, no = table.tz, table.yes, table.no

    def text(value):
        return spreadsheet_safe(str(value)) if value else ""

    def moment(value):
        return f"{value.astimezone(tz):%Y-%m-%d %H:%M}" if value else ""

    def day(value):
        return value.isoformat() if value else ""

    def boolean(value):
        return yes if value else no

    def number(value):
        return "" if value is None else value

    by_kind = {TEXT: text, DATETIME: moment, DATE: day, BOOL: boolean, INT: number}
    return [by_kind[kind] for kind in table.kinds]


class _Buffer(io.StringIO):
    def take(self):
        value = self.getvalue()
        self.seek(0)
        self.truncate()
        return value


def stream_csv(table, *, flush_at=64 * 1024):
    """
    The table as CSV text chunks of about `flush_at` characters. Starts with a
    byte-order mark so that spreadsheet programs read the UTF-8 (Japanese
    names) correctly.
    """
    buffer = _Buffer()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([spreadsheet_safe(header) for header in table.headers])
    formatters = _csv_formatters(table)
    for row in table.rows:
        writer.writerow([to_text(value) for to_text, value in zip(formatters, row, strict=True)])
        if buffer.tell() >= flush_at:
            yield buffer.take()
    yield buffer.take()


# XLSX -----------------------------------------------------------------------------------


def _xlsx_value(value, kind, table, sheet):
    """A typed cell value: datetimes as (zone-less, local) datetimes, text never a formula."""
    if value is None or value == "":
        return None  # no cell at all: smaller, faster, and blank to the auto-filter
    if kind == DATETIME:
        cell = WriteOnlyCell(sheet, value=value.astimezone(table.tz).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if kind == DATE:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if kind in (INT, BOOL):
        return value
    text = str(value)
    if text.startswith("="):
        # openpyxl would store it as a formula; a string cell is never evaluated.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def write_xlsx(table, *, sheet_title, about):
    """
    The table as an XLSX workbook in a temporary file (rewound): a sheet with
    a bold, frozen header row, an auto-filter and column widths from the
    registry, and an "Export" sheet with `about` ((label, value) pairs).
    openpyxl's write-only mode keeps rows on disk, not in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="0B2545")
    header = []
    for label in table.headers:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    written = 0
    kinds = table.kinds
    for row in table.rows:
        sheet.append(
            [_xlsx_value(value, kind, table, sheet) for value, kind in zip(row, kinds, strict=True)]
        )
        written += 1
    last_column = get_column_letter(len(table.headers))
    sheet.auto_filter.ref = f"A1:{last_column}{written + 1}"

    info = workbook.create_sheet(_("Export"))
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 70
    for label, value in about:
        info.append([label, value])

    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    workbook.save(output)
    output.seek(0)
    return output


# PDF ------------------------------------------------------------------------------------


def write_pdf(table, *, title, subtitle, footer, empty_message):
    """The table as a landscape A4 PDF in a temporary file (rewound)."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    canvas = Canvas(output, pagesize=landscape(A4), pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(footer)
    writer = TableWriter(
        canvas,
        pagesize=landscape(A4),
        columns=[
            TableColumn(label, weight)
            for label, weight in zip(table.headers, table.widths, strict=True)
        ],
        title=title,
        subtitle=subtitle,
        footer=footer,
        page_label=_("page %(number)s"),
    )
    kinds = table.kinds
    writer.write_rows(
        [_pdf_text(value, kind, table) for value, kind in zip(row, kinds, strict=True)]
        for row in table.rows
    )
    writer.close(empty_message=empty_message)
    output.seek(0)
    return output


def _pdf_text(value, kind, table):
    if value is None or value == "":
        return ""
    if kind == DATETIME:
        return date_format(timezone.localtime(value, table.tz), _("d M Y H:i"))
    if kind == DATE:
        return value.isoformat()
    if kind == BOOL:
        return table.yes if value else ""
    return str(value)
