"""
Writes of the accounts app: invitations (one, a CSV of many, bulk sending,
resend, revoke, expiry, reminders), accepting an invitation, and the
registration workflow (pending → approved / waitlisted / rejected, withdrawn).

Each public function runs in one transaction, except the bulk and sweep
ones, which say how they split their work. Every email is an outbox row
written in the transaction that causes it (`conference.core.services.email_queue`,
or `email_queue_many` for a bulk send); every registration status change is
in the audit log and emails the delegate.

Locks, always in this order so that two writers never wait on each other:
the conference row (serialises capacity decisions and imports of one
conference), then invitation or registration rows.
"""

import csv
import datetime
import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Invitation, Registration, User
from conference.core.errors import DomainError
from conference.core.models import (
    Conference,
    ConferenceRole,
    Job,
    Organisation,
    OrganisationKind,
)
from conference.core.services import audit_record, email_queue, email_queue_many

logger = logging.getLogger(__name__)

# An invitation can be used for this long after it was (last) sent, and never
# after registration closes.
INVITATION_VALID_DAYS = 30
# One reminder, this long after the invitation, to invitees who have not registered.
REMINDER_AFTER = timedelta(days=7)
# Limits of one CSV upload.
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 5000
# The longest address an invitation holds (validate_email allows up to 320).
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length
# Invitations emailed per transaction by the bulk-send job (one progress step).
SEND_BATCH = 200
# Upper bound of rows one sweep touches, so a sweep stays short.
SWEEP_LIMIT = 500

JOB_INVITATIONS_SEND = "invitations.send"
# A bulk-send job still queued after this long lost its task (see the sweep).
JOB_RESUME_AFTER = timedelta(minutes=2)

# Invitation statuses that block a new invitation to the same address.
TAKEN_STATUSES = [*Invitation.LIVE_STATUSES, Invitation.Status.ACCEPTED]


class InvitationError(DomainError):
    """A refused invitation action; the message is for the organiser or invitee."""


class RegistrationError(DomainError):
    """A refused registration action; the message is for the person who tried it."""


# Invitations ------------------------------------------------------------------


def _expiry(conference, now):
    expires = now + timedelta(days=INVITATION_VALID_DAYS)
    if conference.registration_closes_at and conference.registration_closes_at < expires:
        expires = conference.registration_closes_at
    return expires


def _accept_url(invitation):
    return settings.SITE_ROOT + reverse("invitation", args=[invitation.token])


def _expires_label(conference, expires_at, language):
    """
    When an invitation link expires, in the conference's zone and the
    invitation's language (invitees have no account yet). Formatted once per
    batch and language of a bulk send rather than once per email.
    """
    if expires_at is None:
        return ""
    with translation.override(language):
        return date_format(timezone.localtime(expires_at, conference.tz), "j F Y, H:i")


def _invitation_message(invitation, now, expires_label=None):
    """
    The invitation email of `invitation` (as email_queue arguments), which is
    marked sent (the caller saves it). The dedup key counts sends, so a
    resend is a new message while a retried batch finds the one it wrote.
    """
    invitation.send_count += 1
    invitation.expires_at = _expiry(invitation.conference, now)
    invitation.sent_at = now
    if invitation.status == Invitation.Status.QUEUED:
        invitation.status = Invitation.Status.SENT
    if expires_label is None:
        expires_label = _expires_label(
            invitation.conference, invitation.expires_at, invitation.language
        )
    return {
        "recipient": invitation.email,
        "language": invitation.language,
        "template": "invitation",
        "context": {
            "invitation": invitation,
            "accept_url": _accept_url(invitation),
            "expires_label": expires_label,
        },
        "kind": "invitation",
        "dedup_key": Invitation.email_dedup_key(invitation.pk, invitation.send_count),
    }


def _queue_invitation_email(invitation, now):
    email_queue(conference=invitation.conference, **_invitation_message(invitation, now))


SEND_FIELDS = ["status", "sent_at", "expires_at", "send_count"]


def _lock_conference(conference):
    # NO KEY UPDATE: it serialises the conference's lockers without blocking
    # the key-share checks of every row written that refers to the conference
    # (audit entries, emails), which would deadlock with row locks held there.
    return Conference.objects.select_for_update(no_key=True).get(pk=conference.pk)


