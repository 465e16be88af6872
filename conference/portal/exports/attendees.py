"""
The attendee list: the registrations an export's filters choose, read as
plain values (no model instances: at 50,000 rows, building them would cost
most of the time) through a server-side cursor, in chunks; the choices its
chooser offers; the registrations badges are printed for.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Registration
from conference.core.models import OrganisationKind
from conference.portal.exports.columns import (
    SIGNUP_COLUMNS,
    attendee_columns,
    confirmed_signups,
    labels_for,
    make_table,
)
from conference.portal.exports.params import ordering, registration_filter
from sessions_app.models import Session

CHUNK_SIZE = 2000

# The values a row is made of: a user's password hash never leaves the database.
ROW_FIELDS = [
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


def registrations_filtered(*, conference, params):
    """The registrations of `conference` that pass the export filters (any layout)."""
    registrations = Registration.objects.filter(registration_filter(params), conference=conference)
    if params.session:
        registrations = registrations.filter(
            Exists(
                confirmed_signups().filter(registration=OuterRef("pk"), session_id=params.session)
            )
        )
    return registrations


def _signups_filtered(*, conference, params):
    signups = confirmed_signups().filter(
        registration_filter(params, prefix=_PREFIX), session__conference=conference
    )
    if params.session:
        signups = signups.filter(session_id=params.session)
    return signups


def attendee_values(*, conference, params, registry=attendee_columns):
    """
    The rows of an attendee export as plain values, filtered and ordered,
    with the values of annotated columns. In the sign-ups layout there is one
    row per confirmed session sign-up, ordered by session time, with the
    session's title, start and room.
    """
    if params.layout == "signups":
        rows = _signups_filtered(conference=conference, params=params)
        outer = "registration_id"
        fields = [_PREFIX + name for name in ROW_FIELDS] + _SIGNUP_FIELDS
        order = [
            "session__starts_at",
            "session__title",
            "session_id",
            *ordering(params.order, prefix=_PREFIX),
        ]
    else:
        rows = registrations_filtered(conference=conference, params=params)
        outer = "pk"
        fields = list(ROW_FIELDS)
        order = ordering(params.order)
    for key in params.columns:
        column = registry[key]
        if column.annotate is not None:
            rows = rows.annotate(**{column.key: column.annotate(outer)})
            fields.append(column.key)
    return rows.order_by(*order).values(*fields)


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def attendee_rows(values, *, conference, layout, columns):
    """
    Row dicts from `attendee_values`, read from the database in chunks of
    CHUNK_SIZE through a server-side cursor; the loaders of `columns` fill
    each chunk (one query per chunk each; a loader shared by several columns
    runs once).
    """
    shared = dict.fromkeys(column.load for column in columns if column.load is not None)
    loaders = [load(conference) for load in shared]
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
        for load in loaders:
            load(chunk)
        yield from chunk


def attendee_table(*, conference, params, registry=attendee_columns):
    """
    The attendee list for `params`; counts its rows (one query) before any is
    read. `registry`: the columns the exporter may choose from
    (`attendee_columns_for`, as the chooser offered them).
    """
    chosen = [registry[key] for key in params.columns]
    columns = SIGNUP_COLUMNS + chosen if params.layout == "signups" else chosen
    values = attendee_values(conference=conference, params=params, registry=registry)
    count = values.order_by().count()
    labels = labels_for(conference)

    def rows():
        source = attendee_rows(values, conference=conference, layout=params.layout, columns=chosen)
        for row in source:
            yield [column.get(row, labels) for column in columns]

    return make_table(columns, rows(), count, conference)


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
        .order_by(*ordering(params.order))
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
