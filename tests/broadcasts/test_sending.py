"""
Sending a broadcast: checked texts, the recipients fixed at the start, one
outbox row per person in their language, safe to run again, scheduled sends,
statistics, and escaping of every value a recipient brings.
"""

import datetime
from email import message_from_string, policy

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conference.core.email_templates import services as wording_services
from conference.core.email_templates.registry import kind_get
from conference.core.models import AuditLog, Job, OutgoingEmail
from conference.core.services import _message
from conference.portal.broadcasts import services
from conference.portal.broadcasts.audience import Audience
from conference.portal.broadcasts.models import Broadcast
from conference.portal.broadcasts.selectors import broadcast_stats
from tests.factories import RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": {"subject": "Dinner for {first_name}", "body": "Dear {name},\nsee you at {venue}."},
    "ja": {
        "subject": "{first_name}様 夕食会のご案内",
        "body": "{name}様\n{venue}でお会いしましょう。",
    },
}


def draft(conference, organiser, texts=TEXTS, **audience):
    return services.broadcast_save(
        conference=conference,
        actor=organiser,
        title="Dinner",
        texts=texts,
        audience=Audience(**audience),
    )


def run(broadcast):
    broadcast.refresh_from_db()
    return services.broadcast_run(job_id=broadcast.job_id)


def rows(broadcast):
    return OutgoingEmail.objects.filter(batch=broadcast.batch).select_related("user")


# Texts ------------------------------------------------------------------------------------


def test_the_default_languages_text_is_required(conference, organiser):
    with pytest.raises(ValidationError) as caught:
        draft(conference, organiser, texts={"ja": TEXTS["ja"]})
    assert "subject_en" in caught.value.message_dict


def test_an_unknown_placeholder_is_refused_with_the_list_of_allowed_ones(conference, organiser):
    texts = {"en": {"subject": "Hi", "body": "Your passport: {registration.id_document_number}"}}
    with pytest.raises(ValidationError) as caught:
        draft(conference, organiser, texts=texts)
    problems = " ".join(caught.value.message_dict["body_en"])
    assert "{registration.id_document_number}" in problems
    assert "{first_name}" in problems and "{portal_link}" in problems


def test_a_subject_on_two_lines_is_refused(conference, organiser):
    texts = {"en": {"subject": "Hi\r\nBcc: all@example.org", "body": "Text"}}
    with pytest.raises(ValidationError) as caught:
        draft(conference, organiser, texts=texts)
    assert "subject_en" in caught.value.message_dict


# Sending ----------------------------------------------------------------------------------


def test_sending_fixes_the_recipients_and_writes_one_email_each_in_their_language(
    conference, organiser, people, django_capture_on_commit_callbacks
):
    broadcast = draft(conference, organiser)
    with django_capture_on_commit_callbacks(execute=False):
        services.broadcast_send(broadcast=broadcast, actor=organiser)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENDING
    assert sorted(broadcast.recipients) == sorted([people.sato.pk, people.mehta.pk, people.lee.pk])
    # Someone approved after the start is not added to this broadcast.
    RegistrationFactory(conference=conference, status="approved")

    job = run(broadcast)

    assert job.status == Job.Status.DONE and job.done == job.total == 3
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    emails = {e.user.family_name: e for e in rows(broadcast)}
    assert set(emails) == {"Sato", "Mehta", "Lee"}
    assert emails["Sato"].subject == "Hanako様 夕食会のご案内"
    assert "Sato Hanako様" in emails["Sato"].body_text or "Hanako" in emails["Sato"].body_text
    assert emails["Mehta"].subject == "Dinner for Priya"
    # No language chosen: the default language's text.
    assert emails["Lee"].subject == "Dinner for Grace"
    assert all(e.kind == "broadcast" and e.conference_id == conference.pk for e in emails.values())
    actions = list(AuditLog.objects.filter(object_id=broadcast.pk).values_list("action", flat=True))
    assert {"broadcast.create", "broadcast.send", "broadcast.queued"} <= set(actions)


def test_a_language_without_its_own_text_gets_the_default_one(conference, organiser, people):
    broadcast = draft(conference, organiser, texts={"en": TEXTS["en"]})
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    run(broadcast)
    sato = rows(broadcast).get(user=people.sato.user)
    assert sato.subject == "Dinner for Hanako"


def test_running_again_after_a_crash_writes_only_what_is_missing(conference, organiser, people):
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    broadcast.refresh_from_db()
    # A first run died after its first recipient's row was written.
    services._queue_batch(broadcast, broadcast.recipients[:1])
    first = rows(broadcast).get()

    run(broadcast)
    run(broadcast)  # and a redelivered task runs once more

    assert rows(broadcast).count() == 3
    assert rows(broadcast).filter(pk=first.pk).exists()


def test_a_second_run_leaves_the_broadcast_to_the_run_holding_its_lease(
    conference, organiser, people
):
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    Broadcast.objects.filter(pk=broadcast.pk).update(
        lease_until=timezone.now() + datetime.timedelta(minutes=1)
    )
    run(broadcast)
    assert not rows(broadcast).exists()


