"""
Writes of broadcasts: save a draft, send it now or schedule it, and the
background run that turns it into one outbox row per recipient.

Exactly once per recipient, whatever dies when:
- the recipients are fixed when sending starts (`Broadcast.recipients`);
- each recipient's email has the dedup key `broadcast:<id>:reg:<registration>`,
  so a run that starts again after a crash (the task is `acks_late`, and the
  sweep resumes a run whose lease ran out) writes only the missing rows;
- the outbox delivers each row once (conference.core.services.outbox_deliver)
  and the outbox sweep sends rows whose worker died.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Registration
from conference.core.email_templates.rendering import Wording, wording_check, wording_render
from conference.core.errors import DomainError
from conference.core.models import Job, OutgoingEmail
from conference.core.services import audit_message, audit_record, email_queue, email_queue_many
from conference.portal.broadcasts.audience import (
    Audience,
    audience_describe,
    audience_registrations,
)
from conference.portal.broadcasts.email_kinds import BROADCAST, MESSAGE, portal_url
from conference.portal.broadcasts.models import Broadcast

logger = logging.getLogger(__name__)

JOB_BROADCAST = "broadcast.send"
# Recipients rendered and written per transaction (one progress step).
BATCH = 200
# How long a run holds its broadcast between two batches; after that the
# sweep takes the run for dead and starts it again.
LEASE = timedelta(minutes=2)
# A run that never started (its task was lost) is started again after this.
START_GRACE = timedelta(minutes=2)


class BroadcastError(DomainError):
    pass


def texts_check(texts):
    """
    Raise ValidationError unless `texts` ({language: {subject, body}}) has
    the default language's subject and text, and every subject and text
    given uses only the placeholders a broadcast may use.
    """
    default = settings.LANGUAGE_CODE
    errors = {}
    for language, _label in settings.LANGUAGES:
        text = texts.get(language) or {}
        subject, body = text.get("subject", ""), text.get("body", "")
        if language == default and not (subject.strip() and body.strip()):
            errors[f"subject_{language}"] = [_("The subject and text in this language are needed.")]
            continue
        if bool(subject.strip()) != bool(body.strip()):
            errors[f"subject_{language}"] = [
                _("Write both the subject and the text, or neither (then they get the default).")
            ]
            continue
        try:
            wording_check(MESSAGE, subject=subject, body=body)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                errors[f"{field}_{language}"] = problems
    if errors:
        raise ValidationError(errors)


def broadcast_save(*, conference, actor, title, texts, audience, broadcast=None):
    """Create or update a draft (only a draft can change). Audited."""
    texts_check(texts)
    with transaction.atomic():
        if broadcast is None:
            broadcast = Broadcast(conference=conference, created_by=actor)
            action = "broadcast.create"
        else:
            broadcast = _locked(broadcast)
            if not broadcast.is_editable:
                raise BroadcastError(
                    _("This broadcast was sent or scheduled: it can no longer change.")
                )
            action = "broadcast.edit"
        broadcast.title = title
        broadcast.texts = texts
        broadcast.audience = audience.as_dict()
        broadcast.save()
        audit_record(
            actor=actor,
            conference=conference,
            action=action,
            obj=broadcast,
            summary=title,
            data={"audience": broadcast.audience},
        )
    return broadcast


def broadcast_delete(*, broadcast, actor):
    with transaction.atomic():
        broadcast = _locked(broadcast)
        if not broadcast.is_editable:
            raise BroadcastError(_("Only a draft can be deleted."))
        audit_record(
            actor=actor,
            conference=broadcast.conference,
            action="broadcast.delete",
            obj=broadcast,
            summary=broadcast.title,
        )
        broadcast.delete()


def broadcast_send(*, broadcast, actor, at=None, now=None):
    """
    Send a draft now, or at `at` (a scheduled broadcast is started by the
    sweep). Refused when it is no longer a draft, or nobody matches.
    Returns the broadcast.
    """
    now = now or timezone.now()
    with transaction.atomic():
        broadcast = _locked(broadcast)
        if not broadcast.is_editable:
            raise BroadcastError(_("This broadcast was already sent or scheduled."))
        if at is not None and at > now:
            if not _audience(broadcast).exists():
                raise BroadcastError(_("Nobody matches this audience: there is no one to send to."))
            broadcast.status = Broadcast.Status.SCHEDULED
            broadcast.scheduled_for = at
            broadcast.save(update_fields=["status", "scheduled_for", "updated_at"])
            audit_record(
                actor=actor,
                conference=broadcast.conference,
                action="broadcast.schedule",
                obj=broadcast,
                summary=audit_message(
                    gettext_noop("%(title)s at %(at)s"), title=broadcast.title, at=at.isoformat()
                ),
            )
            return broadcast
        return _start(broadcast, actor=actor, now=now)


def broadcast_unschedule(*, broadcast, actor):
    """Take a scheduled broadcast back to a draft (before the sweep starts it)."""
    with transaction.atomic():
        broadcast = _locked(broadcast)
        if broadcast.status != Broadcast.Status.SCHEDULED:
            raise BroadcastError(_("This broadcast is not scheduled (it may have started)."))
        broadcast.status = Broadcast.Status.DRAFT
        broadcast.scheduled_for = None
        broadcast.save(update_fields=["status", "scheduled_for", "updated_at"])
        audit_record(
            actor=actor,
            conference=broadcast.conference,
            action="broadcast.unschedule",
            obj=broadcast,
            summary=broadcast.title,
        )
    return broadcast


def _locked(broadcast):
    return (
        Broadcast.objects.select_for_update(of=("self",))
        .select_related("conference")
        .get(pk=broadcast.pk)
    )


def _audience(broadcast):
    return audience_registrations(
        conference=broadcast.conference, audience=Audience.from_dict(broadcast.audience)
    )


def _start(broadcast, *, actor, now):
    """Fix the recipients and start the run (in the caller's transaction, the broadcast locked)."""
    from conference.core.tasks import enqueue
    from conference.portal.broadcasts.tasks import broadcast_run

    recipients = list(_audience(broadcast).order_by("pk").values_list("pk", flat=True))
    if not recipients and broadcast.status == Broadcast.Status.DRAFT:
        raise BroadcastError(_("Nobody matches this audience: there is no one to send to."))
    job = Job.objects.create(
        conference=broadcast.conference,
        kind=JOB_BROADCAST,
        total=len(recipients),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        params={"broadcast": broadcast.pk},
        **Job.message_fields(gettext_noop("Waiting for a worker…")),
    )
    broadcast.status = Broadcast.Status.SENDING
    broadcast.job = job
    broadcast.recipients = recipients
    broadcast.started_at = now
    broadcast.save(update_fields=["status", "job", "recipients", "started_at", "updated_at"])
    audit_record(
        actor=actor,
        conference=broadcast.conference,
        action="broadcast.send",
        obj=broadcast,
        summary=audit_message(
            gettext_noop("%(title)s to %(count)s recipients"),
            title=broadcast.title,
            count=len(recipients),
        ),
        data={
            "audience": broadcast.audience,
            "audience_text": audience_describe(
                conference=broadcast.conference, audience=Audience.from_dict(broadcast.audience)
            ),
            "recipients": len(recipients),
            "scheduled": broadcast.scheduled_for is not None,
        },
    )
    enqueue(broadcast_run, job.pk)
    return broadcast


def dedup_key(broadcast, registration_id):
    return f"{broadcast.batch}:reg:{registration_id}"


def _text_for(broadcast, language):
    """The (subject, body) `language`'s readers get: theirs, else the default language's."""
    text = broadcast.texts.get(language) or {}
    if text.get("subject", "").strip() and text.get("body", "").strip():
        return language, text
    return settings.LANGUAGE_CODE, broadcast.texts[settings.LANGUAGE_CODE]


def message_for(broadcast, registration, *, language=None):
    """
    email_queue's arguments for one recipient: the broadcast's text in their
    language (or the default one), placeholders filled in for them, sent as
    the `broadcast` kind of email (which organisers may reword too).
    """
    user = registration.user
    language, text = _text_for(broadcast, language or user.language or settings.LANGUAGE_CODE)
    context = {
        "conference": broadcast.conference,
        "user": user,
        "registration": registration,
        "portal_url": portal_url(broadcast.conference),
    }
    with translation.override(language), timezone.override(broadcast.conference.tz):
        subject, body, html = wording_render(
            MESSAGE, Wording(MESSAGE.key, text["subject"], text["body"]), context
        )
    return {
        "recipient": user.email,
        "template": BROADCAST.template,
        "kind": BROADCAST.key,
        "user": user,
        "language": language,
        "context": {**context, "subject": subject, "message": body, "message_html": html},
        "dedup_key": dedup_key(broadcast, registration.pk),
    }


def broadcast_run(*, job_id):
    """
    Write the outbox rows of a broadcast's run, BATCH recipients per
    transaction, raising the job's progress after each. Safe to run twice
    (see the module): a second run waits out the first one's lease, and
    skips recipients whose row exists. Ends with the broadcast `sent` (every
    row queued; delivery goes on in the outbox).
    """
    job = Job.objects.select_related("conference").get(pk=job_id)
    broadcast = Broadcast.objects.select_related("conference").filter(job=job).first()
    if broadcast is None or job.status not in (Job.Status.QUEUED, Job.Status.RUNNING):
        return job
    now = timezone.now()
    leased = (
        Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )
    if not leased:
        return job  # another run holds it, or it is finished
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, **Job.message_fields(gettext_noop("Preparing the messages…"))
    )
    recipients = broadcast.recipients
    try:
        for start in range(0, len(recipients), BATCH):
            _queue_batch(broadcast, recipients[start : start + BATCH])
            Job.objects.filter(pk=job.pk).update(
                done=Greatest(F("done"), Value(start + len(recipients[start : start + BATCH])))
            )
            Broadcast.objects.filter(pk=broadcast.pk).update(lease_until=timezone.now() + LEASE)
    except Exception:
        logger.exception("Broadcast %s stopped; the sweep resumes it.", broadcast.pk)
        Broadcast.objects.filter(pk=broadcast.pk).update(lease_until=None)
        Job.objects.filter(pk=job.pk).update(
            **Job.message_fields(
                gettext_noop("Stopped by an error; it will be resumed in a minute.")
            )
        )
        raise
    finished = timezone.now()
    with transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(
            status=Broadcast.Status.SENT, finished_at=finished, lease_until=None
        )
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE,
            done=len(recipients),
            finished_at=finished,
            **Job.message_fields(
                (
                    gettext_noop("Messages handed to the outbox: %(count)s."),
                    {"count": len(recipients)},
                )
            ),
        )
        audit_record(
            actor=None,
            conference=broadcast.conference,
            action="broadcast.queued",
            obj=broadcast,
            summary=audit_message(
                gettext_noop("%(title)s: %(count)s messages queued"),
                title=broadcast.title,
                count=len(recipients),
            ),
        )
    job.refresh_from_db()
    return job


