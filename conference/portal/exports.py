"""
Attendee exports, the security gate list and per-organisation meeting
schedules: what goes in them (reads, scoped to one conference) and how each
format is written.

One column registry (`ATTENDEE_COLUMNS`, `GATELIST_COLUMNS`) says for every
column its label, its type and how to read it from a registration; a
`Table` is the header plus a lazy iterator of typed rows; the writers turn a
table into CSV (streamed), XLSX (openpyxl write-only) or PDF (conference.core.pdf).

Memory stays flat whatever the row count: rows are plain values read through
a server-side cursor (`.iterator(chunk_size=2000)`; model instances would cost
most of the time at 50,000 rows), the per-person data that would otherwise be
one query per row is annotated (meeting counts) or read with one query per
chunk of rows (session sign-ups), and no writer keeps more than a buffer of
rows (XLSX and PDF are written to a temporary file, then sent). Everything a
row needs in the request's language or zone (labels, the conference's zone)
is worked out before the first row, because a streamed body is produced after
the view has returned.

Privacy: the meeting-count column is a count and nothing else (never whom
someone meets); ID document fields exist only in the gate list, and are
left out once the conference's retention period has passed or the data was
erased.
"""

import csv
import datetime
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from accounts.models import Registration
from b2b_meetings.models import Meeting, MeetingSeat
from conference.core.models import Organisation, OrganisationKind
from conference.core.pdf import TableColumn, TableWriter
from sessions_app.models import Session, SessionSignup

CHUNK_SIZE = 2000

TEXT = "text"
DATETIME = "datetime"
DATE = "date"
INT = "int"
BOOL = "bool"

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


# The column registry ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation
    kind: str
    width: int  # XLSX width in characters; the PDF's relative column width
    get: Callable
    # What the row source must load for this column, beyond the registration,
    # its user and its organisation: "sessions" or "meetings".
    needs: str = ""


@dataclass
class Labels:
    """Translations and the zone a table needs, fixed before the first row is written."""

    tz: datetime.tzinfo
    status: dict
    kind: dict
    id_type: dict
    hide_id_data: bool = False
    countries: dict = field(default_factory=dict)

    def country(self, code):
        """A country's name from its code, looked up once per export."""
        if not code:
            return ""
        if code not in self.countries:
            self.countries[code] = str(countries.name(code))
        return self.countries[code]


def _field(key):
    """A getter for one value of the row, e.g. "user__family_name"."""
    read = itemgetter(key)
    return lambda row, labels: read(row)


def _display_name(row, labels):
    # The same rule as User.display_name, on plain values.
    parts = [row["user__given_name"], row["user__family_name"]]
    if row["user__family_name_first"]:
        parts.reverse()
    return " ".join(part for part in parts if part) or row["user__email"]


def _kind(row, labels):
    return labels.kind.get(row["organisation__kind"], "")


def _country(row, labels):
    return labels.country(row["organisation__country"])


def _nationality(row, labels):
    return labels.country(row["nationality"])


def _status(row, labels):
    return labels.status.get(row["status"], row["status"])


def _sessions(row, labels):
    return "; ".join(row["sessions"])


def _id_field(key):
    def get(row, labels):
        if labels.hide_id_data or row["id_data_erased_at"]:
            return None
        value = row[key]
        if key == "id_document_type":
            return labels.id_type.get(value, value)
        return value

    return get


ATTENDEE_COLUMNS = {
    column.key: column
    for column in [
        Column("name", gettext_lazy("Name"), TEXT, 28, _display_name),
        Column("family_name", gettext_lazy("Family name"), TEXT, 18, _field("user__family_name")),
        Column("given_name", gettext_lazy("Given name"), TEXT, 18, _field("user__given_name")),
        Column("email", gettext_lazy("Email"), TEXT, 30, _field("user__email")),
        Column(
            "organisation", gettext_lazy("Organisation"), TEXT, 30, _field("organisation__name")
        ),
        Column("kind", gettext_lazy("Organisation kind"), TEXT, 20, _kind),
        Column("country", gettext_lazy("Country"), TEXT, 18, _country),
        Column("job_title", gettext_lazy("Job title"), TEXT, 26, _field("job_title")),
        Column("status", gettext_lazy("Status"), TEXT, 13, _status),
        Column("vip", gettext_lazy("VIP"), BOOL, 6, _field("is_vip")),
        Column("sessions", gettext_lazy("Sessions"), TEXT, 40, _sessions, needs="sessions"),
        Column(
            "meeting_count",
            gettext_lazy("B2B meetings"),
            INT,
            9,
            _field("meeting_count"),
            needs="meetings",
        ),
        Column("dietary_needs", gettext_lazy("Dietary needs"), TEXT, 28, _field("dietary_needs")),
        Column("access_needs", gettext_lazy("Access needs"), TEXT, 28, _field("access_needs")),
        Column("checked_in_at", gettext_lazy("Checked in"), DATETIME, 17, _field("checked_in_at")),
        Column("registered_at", gettext_lazy("Registered"), DATETIME, 17, _field("created_at")),
    ]
}
DEFAULT_COLUMNS = ["name", "organisation", "kind", "country", "status"]

