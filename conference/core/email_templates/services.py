"""
Writes of organisers' email wordings: save, reset to default, restore, and
a test send. Each is one transaction, audited, and drops the conference's
cached set of reworded kinds (`selectors.overridden`) now and again when it
commits, so outgoing mail sees the change at once.
"""

import uuid

from django.db import transaction
from django.utils.translation import gettext_noop

from conference.core.email_templates.rendering import Wording, wording_check
from conference.core.email_templates.selectors import overridden_forget
from conference.core.models import EmailTemplate, EmailTemplateVersion
from conference.core.services import audit_message, audit_record, email_queue


def _forget(conference):
    overridden_forget(conference_id=conference.pk)
    transaction.on_commit(lambda: overridden_forget(conference_id=conference.pk))


def email_template_save(*, conference, kind, language, subject, body, actor, restored_from=None):
    """
    Make `subject` and `body` the wording of `kind` (a registered EmailKind)
    in `language`, and add it to the history. Raises ValidationError (by
    field, naming the allowed placeholders) for anything but `{name}`
    placeholders of the kind. Returns the EmailTemplate.
    """
    wording_check(kind, subject=subject, body=body)
    with transaction.atomic():
        template, _created = EmailTemplate.objects.update_or_create(
            conference=conference,
            kind=kind.key,
            language=language,
            defaults={"subject": subject, "body": body, "updated_by": actor},
        )
        version = EmailTemplateVersion.objects.create(
            conference=conference,
            kind=kind.key,
            language=language,
            subject=subject,
            body=body,
            created_by=actor,
        )
        data = {"kind": kind.key, "language": language, "version": version.pk}
        if restored_from is not None:
            data["restored_from"] = restored_from.pk
        audit_record(
            actor=actor,
            conference=conference,
            action="email_template.restore" if restored_from else "email_template.save",
            obj=template,
            summary=f"{kind.key} ({language})",
            data=data,
        )
        _forget(conference)
    return template


def email_template_restore(*, conference, kind, language, version, actor):
    """Save an earlier version again (a new version; the history is kept)."""
    return email_template_save(
        conference=conference,
        kind=kind,
        language=language,
        subject=version.subject,
        body=version.body,
        actor=actor,
        restored_from=version,
    )


def email_template_reset(*, conference, kind, language, actor):
    """
    Back to the repository's templates for `kind` in `language`: the
    organisers' wording is removed (its versions stay). Returns whether
    there was one.
    """
    with transaction.atomic():
        deleted, _counts = EmailTemplate.objects.filter(
            conference=conference, kind=kind.key, language=language
        ).delete()
        if deleted:
            audit_record(
                actor=actor,
                conference=conference,
                action="email_template.reset",
                summary=f"{kind.key} ({language})",
                data={"kind": kind.key, "language": language},
            )
        _forget(conference)
    return bool(deleted)


def email_template_test_send(*, conference, kind, language, subject, body, sample, actor):
    """
    Send `subject` and `body` (checked as at save; not saved) as `kind` in
    `language`, filled in for `sample`, to `actor`'s own address through the
    outbox, marked as a test. Each call is a new email. Returns the row.
    """
    wording_check(kind, subject=subject, body=body)
    with transaction.atomic():
        email = email_queue(
            recipient=actor.email,
            template=None,
            context=sample.context,
            kind="test",
            dedup_key=f"email-template-test:{conference.pk}:{uuid.uuid4().hex}",
            conference=conference,
            # The row is the organiser's, not the sample person's.
            user=None,
            language=language,
            wording=Wording(kind.key, subject, body),
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="email_template.test_send",
            obj=email,
            summary=audit_message(
                gettext_noop("%(kind)s (%(language)s) → %(email)s"),
                kind=kind.key,
                language=language,
                email=actor.email,
            ),
            data={"kind": kind.key, "language": language, "sample": sample.label},
        )
    return email
