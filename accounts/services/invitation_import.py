"""
Invitations from a CSV file: parsing it (every bad row reported with its
line and reason) and creating the good rows' invitations, `queued` for the
bulk send (`invitation_jobs`).
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_countries import countries

from accounts.models import Invitation
from accounts.services.invitations import _taken_emails
from accounts.services.locking import _lock_conference
from accounts.services.organisations import _organisation_named
from conference.core.models import Organisation, OrganisationKind
from conference.core.services import audit_message, audit_record

# Limits of one CSV upload.
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 5000
# The longest address an invitation holds (validate_email allows up to 320).
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length


@dataclass
class RowError:
    line: int
    email: str
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list = field(default_factory=list)
    # A problem with the whole file (size, encoding, header): nothing imported.
    fatal: str = ""


COLUMN_ALIASES = {
    "email": {"email", "e-mail", "email address", "e-mail address", "mail"},
    "name": {"name", "full name", "fullname", "delegate"},
    "organisation": {"organisation", "organization", "company", "org"},
    "kind": {"kind", "organisation kind", "organization kind", "org kind", "type"},
    "country": {"country", "organisation country", "organization country"},
    "role": {"role"},
    "language": {"language", "lang", "email language"},
}


def _kind_lookup():
    lookup = {}
    for kind in OrganisationKind:
        lookup[kind.value] = kind.value
        lookup[str(kind.label).lower()] = kind.value
    lookup["car maker"] = OrganisationKind.OEM
    lookup["recycler"] = OrganisationKind.RECYCLER
    lookup["industry body"] = OrganisationKind.INDUSTRY_BODY
    return lookup


def _role_lookup():
    lookup = {"": Invitation.InvitedRole.DELEGATE}
    for role in Invitation.InvitedRole:
        lookup[role.value] = role.value
        lookup[str(role.label).lower()] = role.value
    return lookup


def _language_lookup():
    """Language codes by code, English name and own name ("ja", "japanese", "日本語")."""
    lookup = {}
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        for key in (code, info["name"], info["name_local"]):
            lookup[key.lower()] = code
    return lookup


def _country_code(value):
    if not value:
        return ""
    upper = value.upper()
    if len(upper) == 2 and countries.name(upper):
        return upper
    return countries.by_name(value) or None


def _decode(data):
    try:
        # utf-8-sig drops the byte-order mark Excel writes with "CSV UTF-8".
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _header_map(header):
    columns = {}
    for index, title in enumerate(header):
        title = title.strip().lower()
        for column, aliases in COLUMN_ALIASES.items():
            if title in aliases and column not in columns:
                columns[column] = index
    return columns


def invitation_csv_parse(data):
    """
    Read an invitations CSV (bytes) into (rows, report): rows of good data as
    dicts with their line numbers, and a report holding every bad row. The
    delimiter may be a comma or a semicolon (Excel in many locales) and the
    file may start with a UTF-8 byte-order mark. Nothing is written.
    """
    report = ImportReport()
    if len(data) > CSV_MAX_BYTES:
        report.fatal = _("The file is larger than %(size)s MB. Split it into smaller files.") % {
            "size": CSV_MAX_BYTES // (1024 * 1024)
        }
        return [], report
    text = _decode(data)
    # NUL is valid UTF-8 but never text (and PostgreSQL refuses it in strings).
    if text is None or "\x00" in text:
        report.fatal = _(
            "The file is not UTF-8 text. In your spreadsheet, choose “Save as” → “CSV UTF-8”."
        )
        return [], report
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        records = [(reader.line_num, values) for values in reader]
    except csv.Error:  # an unclosed quote running into a field over csv's size limit
        report.fatal = _(
            "The file could not be read as CSV near line %(line)s: check its quotation marks."
        ) % {"line": reader.line_num}
        return [], report
    columns = _header_map(header or [])
    if "email" not in columns:
        report.fatal = _(
            "The first line must name the columns, including “email”. "
            "Download the template to see the expected columns."
        )
        return [], report

    kinds, roles, languages = _kind_lookup(), _role_lookup(), _language_lookup()
    seen = {}
    rows = []

    def cell(values, column):
        index = columns.get(column)
        if index is None or index >= len(values):
            return ""
        return values[index].strip()

    for line, values in records:
        if not any(v.strip() for v in values):
            continue
        report.rows += 1
        if report.rows > CSV_MAX_ROWS:
            report.fatal = _(
                "The file has more than %(max)s rows. Split it into smaller files."
            ) % {"max": CSV_MAX_ROWS}
            return [], report
        email = cell(values, "email").lower()
        row = {
            "line": line,
            "email": email,
            "name": cell(values, "name")[:200],
            "organisation": cell(values, "organisation")[:200],
            "kind": "",
            "country": "",
            "role": "",
            "language": settings.LANGUAGE_CODE,
        }
        try:
            validate_email(email)
            if len(email) > EMAIL_MAX_LENGTH:
                raise ValidationError("too long")
        except ValidationError:
            report.errors.append(RowError(line, email, _("not a valid email address")))
            continue
        if email in seen:
            report.errors.append(
                RowError(line, email, _("duplicate of line %(line)s") % {"line": seen[email]})
            )
            continue
        seen[email] = line
        kind_text = cell(values, "kind")
        if kind_text:
            row["kind"] = kinds.get(kind_text.lower())
            if row["kind"] is None:
                report.errors.append(
                    RowError(
                        line,
                        email,
                        _("unknown organisation kind “%(kind)s” (use one of: %(kinds)s)")
                        % {"kind": kind_text, "kinds": ", ".join(OrganisationKind.values)},
                    )
                )
                continue
        country = _country_code(cell(values, "country"))
        if country is None:
            report.errors.append(
                RowError(
                    line,
                    email,
                    _("unknown country “%(country)s”") % {"country": cell(values, "country")},
                )
            )
            continue
        row["country"] = country
        role = roles.get(cell(values, "role").lower())
        if role is None:
            report.errors.append(
                RowError(
                    line,
                    email,
                    _("unknown role “%(role)s” (use one of: %(roles)s)")
                    % {
                        "role": cell(values, "role"),
                        "roles": ", ".join(Invitation.InvitedRole.values),
                    },
                )
            )
            continue
        row["role"] = role
        language_text = cell(values, "language")
        if language_text:
            row["language"] = languages.get(language_text.lower())
            if row["language"] is None:
                report.errors.append(
                    RowError(
                        line,
                        email,
                        _("unknown language “%(language)s” (use one of: %(languages)s)")
                        % {
                            "language": language_text,
                            "languages": ", ".join(code for code, _name in settings.LANGUAGES),
                        },
                    )
                )
                continue
        rows.append(row)
    return rows, report


def _organisations_for(rows, report):
    """
    {lower name: Organisation} for the organisations the rows name, creating
    those that do not exist yet (confirmed: staff uploaded them). A row naming
    a new organisation without its kind is moved to the report's errors.
    """
    names = {row["organisation"].lower() for row in rows if row["organisation"]}
    found = {
        org.name.lower(): org
        for org in Organisation.objects.annotate(lower_name=Lower("name")).filter(
            lower_name__in=names
        )
    }
    new = {}
    for row in list(rows):
        key = row["organisation"].lower()
        if not key or key in found or key in new:
            continue
        if not row["kind"]:
            report.errors.append(
                RowError(
                    row["line"],
                    row["email"],
                    _("organisation “%(name)s” is new: give its kind")
                    % {"name": row["organisation"]},
                )
            )
            rows.remove(row)
            continue
        new[key] = Organisation(
            name=row["organisation"], kind=row["kind"], country=row["country"], confirmed=True
        )
    if new:
        try:
            with transaction.atomic():
                Organisation.objects.bulk_create(new.values())
        except IntegrityError:
            # Python's lower() and the database's LOWER() disagree on a few
            # letters (final sigma, dotted capital I): a name may exist, or come
            # twice, under another key. Match each name as the constraint does.
            for key, organisation in new.items():
                existing = _organisation_named(organisation.name)
                if existing is None:
                    organisation.save()
                new[key] = existing or organisation
        found.update(new)
    return found


def invitation_import_csv(*, conference, actor, data):
    """
    Import invitations from a CSV file (bytes). Good rows become `queued`
    invitations (sent by `invitation_send_job_start`); every bad row is in the
    report with its line number and reason, and a row whose address is
    already invited or registered is refused, so importing the same file
    twice creates nothing the second time. One transaction under the
    conference lock, so two uploads cannot both create the same invitation.
    """
    rows, report = invitation_csv_parse(data)
    if report.fatal:
        return report
    with transaction.atomic():
        conference = _lock_conference(conference)
        taken = _taken_emails(conference, [row["email"] for row in rows])
        fresh = []
        for row in rows:
            if row["email"] in taken:
                report.errors.append(RowError(row["line"], row["email"], taken[row["email"]]))
            else:
                fresh.append(row)
        organisations = _organisations_for(fresh, report)
        invitations = [
            Invitation(
                conference=conference,
                email=row["email"],
                name=row["name"],
                organisation=organisations.get(row["organisation"].lower()),
                role=row["role"],
                language=row["language"],
                invited_by=actor,
            )
            for row in fresh
        ]
        Invitation.objects.bulk_create(invitations, batch_size=1000)
        report.created = len(invitations)
        report.errors.sort(key=lambda error: error.line)
        audit_record(
            actor=actor,
            conference=conference,
            action="invitation.import",
            summary=audit_message(
                gettext_noop("Imported %(created)s invitations (%(refused)s rows refused)"),
                created=report.created,
                refused=len(report.errors),
            ),
            data={"created": report.created, "refused": len(report.errors)},
        )
    return report