def test_the_sweep_resumes_a_run_whose_lease_ran_out(
    conference, organiser, people, django_capture_on_commit_callbacks
):
    broadcast = draft(conference, organiser)
    with django_capture_on_commit_callbacks(execute=False):
        services.broadcast_send(broadcast=broadcast, actor=organiser)
    broadcast.refresh_from_db()
    assert services.broadcasts_sweep() == ([], [])  # just started: not stalled
    Broadcast.objects.filter(pk=broadcast.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.broadcasts_sweep() == ([], [broadcast.job_id])
    assert rows(broadcast).count() == 3


def test_nobody_to_send_to_is_refused(conference, organiser, people):
    broadcast = draft(conference, organiser, kind=["research"])
    with pytest.raises(services.BroadcastError, match="Nobody matches"):
        services.broadcast_send(broadcast=broadcast, actor=organiser)


def test_a_sent_broadcast_can_be_neither_sent_again_nor_edited(conference, organiser, people):
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    with pytest.raises(services.BroadcastError):
        services.broadcast_send(broadcast=broadcast, actor=organiser)
    with pytest.raises(services.BroadcastError):
        services.broadcast_save(
            conference=conference,
            actor=organiser,
            broadcast=broadcast,
            title="x",
            texts=TEXTS,
            audience=Audience(),
        )


# Scheduling -------------------------------------------------------------------------------


def test_a_scheduled_broadcast_starts_when_due_and_not_before(
    conference, organiser, people, django_capture_on_commit_callbacks
):
    now = timezone.now()
    broadcast = draft(conference, organiser)
    services.broadcast_send(
        broadcast=broadcast, actor=organiser, at=now + datetime.timedelta(hours=1)
    )
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED and broadcast.job is None

    assert services.broadcasts_sweep(now=now) == ([], [])
    with django_capture_on_commit_callbacks(execute=True):
        started, _resumed = services.broadcasts_sweep(now=now + datetime.timedelta(hours=1))
    assert started == [broadcast.pk]
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    assert rows(broadcast).count() == 3


def test_a_scheduled_broadcast_taken_back_is_a_draft_and_the_sweep_leaves_it(
    conference, organiser, people
):
    now = timezone.now()
    broadcast = draft(conference, organiser)
    services.broadcast_send(
        broadcast=broadcast, actor=organiser, at=now + datetime.timedelta(minutes=5)
    )
    services.broadcast_unschedule(broadcast=broadcast, actor=organiser)
    assert services.broadcasts_sweep(now=now + datetime.timedelta(hours=1)) == ([], [])
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DRAFT and broadcast.scheduled_for is None


def test_the_database_refuses_a_scheduled_broadcast_without_a_time(conference):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.create(
            conference=conference, title="x", texts=TEXTS, status=Broadcast.Status.SCHEDULED
        )


# Statistics -------------------------------------------------------------------------------


def test_statistics_count_sent_failed_and_bounced_rows(conference, organiser, people):
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    run(broadcast)
    sato, mehta, lee = (
        rows(broadcast).get(user=p.user) for p in (people.sato, people.mehta, people.lee)
    )
    OutgoingEmail.objects.filter(pk=sato.pk).update(status="sent")
    OutgoingEmail.objects.filter(pk=mehta.pk).update(status="failed", smtp_code=550)
    stats = broadcast_stats([broadcast])[broadcast.pk]
    assert (stats.total, stats.sent, stats.failed, stats.bounced, stats.pending) == (3, 1, 1, 1, 1)
    OutgoingEmail.objects.filter(pk=lee.pk).update(status="failed", smtp_code=451)
    stats = broadcast_stats([broadcast])[broadcast.pk]
    assert (stats.failed, stats.bounced, stats.pending) == (2, 1, 0)


# What recipients bring: escaping and headers ----------------------------------------------


def test_hostile_names_are_escaped_in_html_and_cannot_add_a_header(conference, organiser):
    RegistrationFactory(
        conference=conference,
        status="approved",
        user=UserFactory(
            given_name="Eve\r\nBcc: everyone@evil.example",
            family_name='<a href="//evil.example">Verify</a><script>x()</script>',
        ),
    )
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    run(broadcast)
    email = rows(broadcast).get()
    assert "\n" not in email.subject and "\r" not in email.subject
    assert "<script>" not in email.body_html and '<a href="//evil' not in email.body_html
    assert "&lt;script&gt;" in email.body_html
    sent = message_from_string(_message(email).message().as_string(), policy=policy.default)
    assert sent["Bcc"] is None
    assert [str(a.addr_spec) for a in sent["To"].addresses] == [email.recipient]


def test_the_organisers_japanese_frame_of_the_broadcast_email_is_used(
    conference, organiser, people
):
    kind = kind_get("broadcast")
    wording_services.email_template_save(
        conference=conference,
        kind=kind,
        language="ja",
        subject="【大使館】{subject}",
        body="{first_name}様\n\n{message}\n\n大使館 経済部",
        actor=organiser,
    )
    broadcast = draft(conference, organiser)
    services.broadcast_send(broadcast=broadcast, actor=organiser)
    run(broadcast)
    sato = rows(broadcast).get(user=people.sato.user)
    assert sato.subject == "【大使館】Hanako様 夕食会のご案内"
    assert sato.body_text.startswith("Hanako様") and "大使館 経済部" in sato.body_text
    mehta = rows(broadcast).get(user=people.mehta.user)
    assert mehta.subject == "Dinner for Priya"  # English keeps the standard frame


def test_a_test_send_goes_to_the_organiser_only_filled_in_for_them(conference, organiser, people):
    email = services.broadcast_test_send(
        broadcast_texts=TEXTS, conference=conference, language="ja", actor=organiser
    )
    assert email.recipient == organiser.email
    assert email.subject.endswith("夕食会のご案内")
    assert email.batch == ""  # not counted in any broadcast's statistics
