"""
Exports prepared in the background (conference/portal/exports/jobs.py): the
job runs on the long queue (inline here, as CELERY_TASK_ALWAYS_EAGER), writes
a real file to the shared storage (the database storage, as in a cluster),
and organisers of the conference download it, audited, until it expires;
the sweep deletes expired files and restarts lost runs. Synchronous downloads
above EXPORT_INLINE_MAX_ROWS send the organiser to the background form.
"""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from conference.celery import app
from conference.core.models import AuditLog, Job, Role, StoredFile
from conference.portal.exports import ExportParams
from conference.portal.exports.jobs import export_job_run, export_job_start, export_jobs_sweep
from tests.factories import ConferenceFactory, ConferenceRoleFactory
from tests.helpers import body, login, url

pytestmark = pytest.mark.django_db

PREPARE = "manage/exports/prepare/"


@pytest.fixture(autouse=True)
def _database_storage(settings):
    """The shared storage of a cluster (FILE_STORAGE=database)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "conference.core.storage.DatabaseStorage"},
    }


def prepare(client, conference, capture, **data):
    """Post the background form and run the task it enqueues (inline, once committed)."""
    with capture(execute=True):
        response = client.post(url(conference, PREPARE), data)
    return response


def file_url(conference, job):
    return url(conference, f"manage/exports/files/{job.pk}/")


def test_a_background_xlsx_has_the_chosen_rows_and_downloads_audited(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    client = login(organiser)

    response = prepare(
        client,
        conference,
        django_capture_on_commit_callbacks,
        format="xlsx",
        columns="organisation,status",
        status="approved",
    )

    assert response.status_code == 302
    job = Job.objects.get(conference=conference, kind="export.attendees")
    assert job.status == Job.Status.DONE
    assert (job.done, job.total) == (2, 2)
    assert job.params["format"] == "xlsx"
    name = job.result["name"]
    assert re.fullmatch(rf"exports/[0-9a-f]{{32}}/{conference.slug}-attendees-[0-9-]+\.xlsx", name)
    assert job.result["filename"] == name.rsplit("/", 1)[1]
    assert job.result["size"] == StoredFile.objects.get(name=name).size
    expires = timezone.datetime.fromisoformat(job.result["expires_at"])
    assert timedelta(hours=23) < expires - timezone.now() <= timedelta(hours=24)
    assert not AuditLog.objects.filter(action="export.attendees").exists()

    download = client.get(file_url(conference, job))

    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.result["filename"]}"'
    assert download["Content-Type"] == job.result["content_type"]
    sheet = load_workbook(io.BytesIO(body(download))).worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("Organisation", "Status")
    assert sorted(rows[1:]) == [("Lohum", "Approved"), ("Toyota Tsusho", "Approved")]
    entry = AuditLog.objects.get(action="export.attendees")
    assert entry.actor == organiser and entry.conference == conference
    assert entry.data["job"] == job.pk and entry.data["rows"] == 2
    assert entry.data["format"] == "xlsx"
    assert entry.data["filters"] == {"status": ["approved"]}


def test_badges_and_a_pdf_list_are_prepared_too(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    client = login(organiser)

    prepare(client, conference, django_capture_on_commit_callbacks, format="badges", sheet="a6")
    prepare(client, conference, django_capture_on_commit_callbacks, format="pdf", status="pending")

    badges = Job.objects.get(kind="export.badges")
    pages = PdfReader(io.BytesIO(body(client.get(file_url(conference, badges))))).pages
    assert badges.result["rows"] == 2 and len(pages) == 2  # approved only, one per A6 page
    listing = Job.objects.get(kind="export.attendees")
    text = PdfReader(io.BytesIO(body(client.get(file_url(conference, listing))))).pages[0]
    assert "Lee" in text.extract_text() and "Mehta" not in text.extract_text()
    assert AuditLog.objects.filter(action="export.badges", data__job=badges.pk).count() == 1


def test_the_same_request_while_running_gives_the_same_job(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = export_job_start(
            conference=conference,
            actor=organiser,
            fmt="xlsx",
            params=ExportParams(),
            roles={Role.ORGANISER},
        )
        second = export_job_start(
            conference=conference,
            actor=organiser,
            fmt="xlsx",
            params=ExportParams(),
            roles={Role.ORGANISER},
        )

    assert first.pk == second.pk
    assert first.status == Job.Status.QUEUED


def test_a_second_run_of_a_finished_job_writes_nothing(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    prepare(login(organiser), conference, django_capture_on_commit_callbacks, format="xlsx")
    job = Job.objects.get()

    export_job_run(job_id=job.pk)

    assert StoredFile.objects.count() == 1
    assert Job.objects.get().result == job.result


def test_an_expired_file_is_a_404_and_the_sweep_deletes_it(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    client = login(organiser)
    prepare(client, conference, django_capture_on_commit_callbacks, format="xlsx")
    job = Job.objects.get()
    name = job.result["name"]
    later = timezone.now() + timedelta(hours=24, minutes=1)

    # Not swept yet, but past its expiry: no longer served.
    Job.objects.filter(pk=job.pk).update(
        result={**job.result, "expires_at": (timezone.now() - timedelta(seconds=1)).isoformat()}
    )
    assert client.get(file_url(conference, job)).status_code == 404
    Job.objects.filter(pk=job.pk).update(result=job.result)

    assert export_jobs_sweep(now=timezone.now()) == ([], [])
    assert StoredFile.objects.filter(name=name).exists()
    expired, _resumed = export_jobs_sweep(now=later)

    assert expired == [job.pk]
    assert not StoredFile.objects.filter(name=name).exists()
    assert client.get(file_url(conference, job)).status_code == 404
    page = client.get(url(conference, "manage/exports/")).content.decode()
    assert "The file expired and is no longer available." in page
    assert not AuditLog.objects.filter(action="export.attendees").exists()


def test_the_sweep_runs_a_job_whose_task_was_lost(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got it
        job = export_job_start(
            conference=conference,
            actor=organiser,
            fmt="xlsx",
            params=ExportParams(status=["approved"]),
            roles={Role.ORGANISER},
        )
    assert export_jobs_sweep(now=timezone.now())[1] == []  # too young to be lost

    with django_capture_on_commit_callbacks(execute=True):
        _expired, resumed = export_jobs_sweep(now=timezone.now() + timedelta(minutes=3))

    assert resumed == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["rows"] == 2


def test_a_run_whose_worker_died_is_taken_over_once_its_lease_runs_out(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = export_job_start(
            conference=conference,
            actor=organiser,
            fmt="xlsx",
            params=ExportParams(),
            roles={Role.ORGANISER},
        )
    now = timezone.now().timestamp()
    # A run that claimed the job and died: while its lease holds, nobody else runs it.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, result={"run": "dead", "lease_until": now + 60}
    )
    assert export_job_run(job_id=job.pk).status == Job.Status.RUNNING
    assert not StoredFile.objects.exists()

    Job.objects.filter(pk=job.pk).update(result={"run": "dead", "lease_until": now - 1})
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs_sweep()[1] == [job.pk]

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and StoredFile.objects.count() == 1


# Who may download ----------------------------------------------------------------------------


@pytest.fixture
def prepared(conference, organiser, cast, django_capture_on_commit_callbacks):
    prepare(login(organiser), conference, django_capture_on_commit_callbacks, format="xlsx")
    return Job.objects.get()


def test_another_organiser_of_the_conference_may_download(conference, prepared):
    colleague = ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user
    conference.require_staff_mfa = False
    conference.save()

    assert login(colleague).get(file_url(conference, prepared)).status_code == 200


def test_an_organiser_of_another_conference_gets_a_404(conference, prepared):
    elsewhere = ConferenceFactory(require_staff_mfa=False)
    stranger = ConferenceRoleFactory(conference=elsewhere, role=Role.ORGANISER).user
    client = login(stranger)

    assert client.get(file_url(elsewhere, prepared)).status_code == 404
    assert (
        client.get(url(elsewhere, f"manage/exports/files/{prepared.pk}/progress/")).status_code
        == 404
    )
    assert client.get(file_url(conference, prepared)).status_code == 403
    assert not AuditLog.objects.filter(action="export.attendees").exists()


def test_a_delegate_is_refused(conference, prepared, delegate):
    assert login(delegate).get(file_url(conference, prepared)).status_code == 403


def test_only_organisers_may_start_one(conference, delegate, security_officer):
    for user in (delegate, security_officer):
        response = login(user).post(url(conference, PREPARE), {"format": "xlsx"})
        assert response.status_code == 403
    assert not Job.objects.exists()


def test_an_unknown_format_or_a_bad_filter_is_a_400(conference, organiser):
    client = login(organiser)

    assert client.post(url(conference, PREPARE), {"format": "csv"}).status_code == 400
    bad = client.post(url(conference, PREPARE), {"format": "xlsx", "session": "999999"})
    assert bad.status_code == 400
    assert not Job.objects.exists()


# Too large for the request ---------------------------------------------------------------------


def test_a_download_above_the_limit_offers_the_background_instead(
    conference, organiser, cast, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client = login(organiser)

    response = client.get(
        url(conference, "manage/exports/attendees.xlsx"),
        {"status": "approved", "columns": "name,email"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(url(conference, "manage/exports/?"))
    assert "prepare=xlsx" in response["Location"]
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "This export has 2 rows, more than can be prepared while you wait (1)." in text
    assert page.context["prepare"]["count"] == 2
    assert ("status", "approved") in page.context["prepare"]["fields"]
    assert ("columns", "name,email") in page.context["prepare"]["fields"]
    assert f'action="{url(conference, PREPARE)}"' in text
    assert not AuditLog.objects.exists()

    # The form it offers prepares exactly that export.
    data = dict(page.context["prepare"]["fields"], format="xlsx")
    prepare(client, conference, django_capture_on_commit_callbacks, **data)
    job = Job.objects.get()
    assert job.params["query"] == {
        "columns": "name,email",
        "status": ["approved"],
        "order": "name",
        "layout": "people",
    }
    assert job.result["rows"] == 2


def test_badges_and_pdf_above_the_limit_are_sent_to_the_background_but_csv_streams(
    conference, organiser, cast, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client = login(organiser)

    badges = client.get(url(conference, "manage/exports/badges.pdf"))
    pdf = client.get(url(conference, "manage/exports/attendees.pdf"))
    csv = client.get(url(conference, "manage/exports/attendees.csv"))

    assert badges.status_code == 302 and "prepare=badges" in badges["Location"]
    assert pdf.status_code == 302 and "prepare=pdf" in pdf["Location"]
    assert csv.status_code == 200 and csv.streaming


def test_a_download_within_the_limit_is_still_served_at_once(conference, organiser, cast):
    response = login(organiser).get(url(conference, "manage/exports/attendees.xlsx"))

    assert response.status_code == 200
    assert not Job.objects.exists()


# The exports page ------------------------------------------------------------------------------


def test_recent_files_show_progress_while_running_and_a_link_when_done(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=False):
        waiting = export_job_start(
            conference=conference,
            actor=organiser,
            fmt="pdf",
            params=ExportParams(),
            roles={Role.ORGANISER},
            total=3,
        )
    prepare(client, conference, django_capture_on_commit_callbacks, format="xlsx")
    done = Job.objects.get(status=Job.Status.DONE)

    page = client.get(url(conference, "manage/exports/")).content.decode()
    row = client.get(url(conference, f"manage/exports/files/{waiting.pk}/progress/"))

    assert f'href="{file_url(conference, done)}"' in page
    assert f'hx-get="{url(conference, f"manage/exports/files/{waiting.pk}/progress/")}"' in page
    assert "0 of 3 rows" in row.content.decode()
    assert 'hx-trigger="every 2s"' in row.content.decode()
    finished = client.get(url(conference, f"manage/exports/files/{done.pk}/progress/"))
    assert "hx-trigger" not in finished.content.decode()


def test_the_exports_page_queries_do_not_grow_with_the_jobs(
    conference, organiser, cast, django_capture_on_commit_callbacks
):
    client = login(organiser)
    prepare(client, conference, django_capture_on_commit_callbacks, format="xlsx")
    with CaptureQueriesContext(connection) as few:
        client.get(url(conference, "manage/exports/"))
    others = [
        ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user for _ in range(3)
    ]
    for user in others:
        with django_capture_on_commit_callbacks(execute=True):
            export_job_start(
                conference=conference,
                actor=user,
                fmt="badges",
                params=ExportParams(),
                roles={Role.ORGANISER},
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(conference, "manage/exports/"))

    assert len(response.context["jobs"]) == 4
    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_run_is_on_the_long_queue_and_the_sweep_on_the_beat_schedule():
    app.loader.import_default_modules()  # what a worker does at start (autodiscovery)

    assert app.tasks["long.export_run"].acks_late
    assert app.amqp.router.route({}, "long.export_run")["queue"].name == "long"
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "conference.portal.exports.tasks.export_jobs_sweep" in schedule
    assert "conference.portal.exports.tasks.export_jobs_sweep" in app.tasks


def test_the_page_after_a_redirect_keeps_the_chosen_columns_ticked(conference, organiser):
    page = login(organiser).get(
        url(conference, "manage/exports/"), {"columns": "email,organisation", "prepare": "xlsx"}
    )

    ticked = re.findall(r'name="columns" value="(\w+)"[^>]* checked', page.content.decode())
    assert sorted(ticked) == ["email", "organisation"]
    assert ("columns", "email,organisation") in page.context["prepare"]["fields"]
