"""
Writes of the core app: the email outbox, the audit log, heartbeats.

Every email goes through `email_queue`, called inside the transaction that
causes it; `outbox_deliver` sends one row and is safe to run twice.
"""

import logging
import re
import smtplib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from conference.core.content import content_fallback
from conference.core.email_templates.registry import kind_get
from conference.core.email_templates.rendering import wording_render
from conference.core.email_templates.selectors import override_get
from conference.core.models import (
    AuditLog,
    Heartbeat,
    OutgoingEmail,
    message_english,
    message_parts,
)
from conference.core.timezones import recipient_time_zone

logger = logging.getLogger(__name__)

# The METHOD property of an iCalendar attachment (RFC 5545 §3.7.2).
ICS_METHOD = re.compile(r"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)

# Minutes to wait before attempt n+1, after n failed attempts.
RETRY_DELAYS = [1, 5, 15, 60, 240, 720]
# A row left "sending" this long belongs to a worker that died: try again.
SENDING_TIMEOUT = timedelta(minutes=5)


def email_queue(
    *,
    recipient,
    template,
    context,
    kind,
    dedup_key,
    conference=None,
    user=None,
    ics="",
    language=None,
    wording=None,
):
    """
    Write one outbox row (unless one with `dedup_key` exists) and enqueue its
    delivery when the surrounding transaction commits. Renders
    `emails/<template>_subject.txt`, `.txt` and `.html` in the recipient's
    language, or the organisers' wording of `kind` in that language when
    they have one (`conference.core.email_templates`), or `wording` when
    given (a test send). Returns the row.
    """
    existing = OutgoingEmail.objects.filter(dedup_key=dedup_key).first()
    if existing is not None:
        return existing

    row = _email_row(
        recipient=recipient,
        template=template,
        context=context,
        kind=kind,
        dedup_key=dedup_key,
        conference=conference,
        user=user,
        ics=ics,
        language=language,
        wording=wording,
    )
    email, created = OutgoingEmail.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            field: getattr(row, field)
            for field in (
                "conference",
                "user",
                "recipient",
                "from_email",
                "subject",
                "body_text",
                "body_html",
                "ics",
                "kind",
            )
        },
    )
    if created:
        from conference.core.tasks import enqueue, outbox_deliver

        enqueue(outbox_deliver, email.pk)
    return email


def _email_row(
    *,
    recipient,
    template,
    context,
    kind,
    dedup_key,
    conference,
    user,
    ics="",
    language=None,
    wording=None,
    wordings=None,
):
    """
    An unsaved outbox row, rendered in the recipient's language, with times in
    the conference's zone; `recipient_time_zone` is the recipient's own zone
    when it differs, so a template can give their time as well. The
    organisers' wording of `kind` in that language replaces the templates
    (read once per kind and language into `wordings`, when given, for a
    bulk send); `wording` forces one.
    """
    language = language or getattr(user, "language", None) or settings.LANGUAGE_CODE
    if wording is None:
        wordings = {} if wordings is None else wordings
        if (kind, language) not in wordings:
            wordings[kind, language] = override_get(
                conference=conference, kind=kind, language=language
            )
        wording = wordings[kind, language]
    context = {
        "conference": conference,
        "user": user,
        "SITE_ROOT": settings.SITE_ROOT,
        "recipient_time_zone": recipient_time_zone(conference=conference, user=user),
        **context,
    }
    zone = conference.tz if conference else timezone.get_current_timezone()
    # Content texts (session titles...) in the recipient's language, else the conference's default.
    with translation.override(language), timezone.override(zone), content_fallback(conference):
        if wording is not None:
            subject, body_text, body_html = _wording_render(wording, context)
        else:
            subject = " ".join(_render_plain(f"emails/{template}_subject.txt", context).split())
            body_text = render_to_string(f"emails/{template}.txt", context)
            body_html = render_to_string(f"emails/{template}.html", context)
    return OutgoingEmail(
        conference=conference,
        user=user,
        recipient=recipient,
        from_email=conference.from_email if conference else settings.DEFAULT_FROM_EMAIL,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        kind=kind,
        dedup_key=dedup_key,
    )


def email_render(*, standard=False, **kwargs):
    """
    The email `email_queue` would write for these arguments, unsaved: a
    preview. Arguments as `email_queue`'s, with `wording` to preview a
    draft; `standard` shows the repository's templates whatever the
    organisers' wording.
    """
    kwargs = {"user": None, "conference": None, "dedup_key": "", **kwargs}
    if standard:
        language = kwargs.get("language") or settings.LANGUAGE_CODE
        kwargs["wordings"] = {(kwargs["kind"], language): None}
    return _email_row(**kwargs)