# In the "one row per session sign-up" layout, these lead every row.
SIGNUP_COLUMNS = [
    Column("session", gettext_lazy("Session"), TEXT, 34, _field("session__title")),
    Column("session_starts", gettext_lazy("Starts"), DATETIME, 17, _field("session__starts_at")),
    Column("room", gettext_lazy("Room"), TEXT, 16, _field("session__room__name")),
]

GATELIST_COLUMNS = [
    Column("family_name", gettext_lazy("Family name"), TEXT, 20, _field("user__family_name")),
    Column("given_name", gettext_lazy("Given name"), TEXT, 20, _field("user__given_name")),
    Column("organisation", gettext_lazy("Organisation"), TEXT, 30, _field("organisation__name")),
    Column("nationality", gettext_lazy("Nationality"), TEXT, 18, _nationality),
    Column("id_type", gettext_lazy("ID document"), TEXT, 18, _id_field("id_document_type")),
    Column("id_number", gettext_lazy("Document number"), TEXT, 18, _id_field("id_document_number")),
    Column("id_expiry", gettext_lazy("Document expiry"), DATE, 14, _id_field("id_document_expiry")),
    Column("vip", gettext_lazy("VIP"), BOOL, 6, _field("is_vip")),
]

# Orderings: field paths from the registration; a trailing "*" sorts empty values last.
ORDERS = {
    "name": (gettext_lazy("Name"), ["user__family_name", "user__given_name", "pk"]),
    "organisation": (
        gettext_lazy("Organisation"),
        ["organisation__name", "user__family_name", "user__given_name", "pk"],
    ),
    "delegation": (
        gettext_lazy("Delegation (country, then organisation)"),
        ["organisation__country", "organisation__name", "user__family_name", "pk"],
    ),
    "kind": (
        gettext_lazy("Organisation kind"),
        ["organisation__kind", "organisation__name", "user__family_name", "pk"],
    ),
    "checked_in": (gettext_lazy("Arrival time"), ["checked_in_at*", "user__family_name", "pk"]),
    "registered": (gettext_lazy("Registration time"), ["created_at", "pk"]),
}


def _ordering(order, *, prefix=""):
    fields = []
    for path in ORDERS[order][1]:
        if path.endswith("*"):
            fields.append(F(prefix + path[:-1]).asc(nulls_last=True))
        else:
            fields.append(prefix + path)
    return fields


LAYOUTS = {
    "people": gettext_lazy("One row per person"),
    "signups": gettext_lazy("One row per session sign-up (for session rooms)"),
}


@dataclass
class ExportParams:
    """What an attendee export contains: the export page's query string, validated."""

    columns: list = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    status: list = field(default_factory=list)
    kind: list = field(default_factory=list)
    country: list = field(default_factory=list)
    session: int | None = None
    checked_in: str = ""  # "", "yes" or "no"
    vip: str = ""  # "", "yes" or "no"
    order: str = "name"
    layout: str = "people"

    def as_query(self):
        """A dict for a query string or a preset's params: lists stay lists, empties go."""
        query = {
            "columns": ",".join(self.columns),
            "status": self.status,
            "kind": self.kind,
            "country": self.country,
            "session": self.session or "",
            "checked_in": self.checked_in,
            "vip": self.vip,
            "order": self.order,
            "layout": self.layout,
        }
        return {key: value for key, value in query.items() if value not in ("", [], None)}

    def filters(self):
        """The filters alone, for the audit log."""
        query = self.as_query()
        for key in ("columns", "order", "layout"):
            query.pop(key, None)
        return query


