"""
The column registry of the exports and the typed table the writers read.

A `Column` says its label, its type, its width and how to read its value from
a row (a dict of plain values: see `attendees.ROW_FIELDS`). A column whose
value is not a field of the registration, its user or its organisation says
how to get it without a query per row: an expression annotated on the rows
(`annotate`), or a loader that fills a chunk of rows with one query (`load`).

`attendee_columns` is the registry the attendee export, its chooser and the
presets read; other code adds a column with `register_attendee_column`, and
it is offered after the ones registered before it. Columns that exist per
conference (one per custom registration question) come from a *source*
registered with `register_attendee_column_source`: called once per request
with the conference and the roles of who exports, it returns the columns
that person may read; `attendee_columns_for` is the registry plus them.
Columns that share one loader (the same `load` object) are filled by one
query per chunk between them.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts.models import Registration
from b2b_meetings.models import MeetingSeat
from conference.core.models import OrganisationKind
from sessions_app.models import Session, SessionSignup

# Value types: they choose how each writer shows a value.
TEXT = "text"
DATETIME = "datetime"
DATE = "date"
INT = "int"
BOOL = "bool"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation
    kind: str
    width: int  # XLSX width in characters; the PDF's relative column width
    get: Callable  # (row, labels) -> value
    # An expression annotated on the rows as `key`, given the path from the row
    # to the registration's id ("pk", or "registration_id" for sign-up rows).
    annotate: Callable[[str], Any] | None = None
    # Called once per export with the conference; returns a function that
    # sets `row[key]` on every row of a chunk, with one query per chunk.
    load: Callable[[Any], Callable[[list], None]] | None = None


class ColumnRegistry:
    """Columns by key, in the order they were registered (the order the chooser offers)."""

    def __init__(self, columns=()):
        self._columns = {}
        for column in columns:
            self.register(column)

    def register(self, column):
        if column.key in self._columns:
            raise ValueError(f"An export column {column.key!r} is already registered.")
        self._columns[column.key] = column
        return column

    def __getitem__(self, key):
        return self._columns[key]

    def __contains__(self, key):
        return key in self._columns

    def __iter__(self):
        return iter(self._columns.values())

    def choices(self):
        """(key, label) of every column, for a form field (a callable: read when rendered)."""
        return [(column.key, column.label) for column in self]


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


def labels_for(conference, *, hide_id_data=False):
    return Labels(
        tz=conference.tz,
        status={value: str(label) for value, label in Registration.Status.choices},
        kind={value: str(label) for value, label in OrganisationKind.choices},
        id_type={value: str(label) for value, label in Registration.IdDocumentType.choices},
        hide_id_data=hide_id_data,
    )


# Getters --------------------------------------------------------------------------------


def value_of(key):
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


def _id_field(key):
    def get(row, labels):
        if labels.hide_id_data or row["id_data_erased_at"]:
            return None
        value = row[key]
        if key == "id_document_type":
            return labels.id_type.get(value, value)
        return value

    return get


# Values from the agenda and the B2B app -------------------------------------------------


def confirmed_signups():
    return SessionSignup.objects.filter(
        status=SessionSignup.Status.CONFIRMED, session__is_cancelled=False
    )


def _session_titles_loader(conference):
    """Each row's confirmed sessions in time order: a query per chunk (and one for titles)."""
    titles = dict(Session.objects.filter(conference=conference).values_list("pk", "title"))

    def load(chunk):
        found = defaultdict(list)
        signups = (
            confirmed_signups()
            .filter(registration_id__in=[row["id"] for row in chunk])
            .order_by("session__starts_at", "pk")
            .values_list("registration_id", "session_id")
        )
        for registration_id, session_id in signups:
            found[registration_id].append(titles[session_id])
        for row in chunk:
            row["sessions"] = found.get(row["id"], [])

    return load


def _sessions(row, labels):
    return "; ".join(str(title) for title in row["sessions"])