def _wording_render(wording, context):
    """Subject, text and HTML of an organisers' wording, in the layout of the defaults."""
    subject, body_text, html = wording_render(kind_get(wording.kind), wording, context)
    body_html = render_to_string(
        "emails/custom.html", {**context, "subject": subject, "body_html": html}
    )
    return subject, body_text, body_html


# Rows per delivery task of a bulk send: one SMTP session each, and enough
# tasks for every process of a worker's pool to take a share.
DELIVERY_CHUNK = 25


def _render_plain(name, context):
    """
    A template rendered as plain text, without HTML escaping: a subject line is
    not HTML, and `O'Brien & Co` must arrive as typed. (The same subject
    templates are included, escaped, in the HTML part's <title>.)
    """
    return get_template(name).template.render(Context(context, autoescape=False))


def email_queue_many(*, messages, conference=None, batch=""):
    """
    `email_queue` for a bulk send (e.g. 2,000 invitations): one insert for
    all rows and one delivery task per DELIVERY_CHUNK rows, enqueued when
    the surrounding transaction commits. `messages` are dicts of
    email_queue's arguments (recipient, template, context, kind, dedup_key,
    and optionally user, ics, language). Same guarantees: a message whose
    dedup key exists is left alone. `batch` names the bulk send on every row
    (its statistics count them). Returns {dedup_key: row id}.
    """
    keys = [message["dedup_key"] for message in messages]
    found = dict(OutgoingEmail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk"))
    wordings = {}
    rows = [
        _email_row(conference=conference, wordings=wordings, **{"user": None, **message})
        for message in messages
        if message["dedup_key"] not in found
    ]
    for row in rows:
        row.batch = batch
    # A concurrent writer of the same key wins; its row is delivered either way.
    OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True)
    new = dict(
        OutgoingEmail.objects.filter(dedup_key__in=[row.dedup_key for row in rows]).values_list(
            "dedup_key", "pk"
        )
    )
    from conference.core.tasks import enqueue, outbox_deliver_many

    ids = sorted(new.values())
    for start in range(0, len(ids), DELIVERY_CHUNK):
        enqueue(outbox_deliver_many, ids[start : start + DELIVERY_CHUNK])
    return {**found, **new}


def _smtp_code(exc):
    """The mail server's reply code in `exc`, if it gave one (the recipient's, when refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _is_permanent(exc):
    """A 5xx answer will not change on retry; anything else may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= c < 600 for c in codes)
    code = _smtp_code(exc)
    return code is not None and 500 <= code < 600


def _claim(email_id, now):
    """Mark a due row as being sent by this worker; None if not ours to send."""
    with transaction.atomic():
        due = Q(status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRY]) & Q(
            next_attempt_at__lte=now
        )
        stuck = Q(status=OutgoingEmail.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT)
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(due | stuck, pk=email_id)
            .first()
        )
        if email is None:
            return None
        email.status = OutgoingEmail.Status.SENDING
        email.attempts += 1
        email.save(update_fields=["status", "attempts", "updated_at"])
        return email


def _claim_many(email_ids, now):
    """`_claim` for several rows at once: the due ones among `email_ids`, marked sending."""
    with transaction.atomic():
        due = Q(status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRY]) & Q(
            next_attempt_at__lte=now
        )
        stuck = Q(status=OutgoingEmail.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT)
        emails = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(due | stuck, pk__in=email_ids)
            .order_by("pk")
        )
        OutgoingEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
            status=OutgoingEmail.Status.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
    for email in emails:
        email.status = OutgoingEmail.Status.SENDING
        email.attempts += 1
    return emails


def _message_id(email):
    domain = parseaddr(email.from_email)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{email.pk}@{domain}>"