def describe_filters(params, *, conference):
    """The filters in words, for the header of a printed list and the XLSX "Export" sheet."""
    parts = []
    if params.status:
        names = dict(Registration.Status.choices)
        parts.append(_("status: %s") % ", ".join(str(names[value]) for value in params.status))
    if params.kind:
        names = dict(OrganisationKind.choices)
        parts.append(_("kind: %s") % ", ".join(str(names[value]) for value in params.kind))
    if params.country:
        parts.append(_("country: %s") % ", ".join(countries.name(code) for code in params.country))
    if params.session:
        session = Session.objects.filter(conference=conference, pk=params.session).first()
        parts.append(_("session: %s") % (session.title if session else params.session))
    if params.checked_in:
        parts.append(_("checked in") if params.checked_in == "yes" else _("not checked in"))
    if params.vip:
        parts.append(_("VIPs only") if params.vip == "yes" else _("no VIPs"))
    return "; ".join(parts) or _("all registrations")


def column_choices():
    return [(key, column.label) for key, column in ATTENDEE_COLUMNS.items()]


def _labels(conference, *, hide_id_data=False):
    return Labels(
        tz=conference.tz,
        status={value: str(label) for value, label in Registration.Status.choices},
        kind={value: str(label) for value, label in OrganisationKind.choices},
        id_type={value: str(label) for value, label in Registration.IdDocumentType.choices},
        hide_id_data=hide_id_data,
    )


# Tables ---------------------------------------------------------------------------------


@dataclass
class Table:
    """A header and a lazy iterator of typed rows; `count` is known before the rows."""

    headers: list
    kinds: list
    widths: list
    rows: Iterator
    count: int
    tz: datetime.tzinfo
    yes: str = ""
    no: str = ""


def _header(column, tz_name):
    label = str(column.label)
    if column.kind == DATETIME:
        return _("%(label)s (%(zone)s)") % {"label": label, "zone": tz_name}
    return label


def _table(columns, rows, count, conference):
    return Table(
        headers=[_header(column, conference.time_zone) for column in columns],
        kinds=[column.kind for column in columns],
        widths=[column.width for column in columns],
        rows=rows,
        count=count,
        tz=conference.tz,
        yes=_("yes"),
        no=_("no"),
    )


def _registration_filter(params, *, prefix=""):
    """A Q over registrations (reached through `prefix`) for the export filters."""
    q = Q()
    if params.status:
        q &= Q(**{f"{prefix}status__in": params.status})
    if params.kind:
        q &= Q(**{f"{prefix}organisation__kind__in": params.kind})
    if params.country:
        q &= Q(**{f"{prefix}organisation__country__in": params.country})
    if params.checked_in:
        q &= Q(**{f"{prefix}checked_in_at__isnull": params.checked_in == "no"})
    if params.vip:
        q &= Q(**{f"{prefix}is_vip": params.vip == "yes"})
    return q


def _confirmed_signups():
    return SessionSignup.objects.filter(
        status=SessionSignup.Status.CONFIRMED, session__is_cancelled=False
    )