def _queue_batch(broadcast, registration_ids):
    """One transaction: the outbox rows of these recipients that do not exist yet."""
    keys = {dedup_key(broadcast, pk): pk for pk in registration_ids}
    with transaction.atomic():
        existing = set(
            OutgoingEmail.objects.filter(dedup_key__in=list(keys)).values_list(
                "dedup_key", flat=True
            )
        )
        missing = [pk for key, pk in keys.items() if key not in existing]
        if not missing:
            return
        registrations = (
            Registration.objects.filter(pk__in=missing, user__is_active=True)
            .select_related("user", "organisation", "conference")
            .order_by("pk")
        )
        email_queue_many(
            messages=[message_for(broadcast, registration) for registration in registrations],
            conference=broadcast.conference,
            batch=broadcast.batch,
        )


def broadcast_test_send(*, broadcast_texts, conference, language, actor):
    """Send a draft's text in `language` to the organiser, filled in for them. Returns the row."""
    registration = (
        Registration.objects.filter(conference=conference, user=actor)
        .select_related("user", "organisation", "conference")
        .first()
    ) or Registration(conference=conference, user=actor)
    draft = Broadcast(conference=conference, texts=broadcast_texts, pk=0)
    message = message_for(draft, registration, language=language)
    message["dedup_key"] = f"broadcast-test:{uuid.uuid4().hex}"
    with transaction.atomic():
        email = email_queue(conference=conference, **message)
        audit_record(
            actor=actor,
            conference=conference,
            action="broadcast.test",
            obj=email,
            summary=audit_message(
                gettext_noop("Test of a broadcast to %(email)s"), email=email.recipient
            ),
        )
    return email


def broadcasts_sweep(*, now=None):
    """
    Beat, every minute: start the scheduled broadcasts that are due, and
    start again the runs whose lease ran out (their worker died) or that
    never started (their task was lost). Returns (started, resumed) ids.
    """
    from conference.core.tasks import enqueue
    from conference.portal.broadcasts.tasks import broadcast_run

    now = now or timezone.now()
    started = []
    due = Broadcast.objects.filter(
        status=Broadcast.Status.SCHEDULED, scheduled_for__lte=now
    ).values_list("pk", flat=True)[:50]
    for pk in due:
        with transaction.atomic():
            broadcast = (
                Broadcast.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("conference")
                .filter(pk=pk, status=Broadcast.Status.SCHEDULED)
                .first()
            )
            if broadcast is not None:
                _start(broadcast, actor=None, now=now)
                started.append(pk)
    stalled = Broadcast.objects.filter(
        status=Broadcast.Status.SENDING,
        job__status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
    ).filter(Q(lease_until__lt=now) | Q(lease_until__isnull=True, started_at__lt=now - START_GRACE))
    resumed = list(stalled.values_list("job_id", flat=True)[:50])
    for job_id in resumed:
        enqueue(broadcast_run, job_id)
    return started, resumed