def _meeting_count(outer):
    """Active B2B meetings of the outer registration: a number, never who with."""
    seats = (
        MeetingSeat.objects.filter(registration=OuterRef(outer), is_active=True)
        .order_by()
        .values("registration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(seats), Value(0))


# The registries -------------------------------------------------------------------------

attendee_columns = ColumnRegistry(
    [
        Column("name", gettext_lazy("Name"), TEXT, 28, _display_name),
        Column("family_name", gettext_lazy("Family name"), TEXT, 18, value_of("user__family_name")),
        Column("given_name", gettext_lazy("Given name"), TEXT, 18, value_of("user__given_name")),
        Column("email", gettext_lazy("Email"), TEXT, 30, value_of("user__email")),
        Column(
            "organisation", gettext_lazy("Organisation"), TEXT, 30, value_of("organisation__name")
        ),
        Column("kind", gettext_lazy("Organisation kind"), TEXT, 20, _kind),
        Column("country", gettext_lazy("Country"), TEXT, 18, _country),
        Column("job_title", gettext_lazy("Job title"), TEXT, 26, value_of("job_title")),
        Column("status", gettext_lazy("Status"), TEXT, 13, _status),
        Column("vip", gettext_lazy("VIP"), BOOL, 6, value_of("is_vip")),
        Column(
            "sessions",
            gettext_lazy("Sessions"),
            TEXT,
            40,
            _sessions,
            load=_session_titles_loader,
        ),
        Column(
            "meeting_count",
            gettext_lazy("B2B meetings"),
            INT,
            9,
            value_of("meeting_count"),
            annotate=_meeting_count,
        ),
        Column("dietary_needs", gettext_lazy("Dietary needs"), TEXT, 28, value_of("dietary_needs")),
        Column("access_needs", gettext_lazy("Access needs"), TEXT, 28, value_of("access_needs")),
        Column(
            "checked_in_at", gettext_lazy("Checked in"), DATETIME, 17, value_of("checked_in_at")
        ),
        Column("registered_at", gettext_lazy("Registered"), DATETIME, 17, value_of("created_at")),
    ]
)
register_attendee_column = attendee_columns.register

# Callables (conference, roles) -> [Column]; see the module's docstring.
_attendee_column_sources = []


def register_attendee_column_source(source):
    _attendee_column_sources.append(source)
    return source


class ConferenceColumns(ColumnRegistry):
    """
    The registered columns, then the sources' columns for one conference and
    exporter. The sources are asked (a query each) only when a key is not a
    registered column or the whole list is read, so an export of registered
    columns alone costs no query more.
    """

    def __init__(self, base, *, conference, roles):
        super().__init__(base)
        self._source_args = {"conference": conference, "roles": roles}
        self._loaded = False

    def _load(self):
        if not self._loaded:
            self._loaded = True
            for source in _attendee_column_sources:
                for column in source(**self._source_args):
                    self.register(column)

    def __getitem__(self, key):
        if key not in self._columns:
            self._load()
        return self._columns[key]

    def __contains__(self, key):
        if key not in self._columns:
            self._load()
        return key in self._columns

    def __iter__(self):
        self._load()
        return super().__iter__()


def attendee_columns_for(*, conference, roles):
    """The columns `roles` may export at `conference` (see ConferenceColumns)."""
    return ConferenceColumns(attendee_columns, conference=conference, roles=roles)


DEFAULT_COLUMNS = ["name", "organisation", "kind", "country", "status"]

# In the "one row per session sign-up" layout, these lead every row.
SIGNUP_COLUMNS = [
    Column("session", gettext_lazy("Session"), TEXT, 34, value_of("session__title")),
    Column("session_starts", gettext_lazy("Starts"), DATETIME, 17, value_of("session__starts_at")),
    Column("room", gettext_lazy("Room"), TEXT, 16, value_of("session__room__name")),
]

GATELIST_COLUMNS = [
    Column("family_name", gettext_lazy("Family name"), TEXT, 20, value_of("user__family_name")),
    Column("given_name", gettext_lazy("Given name"), TEXT, 20, value_of("user__given_name")),
    Column("organisation", gettext_lazy("Organisation"), TEXT, 30, value_of("organisation__name")),
    Column("nationality", gettext_lazy("Nationality"), TEXT, 18, _nationality),
    Column("id_type", gettext_lazy("ID document"), TEXT, 18, _id_field("id_document_type")),
    Column("id_number", gettext_lazy("Document number"), TEXT, 18, _id_field("id_document_number")),
    Column("id_expiry", gettext_lazy("Document expiry"), DATE, 14, _id_field("id_document_expiry")),
    Column("vip", gettext_lazy("VIP"), BOOL, 6, value_of("is_vip")),
]


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


def make_table(columns, rows, count, conference):
    """A Table of `columns` over `rows`; times shown in the conference's zone."""
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