def _taken_emails(conference, emails):
    """The addresses among `emails` (lower case) already invited or registered here."""
    taken = {}
    for email in (
        Invitation.objects.filter(conference=conference, status__in=TAKEN_STATUSES)
        .annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    ):
        taken[email] = _("already invited")
    for email in (
        Registration.objects.filter(conference=conference)
        .annotate(lower_email=Lower("user__email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    ):
        taken.setdefault(email, _("already registered"))
    return taken


def invitation_create(
    *,
    conference,
    actor,
    email,
    name="",
    organisation=None,
    role=Invitation.InvitedRole.DELEGATE,
    language=settings.LANGUAGE_CODE,
):
    """
    Invite one person and queue the invitation email (in `language`). Refuses (InvitationError)
    an address that already has a live or accepted invitation here, or a
    registration; the partial unique constraint backs this under contention.
    """
    email = email.strip().lower()
    now = timezone.now()
    try:
        with transaction.atomic():
            conference = _lock_conference(conference)
            reason = _taken_emails(conference, [email]).get(email)
            if reason:
                raise InvitationError(
                    _("%(email)s: %(reason)s.") % {"email": email, "reason": reason}
                )
            invitation = Invitation.objects.create(
                conference=conference,
                email=email,
                name=name.strip(),
                organisation=organisation,
                role=role,
                language=language,
                invited_by=actor,
            )
            _queue_invitation_email(invitation, now)
            invitation.save(update_fields=SEND_FIELDS)
            audit_record(
                actor=actor,
                conference=conference,
                action="invitation.create",
                obj=invitation,
                summary=f"Invited {email} ({role})",
            )
    except IntegrityError as exc:
        raise InvitationError(_("%(email)s: already invited.") % {"email": email}) from exc
    return invitation


# CSV import


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
            summary=f"Imported {report.created} invitations ({len(report.errors)} rows refused)",
            data={"created": report.created, "refused": len(report.errors)},
        )
    return report


# Bulk sending


def invitation_send_job_start(*, conference, actor):
    """
    Start the background job that emails every queued invitation of the
    conference, or return the one already queued or running.
    """
    from accounts.tasks import invitations_send
    from conference.core.tasks import enqueue

    with transaction.atomic():
        conference = _lock_conference(conference)
        job = Job.objects.filter(
            conference=conference,
            kind=JOB_INVITATIONS_SEND,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        ).first()
        if job is not None:
            return job
        total = Invitation.objects.filter(
            conference=conference, status=Invitation.Status.QUEUED
        ).count()
        job = Job.objects.create(
            conference=conference,
            kind=JOB_INVITATIONS_SEND,
            total=total,
            created_by=actor,
            message=_("Waiting for a worker…"),
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="invitation.send_all",
            obj=job,
            summary=f"Started sending {total} invitations",
        )
        enqueue(invitations_send, job.pk)
    return job


def invitation_send_job_run(*, job_id):
    """
    Run a bulk-send job: email the conference's queued invitations in batches
    of SEND_BATCH, one transaction per batch, recording progress after each.
    Safe to run again after a crash (the task is `acks_late`): only invitations
    still `queued` are sent, and each email's dedup key stops a second copy.
    Stops between batches when cancellation was requested.
    """
    job = Job.objects.select_related("conference").get(pk=job_id)
    if job.status not in (Job.Status.QUEUED, Job.Status.RUNNING):
        return job
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, message=_("Sending…"))
    conference = job.conference
    queued = Invitation.objects.filter(conference=conference, status=Invitation.Status.QUEUED)
    try:
        while True:
            if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                return _job_finish(job, Job.Status.CANCELLED, _("Cancelled."))
            with transaction.atomic():
                batch = list(
                    queued.select_for_update(skip_locked=True, of=("self",))
                    .select_related("conference", "organisation")
                    .order_by("pk")[:SEND_BATCH]
                )
                if not batch:
                    break
                now = timezone.now()
                expires_at = _expiry(conference, now)
                labels = {
                    language: _expires_label(conference, expires_at, language)
                    for language in {i.language for i in batch}
                }
                email_queue_many(
                    messages=[_invitation_message(i, now, labels[i.language]) for i in batch],
                    conference=conference,
                )
                # One statement for the batch: every row got the same values
                # (the dedup keys above used each row's own count).
                Invitation.objects.filter(pk__in=[i.pk for i in batch]).update(
                    status=Invitation.Status.SENT,
                    sent_at=now,
                    expires_at=batch[0].expires_at,
                    send_count=F("send_count") + 1,
                )
                # The batch is no longer queued: what remains is still to do.
                Job.objects.filter(pk=job.pk).update(
                    done=F("done") + len(batch),
                    total=F("done") + len(batch) + queued.count(),
                )
    except Exception:
        logger.exception("Invitation job %s failed", job.pk)
        _job_finish(job, Job.Status.FAILED, _("Stopped by an error; the rest stay queued."))
        raise
    job.refresh_from_db(fields=["done"])
    return _job_finish(
        job,
        Job.Status.DONE,
        _("%(count)s invitations queued for delivery.") % {"count": job.done},
    )


def invitation_send_jobs_resume(*, now=None):
    """
    Beat sweep: enqueue again the bulk-send jobs still `queued` a while after
    they were started, whose task the broker never got (it was down). Running
    a job twice is harmless (see `invitation_send_job_run`). Returns their ids.
    """
    from accounts.tasks import invitations_send
    from conference.core.tasks import enqueue

    now = now or timezone.now()
    stale = list(
        Job.objects.filter(
            kind=JOB_INVITATIONS_SEND,
            status=Job.Status.QUEUED,
            created_at__lte=now - JOB_RESUME_AFTER,
        ).values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for job_id in stale:
        enqueue(invitations_send, job_id)
    return stale


def _job_finish(job, status, message):
    Job.objects.filter(pk=job.pk).update(
        status=status, message=message[:300], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


# One invitation


def invitation_resend(*, invitation, actor):
    """
    Email the invitation again with a fresh expiry. An expired invitation is
    revived unless the address has been invited again since. Revoked and
    accepted invitations cannot be resent.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("conference")
                .get(pk=invitation.pk)
            )
            if invitation.status in (Invitation.Status.REVOKED, Invitation.Status.ACCEPTED):
                raise InvitationError(
                    _("A %(status)s invitation cannot be resent.")
                    % {"status": invitation.get_status_display().lower()}
                )
            if invitation.status == Invitation.Status.EXPIRED:
                invitation.status = Invitation.Status.SENT
            _queue_invitation_email(invitation, now)
            invitation.reminded_at = None
            invitation.save(update_fields=[*SEND_FIELDS, "reminded_at"])
            audit_record(
                actor=actor,
                conference=invitation.conference,
                action="invitation.resend",
                obj=invitation,
                summary=f"Resent the invitation to {invitation.email}",
            )
    except IntegrityError as exc:
        raise InvitationError(
            _("%(email)s has been invited again since; resend that invitation instead.")
            % {"email": invitation.email}
        ) from exc
    return invitation


def invitation_revoke(*, invitation, actor):
    """Make a live invitation unusable. Accepted ones stay (withdraw the registration)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status not in Invitation.LIVE_STATUSES:
            raise InvitationError(
                _("Only a queued, sent or opened invitation can be revoked; this one is %(s)s.")
                % {"s": invitation.get_status_display().lower()}
            )
        invitation.status = Invitation.Status.REVOKED
        invitation.save(update_fields=["status"])
        audit_record(
            actor=actor,
            conference=invitation.conference,
            action="invitation.revoke",
            obj=invitation,
            summary=f"Revoked the invitation to {invitation.email}",
        )
    return invitation


def invitation_open(*, invitation):
    """Record that the link was followed (first time only; a single UPDATE)."""
    Invitation.objects.filter(
        pk=invitation.pk, status__in=[Invitation.Status.QUEUED, Invitation.Status.SENT]
    ).update(status=Invitation.Status.OPENED, opened_at=timezone.now())


def invitation_lock_usable(*, token):
    """The invitation of `token`, locked, if it can still be accepted; else None."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("conference")
        .filter(token=token)
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def email_address_release(*, email):
    """
    Free `email` for the person whom an invitation to it proves to own it:
    other accounts' unverified copies of it are deleted, and an account that
    logs in with it without having verified it goes back to an address it
    did verify. An account that holds it (selectors.email_address_is_held)
    keeps it. Call under the invitation's lock, in the sign-up's transaction.
    """
    EmailAddress.objects.filter(email__iexact=email, verified=False).delete()
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    squatters = (
        User.objects.filter(email__iexact=email)
        .filter(Exists(verified))
        .exclude(Exists(verified.filter(email__iexact=email)))
    )
    for user in squatters:
        other_login = User.objects.filter(email__iexact=OuterRef("email")).exclude(pk=user.pk)
        fallback = (
            user.emailaddress_set.filter(verified=True)
            .exclude(Exists(other_login))
            .order_by("-primary", "pk")
            .first()
        )
        if fallback is None:
            continue
        EmailAddress.objects.filter(user=user).exclude(pk=fallback.pk).update(primary=False)
        EmailAddress.objects.filter(pk=fallback.pk).update(primary=True)
        User.objects.filter(pk=user.pk).update(email=fallback.email.lower())
        audit_record(
            actor=None,
            action="user.email_released",
            obj=user,
            summary=f"{email} went to its invitee; the account logs in with {fallback.email}",
        )


def invitation_accept(*, token, user):
    """
    Bind the invitation of `token` to `user`, who must own the invited
    address. Marks the address verified (the link came to that mailbox) and
    grants the invited staff role. Locks the invitation row, so of two
    simultaneous acceptances one wins and the other gets InvitationError.
    """
    with transaction.atomic():
        invitation = invitation_lock_usable(token=token)
        if invitation is None:
            raise InvitationError(_("This invitation can no longer be used."))
        if invitation.email.lower() != user.email.lower():
            raise InvitationError(
                _("This invitation is for %(email)s.") % {"email": invitation.email}
            )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
        if invitation.role != Invitation.InvitedRole.DELEGATE:
            ConferenceRole.objects.get_or_create(
                conference=invitation.conference, user=user, role=invitation.role
            )
        if not user.given_name and not user.family_name and invitation.name:
            given, _sep, family = invitation.name.partition(" ")
            user.given_name, user.family_name = given[:100], family[:100]
            user.save(update_fields=["given_name", "family_name"])
        audit_record(
            actor=user,
            conference=invitation.conference,
            action="invitation.accept",
            obj=invitation,
            summary=f"{user.email} accepted the invitation ({invitation.role})",
        )
    return invitation


def invitation_sweep(*, now=None):
    """
    Beat sweep: mark live invitations past their expiry `expired`, and send
    one reminder to invitees who have not registered a week after the
    invitation (dedup key per invitation, so a reminder is sent once).
    Returns (expired, reminded).
    """
    now = now or timezone.now()
    expired = Invitation.objects.filter(
        status__in=Invitation.LIVE_STATUSES, expires_at__lte=now
    ).update(status=Invitation.Status.EXPIRED)

    reminded = 0
    due = (
        Invitation.objects.filter(
            status__in=[*Invitation.LIVE_STATUSES, Invitation.Status.ACCEPTED],
            sent_at__lte=now - REMINDER_AFTER,
            reminded_at__isnull=True,
            conference__end_date__gte=timezone.localdate(now),
        )
        .exclude(
            Exists(
                Registration.objects.filter(
                    conference=OuterRef("conference"), user=OuterRef("accepted_by")
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for invitation_id in list(due):
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("conference")
                .filter(pk=invitation_id, reminded_at__isnull=True)
                .first()
            )
            if invitation is None:
                continue
            if invitation.status == Invitation.Status.ACCEPTED:
                link = settings.SITE_ROOT + reverse(
                    "accounts:register", args=[invitation.conference.slug]
                )
            else:
                link = _accept_url(invitation)
            email_queue(
                recipient=invitation.email,
                template="invitation_reminder",
                context={
                    "invitation": invitation,
                    "accept_url": link,
                    "expires_label": _expires_label(
                        invitation.conference, invitation.expires_at, invitation.language
                    ),
                },
                # An account's own choice wins once there is one.
                language=(invitation.accepted_by.language if invitation.accepted_by else None)
                or invitation.language,
                kind="invitation_reminder",
                dedup_key=f"invitation:{invitation.pk}:reminder",
                conference=invitation.conference,
                user=invitation.accepted_by,
            )
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at"])
            reminded += 1
    return expired, reminded


# Registration -----------------------------------------------------------------

REGISTRATION_FIELDS = [
    "organisation",
    "job_title",
    "nationality",
    "id_document_type",
    "id_document_number",
    "id_document_expiry",
    "dietary_needs",
    "access_needs",
    "directory_consent",
    "directory_contact",
]

# Who may move a registration from which statuses to which.
ORGANISER_TRANSITIONS = {
    Registration.Status.APPROVED: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.REJECTED,
    },
    Registration.Status.WAITLISTED: {Registration.Status.PENDING},
    Registration.Status.REJECTED: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.APPROVED,
    },
}
DELEGATE_TRANSITIONS = {
    Registration.Status.WITHDRAWN: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.APPROVED,
    },
}


def _approved_count(conference):
    return Registration.objects.filter(
        conference=conference, status=Registration.Status.APPROVED
    ).count()


def _is_full(conference):
    return conference.capacity is not None and _approved_count(conference) >= conference.capacity


def _organisation_named(name):
    """The organisation called `name`, compared as `organisation_name_unique_ci` compares."""
    return (
        Organisation.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name=Lower(Value(name)))
        .first()
    )


def _organisation_from(*, organisation, new_organisation):
    """
    The chosen organisation, or the proposed one: an existing organisation of
    that name (case-insensitive), else a new unconfirmed one for staff to confirm.
    """
    if organisation is not None or not new_organisation:
        return organisation
    name = new_organisation["name"].strip()
    existing = _organisation_named(name)
    if existing is not None:
        return existing
    with transaction.atomic():
        try:
            return Organisation.objects.create(
                name=name,
                kind=new_organisation["kind"],
                country=new_organisation.get("country", ""),
                confirmed=False,
            )
        except IntegrityError:
            pass
    return _organisation_named(name)


def _notify(registration, actor, previous):
    """Audit a status change and email the delegate about it (same transaction)."""
    entry = audit_record(
        actor=actor,
        conference=registration.conference,
        action=f"registration.{registration.status}",
        obj=registration,
        summary=f"{registration.user.email}: {previous or 'new'} → {registration.status}",
        data={"from": previous, "to": registration.status},
    )
    email_queue(
        recipient=registration.user.email,
        template="registration_status",
        context={
            "registration": registration,
            "previous": previous,
            "register_url": settings.SITE_ROOT
            + reverse("accounts:register", args=[registration.conference.slug]),
        },
        kind=f"registration_{registration.status}",
        dedup_key=f"registration:{registration.pk}:{registration.status}:{entry.pk}",
        conference=registration.conference,
        user=registration.user,
    )


def _set_status(registration, status, actor):
    previous = registration.status
    registration.status = status
    registration.status_changed_at = timezone.now()
    registration.save(update_fields=["status", "status_changed_at", "updated_at"])
    _notify(registration, actor, previous)


def _promote_waitlisted(conference, actor, seats):
    """Approve up to `seats` people from the waiting list, first come first served."""
    if seats <= 0 or not conference.promote_from_waitlist:
        return []
    promoted = list(
        Registration.objects.select_for_update(of=("self",))
        .select_related("user", "conference")
        .filter(conference=conference, status=Registration.Status.WAITLISTED)
        .order_by("status_changed_at", "pk")[:seats]
    )
    for registration in promoted:
        _set_status(registration, Registration.Status.APPROVED, actor)
    return promoted


def _free_seats(conference):
    if conference.capacity is None:
        return 0
    return max(0, conference.capacity - _approved_count(conference))


def registration_can_register(*, conference, user):
    """Invitation-only: an accepted delegate invitation to this conference."""
    return Invitation.objects.filter(
        conference=conference,
        accepted_by=user,
        status=Invitation.Status.ACCEPTED,
    ).exists()


def _user_name_set(user, given_name, family_name, family_name_first):
    """The person's name, and (unless None: unchanged) whether the family name comes first."""
    user.given_name, user.family_name = given_name, family_name
    if family_name_first is not None:
        user.family_name_first = family_name_first
    user.save(update_fields=["given_name", "family_name", "family_name_first"])


def registration_create(
    *,
    conference,
    user,
    given_name,
    family_name,
    family_name_first=None,
    new_organisation=None,
    **fields,
):
    """
    Register `user` (who holds an accepted invitation) at the conference, or
    register again after withdrawing. Status: waitlisted when the approved
    delegates fill the capacity, else approved when the conference approves
    automatically, else pending. Locks the conference row so two registrations
    cannot take the last seat. Emails the delegate; audited.
    """
    with transaction.atomic():
        conference = _lock_conference(conference)
        if not conference.registration_is_open():
            raise RegistrationError(_("Registration is closed."))
        if not registration_can_register(conference=conference, user=user):
            raise RegistrationError(_("Registration is by invitation only."))
        registration = (
            Registration.objects.select_for_update()
            .filter(conference=conference, user=user)
            .first()
        )
        if registration is not None and registration.status != Registration.Status.WITHDRAWN:
            raise RegistrationError(_("You are already registered."))
        if _is_full(conference):
            status = Registration.Status.WAITLISTED
        elif conference.auto_approve:
            status = Registration.Status.APPROVED
        else:
            status = Registration.Status.PENDING
        fields["organisation"] = _organisation_from(
            organisation=fields.get("organisation"), new_organisation=new_organisation
        )
        previous = registration.status if registration else None
        registration = registration or Registration(conference=conference, user=user)
        for name, value in fields.items():
            setattr(registration, name, value)
        registration.status = status
        registration.status_changed_at = timezone.now()
        registration.privacy_accepted_at = timezone.now()
        registration.deletion_requested_at = None
        registration.save()
        _user_name_set(user, given_name, family_name, family_name_first)
        _notify(registration, user, previous)
    return registration


def registration_update(
    *,
    registration,
    actor,
    given_name,
    family_name,
    family_name_first=None,
    new_organisation=None,
    **fields,
):
    """
    Save a delegate's changed details (no status change, no email). Refused
    once the organisers have locked registration details.
    """
    with transaction.atomic():
        # The registration row alone: locking the joined conference too would
        # take it after the registration, the reverse of registration_transition.
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("conference", "user")
            .get(pk=registration.pk)
        )
        if registration.conference.registration_locked:
            raise RegistrationError(
                _("The organisers have locked registration details. Please contact them.")
            )
        if registration.status == Registration.Status.WITHDRAWN:
            raise RegistrationError(_("You have withdrawn; register again instead."))
        fields["organisation"] = _organisation_from(
            organisation=fields.get("organisation"), new_organisation=new_organisation
        )
        changed = sorted(
            name for name, value in fields.items() if getattr(registration, name) != value
        )
        for name, value in fields.items():
            setattr(registration, name, value)
        registration.save()
        user = registration.user
        _user_name_set(user, given_name, family_name, family_name_first)
        audit_record(
            actor=actor,
            conference=registration.conference,
            action="registration.update",
            obj=registration,
            summary=f"{user.email} updated their details",
            # Names of changed fields only: values may be ID document data.
            data={"fields": changed},
        )
    return registration


def registration_transition(*, registration, to, actor, by_delegate=False):
    """
    Move a registration to status `to`, if the move is allowed for who asks
    (organiser, or the delegate withdrawing). Approving needs a free seat.
    When an approved delegate leaves, the first on the waiting list is
    approved, if the conference promotes. Locks the conference row, then the
    registration. Every change emails the delegate and is audited.
    """
    allowed = DELEGATE_TRANSITIONS if by_delegate else ORGANISER_TRANSITIONS
    with transaction.atomic():
        conference = _lock_conference(registration.conference)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user", "conference")
            .get(pk=registration.pk)
        )
        if registration.status not in allowed.get(to, set()):
            raise RegistrationError(
                _("A %(current)s registration cannot be changed to %(to)s.")
                % {
                    "current": registration.get_status_display().lower(),
                    "to": Registration.Status(to).label.lower(),
                }
            )
        if to == Registration.Status.APPROVED and _is_full(conference):
            raise RegistrationError(
                _(
                    "The conference is full (%(capacity)s approved). Raise the capacity or "
                    "put this registration on the waiting list."
                )
                % {"capacity": conference.capacity}
            )
        leaving = registration.status == Registration.Status.APPROVED
        _set_status(registration, to, actor)
        if leaving:
            _promote_waitlisted(conference, actor, _free_seats(conference))
    return registration


def registration_bulk_transition(*, conference, registration_ids, to, actor):
    """
    Apply `registration_transition` to several registrations of the
    conference. Returns (changed, [(registration, reason), ...] refused).
    Each change is its own transaction, so one refusal does not undo the rest.
    """
    changed, refused = [], []
    registrations = (
        Registration.objects.filter(conference=conference, pk__in=registration_ids)
        .select_related("user", "conference")
        .order_by("status_changed_at", "pk")
    )
    for registration in registrations:
        try:
            changed.append(registration_transition(registration=registration, to=to, actor=actor))
        except RegistrationError as exc:
            refused.append((registration, str(exc)))
    return changed, refused


def registration_confirm_organisation(*, registration, actor):
    """Confirm the organisation a delegate proposed, so it shows in the directory."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=registration.organisation_id)
        if organisation.confirmed:
            return organisation
        organisation.confirmed = True
        organisation.save(update_fields=["confirmed"])
        audit_record(
            actor=actor,
            conference=registration.conference,
            action="organisation.confirm",
            obj=registration,
            summary=f"Confirmed the organisation {organisation.name}",
        )
    return organisation


def registration_request_deletion(*, registration, actor):
    """
    Record the delegate's request to delete their data, tell the delegate it
    was received, and leave it for the organisers (it shows on the
    registrations page). Asking twice changes nothing.
    """
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user", "conference")
            .get(pk=registration.pk)
        )
        if registration.deletion_requested_at is not None:
            return registration
        registration.deletion_requested_at = timezone.now()
        registration.save(update_fields=["deletion_requested_at", "updated_at"])
        entry = audit_record(
            actor=actor,
            conference=registration.conference,
            action="registration.deletion_requested",
            obj=registration,
            summary=f"{registration.user.email} asked for their data to be deleted",
        )
        email_queue(
            recipient=registration.user.email,
            template="registration_deletion",
            context={"registration": registration},
            kind="registration_deletion",
            dedup_key=f"registration:{registration.pk}:deletion:{entry.pk}",
            conference=registration.conference,
            user=registration.user,
        )
    return registration


def registration_settings_update(
    *, conference, actor, capacity, auto_approve, promote_from_waitlist, registration_locked
):
    """
    Change the conference's registration policy. Raising the capacity
    approves people from the waiting list when the conference promotes.
    """
    with transaction.atomic():
        conference = _lock_conference(conference)
        conference.capacity = capacity
        conference.auto_approve = auto_approve
        conference.promote_from_waitlist = promote_from_waitlist
        conference.registration_locked = registration_locked
        conference.save(
            update_fields=[
                "capacity",
                "auto_approve",
                "promote_from_waitlist",
                "registration_locked",
            ]
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="registration.settings",
            obj=conference,
            summary="Changed the registration settings",
            data={
                "capacity": capacity,
                "auto_approve": auto_approve,
                "promote_from_waitlist": promote_from_waitlist,
                "registration_locked": registration_locked,
            },
        )
        if conference.capacity is not None:
            _promote_waitlisted(conference, actor, _free_seats(conference))
    return conference


def user_language_set(*, user, language):
    """
    Remember `language` on the user: after login their pages are in it, and so
    are the emails written to them. An unknown language code is ignored.
    """
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    return user


# ID document data retention ----------------------------------------------------------------

# Audit action of the purge, read back by the gate-list page.
ID_DATA_ERASED = "gatelist.id_data_erased"


def id_retention_deadline(conference):
    """When ID document data must be gone: `id_retention_days` after the conference's last day."""
    day_after = conference.end_date + datetime.timedelta(days=1)
    end = datetime.datetime.combine(day_after, datetime.time.min, tzinfo=conference.tz)
    return end + datetime.timedelta(days=conference.id_retention_days)


def id_data_expired(conference, *, now=None):
    return (now or timezone.now()) >= id_retention_deadline(conference)


def id_data_purge(*, now=None):
    """
    Erase the ID document fields (type, number, expiry) of every registration
    of each conference whose retention period is over, and mark them erased.
    One transaction and one audit entry (with the count) per conference.
    Idempotent: erased registrations are not touched again, so a conference
    whose data is gone costs the sweep nothing. Returns the number erased.
    """
    now = now or timezone.now()
    # Only conferences that ended before today (UTC) can be due; the exact
    # deadline is in each conference's own zone.
    candidates = Conference.objects.filter(
        end_date__lt=now.date(),
        registrations__id_data_erased_at__isnull=True,
    ).distinct()
    erased = 0
    for conference in candidates:
        if not id_data_expired(conference, now=now):
            continue
        with transaction.atomic():
            count = Registration.objects.filter(
                conference=conference, id_data_erased_at__isnull=True
            ).update(
                id_document_type="",
                id_document_number="",
                id_document_expiry=None,
                id_data_erased_at=now,
            )
            audit_record(
                actor=None,
                conference=conference,
                action=ID_DATA_ERASED,
                summary=f"ID document data erased for {count} registrations",
                data={"rows": count, "deadline": id_retention_deadline(conference).isoformat()},
            )
        erased += count
    return erased