def _meeting_count(outer="pk"):
    """Active B2B meetings of the outer registration: a number, never who with."""
    seats = (
        MeetingSeat.objects.filter(registration=OuterRef(outer), is_active=True)
        .order_by()
        .values("registration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(seats), Value(0))


# The values a row is made of: a user's password hash never leaves the database.
_ROW_FIELDS = [
    "id",
    "status",
    "job_title",
    "is_vip",
    "dietary_needs",
    "access_needs",
    "checked_in_at",
    "created_at",
    "nationality",
    "id_document_type",
    "id_document_number",
    "id_document_expiry",
    "id_data_erased_at",
    "user__given_name",
    "user__family_name",
    "user__family_name_first",
    "user__email",
    "organisation__name",
    "organisation__kind",
    "organisation__country",
]
_SIGNUP_FIELDS = ["session__title", "session__starts_at", "session__room__name"]
_PREFIX = "registration__"


def registrations_filtered(*, conference, params):
    """The registrations of `conference` that pass the export filters (any layout)."""
    registrations = Registration.objects.filter(_registration_filter(params), conference=conference)
    if params.session:
        registrations = registrations.filter(
            Exists(
                _confirmed_signups().filter(registration=OuterRef("pk"), session_id=params.session)
            )
        )
    return registrations


def _signups_filtered(*, conference, params):
    signups = _confirmed_signups().filter(
        _registration_filter(params, prefix=_PREFIX), session__conference=conference
    )
    if params.session:
        signups = signups.filter(session_id=params.session)
    return signups


def attendee_values(*, conference, params):
    """
    The rows of an attendee export as plain values (no model instances: at
    50,000 rows, building them would cost most of the time), filtered and
    ordered; the meeting count annotated when a column needs it. In the
    sign-ups layout there is one row per confirmed session sign-up, ordered
    by session time, with the session's title, start and room.
    """
    needs = {ATTENDEE_COLUMNS[key].needs for key in params.columns}
    if params.layout == "signups":
        rows = _signups_filtered(conference=conference, params=params)
        if "meetings" in needs:
            rows = rows.annotate(meeting_count=_meeting_count("registration_id"))
        fields = [_PREFIX + name for name in _ROW_FIELDS] + _SIGNUP_FIELDS
        order = [
            "session__starts_at",
            "session__title",
            "session_id",
            *_ordering(params.order, prefix=_PREFIX),
        ]
    else:
        rows = registrations_filtered(conference=conference, params=params)
        if "meetings" in needs:
            rows = rows.annotate(meeting_count=_meeting_count())
        fields = list(_ROW_FIELDS)
        order = _ordering(params.order)
    if "meetings" in needs:
        fields.append("meeting_count")
    return rows.order_by(*order).values(*fields)


def _session_titles(registration_ids, titles):
    """{registration id: [titles of its confirmed sessions, in time order]}, one query."""
    by_registration = defaultdict(list)
    signups = (
        _confirmed_signups()
        .filter(registration_id__in=registration_ids)
        .order_by("session__starts_at", "pk")
        .values_list("registration_id", "session_id")
    )
    for registration_id, session_id in signups:
        by_registration[registration_id].append(titles[session_id])
    return by_registration


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def attendee_rows(values, *, conference, layout, sessions):
    """
    Row dicts from `attendee_values`, read from the database in chunks of
    CHUNK_SIZE through a server-side cursor; with `sessions`, each row gets
    its session titles, fetched with one query per chunk.
    """
    titles = {}
    if sessions:
        titles = dict(Session.objects.filter(conference=conference).values_list("pk", "title"))
    for chunk in _chunks(values.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        if layout == "signups":
            size = len(_PREFIX)
            chunk = [
                {
                    (key[size:] if key.startswith(_PREFIX) else key): value
                    for key, value in row.items()
                }
                for row in chunk
            ]
        if sessions:
            found = _session_titles([row["id"] for row in chunk], titles)
            for row in chunk:
                row["sessions"] = found.get(row["id"], [])
        yield from chunk


def attendee_table(*, conference, params):
    """The attendee list for `params`; counts its rows (one query) before any is read."""
    columns = [ATTENDEE_COLUMNS[key] for key in params.columns]
    if params.layout == "signups":
        columns = SIGNUP_COLUMNS + columns
    values = attendee_values(conference=conference, params=params)
    count = values.order_by().count()
    labels = _labels(conference)
    needs_sessions = "sessions" in params.columns

    def rows():
        source = attendee_rows(
            values, conference=conference, layout=params.layout, sessions=needs_sessions
        )
        for row in source:
            yield [column.get(row, labels) for column in columns]

    return _table(columns, rows(), count, conference)


def attendee_count(*, conference, params):
    if params.layout == "signups":
        return _signups_filtered(conference=conference, params=params).count()
    return registrations_filtered(conference=conference, params=params).count()


def badge_registrations(*, conference, params):
    """Registrations for badges, ordered like the export, with user and organisation joined."""
    return (
        registrations_filtered(conference=conference, params=params)
        .select_related("user", "organisation")
        .only(
            "badge_code",
            "job_title",
            "user__given_name",
            "user__family_name",
            "user__family_name_first",
            "user__email",
            "organisation__name",
            "organisation__kind",
        )
        .order_by(*_ordering(params.order))
    )


def session_choices(*, conference):
    """Sessions one can filter an export by: those people sign up for, in time order."""
    sessions = (
        Session.objects.filter(conference=conference, is_cancelled=False)
        .exclude(kind__in=[Session.Kind.BREAK, Session.Kind.B2B_BLOCK])
        .order_by("starts_at", "title")
        .only("pk", "title", "starts_at")
    )
    tz, fmt = conference.tz, _("d M H:i")
    return [
        (s.pk, f"{date_format(timezone.localtime(s.starts_at, tz), fmt)} · {s.title}")
        for s in sessions
    ]


def country_choices(*, conference):
    """Countries of the organisations registered at the conference, by name."""
    codes = (
        Registration.objects.filter(conference=conference, organisation__isnull=False)
        .exclude(organisation__country="")
        .values_list("organisation__country", flat=True)
        .distinct()
        .order_by()
    )
    return sorted(((code, countries.name(code)) for code in codes), key=lambda c: str(c[1]))


# The security gate list ----------------------------------------------------------------


def gatelist_table(*, conference, params, hide_id_data):
    """
    Approved delegates with nationality and ID document fields, by family
    name. `hide_id_data` (the retention period has passed) blanks the ID
    columns for everyone; a registration whose data was erased has none anyway.
    """
    values = (
        Registration.objects.filter(
            _registration_filter(params), conference=conference, status=Registration.Status.APPROVED
        )
        .order_by("user__family_name", "user__given_name", "pk")
        .values(*_ROW_FIELDS)
    )
    count = values.count()
    labels = _labels(conference, hide_id_data=hide_id_data)

    def rows():
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield [column.get(row, labels) for column in GATELIST_COLUMNS]

    return _table(GATELIST_COLUMNS, rows(), count, conference)


# Per-organisation meeting schedules -------------------------------------------------------


def organisations_with_meetings(*, conference):
    """Organisations whose delegates sit in active meetings, with how many meetings."""
    return (
        Organisation.objects.filter(
            registrations__conference=conference,
            registrations__meeting_seats__is_active=True,
        )
        .annotate(meeting_count=Count("registrations__meeting_seats__meeting", distinct=True))
        .order_by("name")
    )


def organisation_for_schedule(*, conference, organisation_id):
    """An organisation with delegates at the conference, or None."""
    return (
        Organisation.objects.filter(pk=organisation_id, registrations__conference=conference)
        .distinct()
        .first()
    )


def _person(registration):
    return registration.user.display_name


def organisation_meetings_table(*, conference, organisation, registration=None):
    """
    The active meetings any delegate of `organisation` sits in, in time order:
    when, where, who of the organisation attends and whom they meet. A
    closed-door document: organisers get any organisation's; a delegate only
    their own meetings (`registration`), since colleagues' meetings are not
    theirs to see.
    """
    seats = MeetingSeat.objects.filter(
        meeting=OuterRef("pk"), is_active=True, registration__organisation=organisation
    )
    if registration is not None:
        seats = seats.filter(registration=registration)
    meetings = (
        Meeting.objects.filter(
            Exists(seats),
            conference=conference,
            status=Meeting.Status.ACTIVE,
        )
        .select_related("slot", "table__room")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.filter(is_active=True)
                .select_related("registration__user", "registration__organisation")
                .order_by("registration__user__family_name", "pk"),
            )
        )
        .order_by("slot__starts_at", "table__label")
    )
    count = meetings.count()
    columns = [
        Column("starts", gettext_lazy("Starts"), DATETIME, 17, None),
        Column("ends", gettext_lazy("Ends"), DATETIME, 17, None),
        Column("table", gettext_lazy("Table"), TEXT, 10, None),
        Column("room", gettext_lazy("Room"), TEXT, 16, None),
        Column("ours", gettext_lazy("Our delegates"), TEXT, 34, None),
        Column("with", gettext_lazy("Meeting with"), TEXT, 44, None),
    ]

    def rows():
        for meeting in meetings.iterator(chunk_size=CHUNK_SIZE):
            ours, others = [], []
            for seat in meeting.seats.all():
                registration = seat.registration
                if registration.organisation_id == organisation.pk:
                    ours.append(_person(registration))
                elif registration.organisation_id:
                    others.append(f"{_person(registration)} ({registration.organisation.name})")
                else:
                    others.append(_person(registration))
            yield [
                meeting.slot.starts_at,
                meeting.slot.ends_at,
                meeting.table.label,
                meeting.table.room.name,
                ", ".join(ours),
                ", ".join(others),
            ]

    return _table(columns, rows(), count, conference)


# Writers --------------------------------------------------------------------------------


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


def export_filename(conference, what, extension, *, now=None):
    now = timezone.localtime(now or timezone.now(), conference.tz)
    return f"{conference.slug}-{what}-{now:%Y%m%d-%H%M}.{extension}"