def _message(email, connection=None):
    message = EmailMultiAlternatives(
        connection=connection,
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.recipient],
        headers={
            "X-Portal-Message": email.dedup_key[:200],
            # The same on every attempt: a copy sent again after a worker
            # died between the server's "250" and the outbox write is the
            # same message to a mail store that collapses duplicates.
            "Message-ID": _message_id(email),
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if email.ics:
        # The MIME method must match the calendar's own METHOD line (mail
        # clients reject a mismatch); REQUEST when the calendar names none.
        match = ICS_METHOD.search(email.ics)
        method = match.group(1).upper() if match else "REQUEST"
        # Django adds the charset parameter itself; naming it here doubles it.
        message.attach("invite.ics", email.ics, f"text/calendar; method={method}")
    return message


def outbox_deliver(*, email_id, connection=None):
    """
    Send one outbox row if it is due. Idempotent: a row that is sent, failed,
    not yet due or being sent by another worker is left alone, so duplicate
    task deliveries are harmless. Temporary failures are retried after
    RETRY_DELAYS; permanent ones and the last attempt mark the row failed.
    `connection`: an open mail connection to reuse (see outbox_deliver_many).
    """
    email = _claim(email_id, timezone.now())
    if email is None:
        return None
    return _send_claimed(email, connection)


def _send_claimed(email, connection=None):
    """Send a row this worker claimed, and record the outcome (sent, retry or failed)."""
    try:
        _message(email, connection).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        email.smtp_code = _smtp_code(exc)
        if _is_permanent(exc) or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            email.status = OutgoingEmail.Status.FAILED
        else:
            delay = RETRY_DELAYS[min(email.attempts, len(RETRY_DELAYS)) - 1]
            email.status = OutgoingEmail.Status.RETRY
            email.next_attempt_at = timezone.now() + timedelta(minutes=delay)
        logger.warning("Email %s not sent (%s): %s", email.pk, email.status, email.last_error)
    else:
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.smtp_code = None
    email.save(
        update_fields=[
            "status",
            "sent_at",
            "last_error",
            "smtp_code",
            "next_attempt_at",
            "updated_at",
        ]
    )
    return email


def outbox_deliver_many(*, email_ids):
    """
    `outbox_deliver` for several rows, as a bulk send needs to reach its
    delivery rate: the due ones are claimed together (one lock, one update)
    and sent over one SMTP session; each outcome is recorded on its own, so a
    rerun skips what was sent. After a failure the session is dropped and the
    next row opens a fresh one.
    """
    emails = _claim_many(email_ids, timezone.now())
    connection = get_connection()
    try:
        for email in emails:
            if _send_claimed(email, connection).status != OutgoingEmail.Status.SENT:
                connection.close()
    finally:
        connection.close()


def outbox_due_ids(*, limit=500):
    """Rows the sweep should (re)deliver: due ones and ones stuck in sending."""
    now = timezone.now()
    due = Q(status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRY]) & Q(
        next_attempt_at__lte=now
    )
    stuck = Q(status=OutgoingEmail.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT)
    return list(
        OutgoingEmail.objects.filter(due | stuck)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_resend(*, email, actor):
    """Queue a failed row for another round of attempts (staff action)."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
        if email.status != OutgoingEmail.Status.FAILED:
            return email
        email.status = OutgoingEmail.Status.QUEUED
        email.attempts = 0
        email.next_attempt_at = timezone.now()
        email.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        audit_record(
            actor=actor,
            conference=email.conference,
            action="email.resend",
            obj=email,
            summary=audit_message(
                gettext_noop("%(kind)s to %(email)s"), kind=email.kind, email=email.recipient
            ),
        )
        from conference.core.tasks import enqueue, outbox_deliver

        enqueue(outbox_deliver, email.pk)
    return email


# The channel of the writes in progress (an API token's name), if not a page.
_audit_via = ContextVar("audit_via", default="")


@contextmanager
def audit_via(label):
    """Name `label` as the channel of every audit entry written inside the block."""
    reset = _audit_via.set(label[:120])
    try:
        yield
    finally:
        _audit_via.reset(reset)


def audit_message(msgid, **params):
    """
    An audit summary shown in the viewer's language: `msgid` marked with
    gettext_noop, `params` data (names, numbers, emails; never translated), e.g.
    audit_record(..., summary=audit_message(gettext_noop("Invited %(email)s"), email=...)).
    Messages join with "+" (shown separated by a space).
    """
    return message_parts((msgid, params))


def audit_record(*, actor, action, conference=None, obj=None, summary="", data=None):
    """
    Append one entry to the audit log (in the caller's transaction). `summary`
    is a plain string (shown as written) or message parts from audit_message().
    """
    if isinstance(summary, (list, tuple)):
        parts = message_parts(*summary)
        summary = message_english(parts)
    else:
        parts = []
    return AuditLog.objects.create(
        conference=conference,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        via=_audit_via.get(),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=str(summary)[:300],
        summary_parts=parts,
        data=data or {},
    )


def heartbeat_record(*, name="beat"):
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
