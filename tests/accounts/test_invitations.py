"""Invitations: one, a CSV of many, bulk sending as a job, resend, revoke, expiry, reminders."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from accounts.services import invitation_jobs
from conference.core.models import AuditLog, Job, Organisation, OutgoingEmail
from tests.factories import InvitationFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def csv_bytes(*lines, bom=False, delimiter=","):
    text = "\n".join(line.replace(",", delimiter) for line in lines) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


HEADER = "email,name,organisation,kind,country,role"


# One invitation ------------------------------------------------------------------


def test_invitation_create_queues_the_email_in_the_same_transaction(conference, organiser):
    invitation = services.invitation_create(
        conference=conference, actor=organiser, email=" Asha.Menon@Example.org ", name="Asha"
    )

    assert invitation.email == "asha.menon@example.org"
    assert invitation.status == Invitation.Status.SENT
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=29)
    email = OutgoingEmail.objects.get(dedup_key=f"invitation:{invitation.pk}:send:1")
    assert invitation.email_dedup_key(invitation.pk, invitation.send_count) == email.dedup_key
    assert email.recipient == "asha.menon@example.org"
    assert reverse("invitation", args=[invitation.token]) in email.body_text
    assert reverse("invitation", args=[invitation.token]) in email.body_html
    assert conference.name in email.subject
    local = timezone.localtime(invitation.expires_at, conference.tz)
    valid_until = f"valid until {local:%-d %B %Y, %H:%M} (Asia/Kolkata time)"
    assert valid_until in email.body_text
    assert valid_until in email.body_html
    assert AuditLog.objects.filter(action="invitation.create", object_id=str(invitation.pk))


def test_a_second_invitation_to_the_same_address_is_refused(conference, organiser):
    services.invitation_create(conference=conference, actor=organiser, email="a@example.org")

    with pytest.raises(services.InvitationError, match="already invited"):
        services.invitation_create(conference=conference, actor=organiser, email="A@example.org")
    assert Invitation.objects.filter(conference=conference).count() == 1


def test_a_revoked_address_can_be_invited_again(conference, organiser):
    first = services.invitation_create(
        conference=conference, actor=organiser, email="a@example.org"
    )
    services.invitation_revoke(invitation=first, actor=organiser)

    second = services.invitation_create(
        conference=conference, actor=organiser, email="a@example.org"
    )
    assert second.pk != first.pk


def test_expiry_is_never_after_registration_closes(conference, organiser):
    closes = timezone.now() + datetime.timedelta(days=3)
    conference.registration_closes_at = closes
    conference.save()

    invitation = services.invitation_create(
        conference=conference, actor=organiser, email="a@example.org"
    )
    assert invitation.expires_at == closes


# CSV import -----------------------------------------------------------------------


def test_csv_import_reports_every_bad_row_and_imports_the_good_ones(conference, organiser):
    InvitationFactory(conference=conference, email="taken@example.org")
    data = csv_bytes(
        HEADER,
        "hanako@example.jp,Sato Hanako,Example Motors,oem,JP,delegate",
        "not-an-email,Someone,,,,",
        "hanako@example.jp,Again,,,,",
        "ravi@example.in,Ravi,New Recyclers,battery maker,IN,",
        "taken@example.org,Taken,,,,",
        "lee@example.org,Lee,Brand New Org,,,",
        "kim@example.org,Kim,,,Atlantis,",
        "ops@example.org,Ops,,,,chef",
        "",
        "arjun@example.in,Arjun,Example Motors,,,checkin",
    )

    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert report.fatal == ""
    assert report.rows == 9  # the blank line is not a row
    assert report.created == 2
    assert [(e.line, e.email) for e in report.errors] == [
        (3, "not-an-email"),
        (4, "hanako@example.jp"),
        (5, "ravi@example.in"),
        (6, "taken@example.org"),
        (7, "lee@example.org"),
        (8, "kim@example.org"),
        (9, "ops@example.org"),
    ]
    reasons = [e.reason for e in report.errors]
    assert "not a valid email address" in reasons[0]
    assert "duplicate of line 2" in reasons[1]
    assert "unknown organisation kind" in reasons[2]
    assert "already invited" in reasons[3]
    assert "give its kind" in reasons[4]
    assert "unknown country" in reasons[5]
    assert "unknown role" in reasons[6]

    hanako = Invitation.objects.get(email="hanako@example.jp")
    assert hanako.status == Invitation.Status.QUEUED
    assert hanako.organisation.name == "Example Motors"
    assert hanako.organisation.kind == "oem"
    assert str(hanako.organisation.country) == "JP"
    arjun = Invitation.objects.get(email="arjun@example.in")
    assert arjun.role == Invitation.InvitedRole.CHECKIN
    assert arjun.organisation == hanako.organisation
    assert Organisation.objects.filter(name__iexact="example motors").count() == 1


def test_importing_the_same_file_twice_creates_nothing_the_second_time(conference, organiser):
    data = csv_bytes(HEADER, "a@example.org,A,,,,", "b@example.org,B,,,,")

    first = services.invitation_import_csv(conference=conference, actor=organiser, data=data)
    second = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert first.created == 2
    assert second.created == 0
    assert [e.reason for e in second.errors] == ["already invited", "already invited"]
    assert Invitation.objects.filter(conference=conference).count() == 2


def test_an_excel_file_with_bom_and_semicolons_is_read(conference, organiser):
    data = csv_bytes(
        "E-mail;Name;Organization;Kind",
        "sato@example.jp;佐藤 花子;Example Motors;Car maker (OEM)",
        bom=True,
    )

    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert report.errors == []
    invitation = Invitation.objects.get(conference=conference)
    assert invitation.email == "sato@example.jp"
    assert invitation.name == "佐藤 花子"
    assert invitation.organisation.kind == "oem"


def test_registered_people_are_refused_on_import(conference, organiser):
    RegistrationFactory(conference=conference, user=UserFactory(email="reg@example.org"))

    report = services.invitation_import_csv(
        conference=conference, actor=organiser, data=csv_bytes("email", "REG@example.org")
    )

    assert report.created == 0
    assert report.errors[0].reason == "already registered"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name\nSomeone\n", "must name the columns"),
        ("email\nsomeone@example.org\n".encode("utf-16"), "not UTF-8"),
        (b"email\n" + b"x@example.org\n" * (services.CSV_MAX_ROWS + 1), "more than 5000 rows"),
        (b"email\n" + b"x" * services.CSV_MAX_BYTES, "larger than 2 MB"),
    ],
    ids=["no email column", "not utf-8", "too many rows", "too big"],
)
def test_a_bad_file_is_refused_whole_with_a_clear_message(conference, organiser, data, message):
    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    assert message in report.fatal
    assert not Invitation.objects.exists()


# Bulk sending -----------------------------------------------------------------------


def test_the_send_job_emails_every_queued_invitation_and_records_progress(
    conference, organiser, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(invitation_jobs, "SEND_BATCH", 2)
    services.invitation_import_csv(
        conference=conference,
        actor=organiser,
        data=csv_bytes("email", *(f"p{i}@example.org" for i in range(5))),
    )

    # Eager Celery in tests: the job runs when the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        job = services.invitation_send_job_start(conference=conference, actor=organiser)

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (Job.Status.DONE, 5, 5, 100)
    assert job.finished_at is not None
    assert not Invitation.objects.filter(status=Invitation.Status.QUEUED).exists()
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 5
    assert sorted(OutgoingEmail.objects.values_list("dedup_key", flat=True)) == sorted(
        f"invitation:{pk}:send:1" for pk in Invitation.objects.values_list("pk", flat=True)
    )


def test_running_the_job_again_sends_nothing_twice(
    conference, organiser, django_capture_on_commit_callbacks
):
    services.invitation_import_csv(
        conference=conference, actor=organiser, data=csv_bytes("email", "a@example.org")
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.invitation_send_job_start(conference=conference, actor=organiser)
    # As if the worker died after the batch and the broker redelivered the task.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)

    services.invitation_send_job_run(job_id=job.pk)

    assert OutgoingEmail.objects.filter(kind="invitation").count() == 1


def test_a_cancelled_job_stops_between_batches(conference, organiser, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    services.invitation_import_csv(
        conference=conference, actor=organiser, data=csv_bytes("email", "a@example.org")
    )
    job = Job.objects.create(
        conference=conference, kind=services.JOB_INVITATIONS_SEND, cancel_requested=True
    )

    job = services.invitation_send_job_run(job_id=job.pk)

    assert job.status == Job.Status.CANCELLED
    assert Invitation.objects.get().status == Invitation.Status.QUEUED


def test_the_progress_bar_polls_while_the_job_runs(client, conference, organiser):
    job = Job.objects.create(
        conference=conference,
        kind=services.JOB_INVITATIONS_SEND,
        status=Job.Status.RUNNING,
        done=3,
        total=10,
    )
    client.force_login(organiser)
    url = reverse("accounts:invitations_job", args=[conference.slug, job.pk])

    running = client.get(url).content.decode()
    job.status = Job.Status.DONE
    job.save()
    done = client.get(url).content.decode()

    assert 'hx-trigger="every 1s"' in running
    assert 'max="10" value="3"' in running
    assert "hx-trigger" not in done


# Resend, revoke, expiry, reminders --------------------------------------------------


def test_resend_is_a_new_email_with_a_fresh_expiry(conference, organiser):
    invitation = services.invitation_create(
        conference=conference, actor=organiser, email="a@example.org"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        status=Invitation.Status.EXPIRED, expires_at=timezone.now()
    )

    invitation = services.invitation_resend(invitation=invitation, actor=organiser)

    assert invitation.status == Invitation.Status.SENT
    assert invitation.send_count == 2
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=29)
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 2


def test_an_accepted_or_revoked_invitation_cannot_be_resent(conference, organiser):
    accepted = InvitationFactory(conference=conference, status=Invitation.Status.ACCEPTED)
    revoked = InvitationFactory(conference=conference, status=Invitation.Status.REVOKED)

    for invitation in (accepted, revoked):
        with pytest.raises(services.InvitationError, match="cannot be resent"):
            services.invitation_resend(invitation=invitation, actor=organiser)


def test_an_expired_invitation_is_not_revived_over_a_newer_one(conference, organiser):
    old = InvitationFactory(
        conference=conference, email="a@example.org", status=Invitation.Status.EXPIRED
    )
    InvitationFactory(conference=conference, email="a@example.org")

    with pytest.raises(services.InvitationError, match="invited again since"):
        services.invitation_resend(invitation=old, actor=organiser)


def test_revoking_an_accepted_invitation_is_refused(conference, organiser):
    invitation = InvitationFactory(conference=conference, status=Invitation.Status.ACCEPTED)

    with pytest.raises(services.InvitationError, match="accepted"):
        services.invitation_revoke(invitation=invitation, actor=organiser)


def test_the_sweep_expires_stale_invitations(conference):
    stale = InvitationFactory(conference=conference, expires_at=timezone.now())
    fresh = InvitationFactory(
        conference=conference, expires_at=timezone.now() + datetime.timedelta(hours=1)
    )

    expired, _reminded = services.invitation_sweep()

    assert expired == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == Invitation.Status.EXPIRED
    assert fresh.status == Invitation.Status.SENT


def test_the_sweep_reminds_once_those_who_have_not_registered(conference):
    week_ago = timezone.now() - services.REMINDER_AFTER - datetime.timedelta(minutes=1)
    later = timezone.now() + datetime.timedelta(days=20)
    unanswered = InvitationFactory(conference=conference, sent_at=week_ago, expires_at=later)
    registered_user = UserFactory()
    RegistrationFactory(conference=conference, user=registered_user)
    InvitationFactory(
        conference=conference,
        email=registered_user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=registered_user,
        sent_at=week_ago,
    )
    not_registered = UserFactory()
    accepted = InvitationFactory(
        conference=conference,
        email=not_registered.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=not_registered,
        sent_at=week_ago,
    )
    InvitationFactory(conference=conference, sent_at=timezone.now(), expires_at=later)

    assert services.invitation_sweep() == (0, 2)
    assert services.invitation_sweep() == (0, 0)

    reminders = OutgoingEmail.objects.filter(kind="invitation_reminder")
    assert sorted(reminders.values_list("recipient", flat=True)) == sorted(
        [unanswered.email, accepted.email]
    )
    accepted_reminder = reminders.get(recipient=accepted.email)
    assert reverse("accounts:register", args=[conference.slug]) in accepted_reminder.body_text


# Pages --------------------------------------------------------------------------------


def test_the_organiser_invites_one_person_from_the_page(client, conference, organiser):
    client.force_login(organiser)
    url = reverse("accounts:invitations", args=[conference.slug])

    response = client.post(
        url, {"invite-email": "new@example.org", "invite-name": "New", "invite-role": "delegate"}
    )
    again = client.post(url, {"invite-email": "new@example.org", "invite-role": "delegate"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(conference=conference)
    assert invitation.email == "new@example.org"
    assert again.status_code == 200
    assert "already invited" in again.content.decode()
    # The list links each invitation to its email in the outbox, with its state.
    email = OutgoingEmail.objects.get(kind="invitation")
    listed = client.get(url).content.decode()
    assert reverse("conference:outbox_email", args=[conference.slug, email.pk]) in listed
    assert ">queued</a>" in listed


def test_the_upload_shows_its_report_and_starts_sending(
    client, conference, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    upload = csv_bytes(HEADER, "a@example.org,A,,,,", "oops,B,,,,")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitations_import", args=[conference.slug]),
            {"import-file": SimpleUploadedFile("list.csv", upload), "import-send_now": "on"},
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 invitation created" in page
    assert "not a valid email address" in page
    assert Invitation.objects.get().status == Invitation.Status.SENT


def test_a_spreadsheet_upload_is_refused_with_advice(client, conference, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("accounts:invitations_import", args=[conference.slug]),
        {"import-file": SimpleUploadedFile("list.xlsx", b"PK\x03\x04")},
    )

    assert "Save it as “CSV UTF-8”" in response.content.decode()


def test_another_conferences_invitation_is_a_404(client, conference, organiser):
    other = InvitationFactory()
    client.force_login(organiser)

    response = client.post(reverse("accounts:invitation_revoke", args=[conference.slug, other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Invitation.Status.SENT


def test_the_invitations_page_takes_a_fixed_number_of_queries(
    client, conference, organiser, django_assert_num_queries
):
    client.force_login(organiser)
    url = reverse("accounts:invitations", args=[conference.slug])
    for i in range(3):
        services.invitation_create(conference=conference, actor=organiser, email=f"{i}@x.org")
    client.get(url)  # warm up: session and content types

    # user, registration, conference with roles, authenticator (MFA), row
    # count, status counts, latest job, organisations of the form, page rows
    with django_assert_num_queries(9):
        client.get(url)
    for i in range(3, 30):
        services.invitation_create(conference=conference, actor=organiser, email=f"{i}@x.org")
    with django_assert_num_queries(9):
        client.get(url)


def test_the_sweep_restarts_a_send_job_whose_task_was_lost(
    conference, organiser, django_capture_on_commit_callbacks
):
    services.invitation_import_csv(
        conference=conference, actor=organiser, data=csv_bytes("email", "a@example.org")
    )
    # Started while the broker was down: the job row exists, its task does not.
    with django_capture_on_commit_callbacks(execute=False):
        job = services.invitation_send_job_start(conference=conference, actor=organiser)
    fresh = services.invitation_send_jobs_resume()
    Job.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - services.JOB_RESUME_AFTER - datetime.timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.invitation_send_jobs_resume()

    assert (fresh, resumed) == ([], [job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert Invitation.objects.get().status == Invitation.Status.SENT


# The invitation's language ----------------------------------------------------------


def test_an_invitation_in_japanese_is_written_in_japanese(conference, organiser):
    invitation = services.invitation_create(
        conference=conference, actor=organiser, email="sato@example.jp", language="ja"
    )

    email = OutgoingEmail.objects.get(dedup_key=f"invitation:{invitation.pk}:send:1")
    assert invitation.language == "ja"
    assert "招待" in email.subject
    # The expiry in the Japanese date order, not "20 12月 2026, 23:59".
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", email.body_text), email.body_text
    assert not re.search(r"\d{1,2} \d{1,2}月 \d{4}", email.body_text)
    assert reverse("invitation", args=[invitation.token]) in email.body_text


def test_the_csv_language_column_sets_each_invitation_language_and_refuses_unknown_ones(
    conference, organiser
):
    data = csv_bytes(
        "email,name,language",
        "sato@example.jp,Sato,ja",
        "tanaka@example.jp,Tanaka,日本語",
        "lee@example.org,Lee,",
        "kim@example.org,Kim,Klingon",
    )

    report = services.invitation_import_csv(conference=conference, actor=organiser, data=data)

    languages = dict(Invitation.objects.values_list("email", "language"))
    assert languages == {
        "sato@example.jp": "ja",
        "tanaka@example.jp": "ja",
        "lee@example.org": "en",
    }
    assert [(e.line, e.email) for e in report.errors] == [(5, "kim@example.org")]
    assert "unknown language" in str(report.errors[0].reason)


def test_a_bulk_send_writes_each_invitation_in_its_own_language(
    conference, organiser, django_capture_on_commit_callbacks
):
    services.invitation_import_csv(
        conference=conference,
        actor=organiser,
        data=csv_bytes("email,language", "sato@example.jp,ja", "lee@example.org,en"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send_job_start(conference=conference, actor=organiser)

    subjects = dict(OutgoingEmail.objects.values_list("recipient", "subject"))
    assert "招待" in subjects["sato@example.jp"]
    assert "招待" not in subjects["lee@example.org"]


def test_the_organiser_chooses_the_language_on_the_page(client, conference, organiser):
    client.force_login(organiser)
    url = reverse("accounts:invitations", args=[conference.slug])

    client.post(
        url, {"invite-email": "sato@example.jp", "invite-role": "delegate", "invite-language": "ja"}
    )

    assert Invitation.objects.get(email="sato@example.jp").language == "ja"


def test_the_downloadable_template_imports_without_a_single_error(client, conference, organiser):
    client.force_login(organiser)
    template = client.get(reverse("accounts:invitations_template", args=[conference.slug]))

    report = services.invitation_import_csv(
        conference=conference, actor=organiser, data=template.content
    )

    assert (report.created, report.errors) == (2, [])
    assert Invitation.objects.get(email="hanako.sato@example.jp").language == "ja"


def test_the_watching_page_reloads_once_the_bulk_send_ends(client, conference, organiser):
    job = Job.objects.create(
        conference=conference, kind="invitations.send", status=Job.Status.RUNNING, total=3
    )
    client.force_login(organiser)
    url = reverse("accounts:invitations_job", args=[conference.slug, job.pk])

    running = client.get(url + "?running=1")
    assert running.status_code == 200 and "HX-Refresh" not in running.headers
    assert "?running=1" in running.content.decode()  # polled again

    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, done=3)
    ended = client.get(url + "?running=1")
    assert ended.headers["HX-Refresh"] == "true"
    # The page's own first render of a finished job shows it, without a reload.
    assert "HX-Refresh" not in client.get(url).headers
