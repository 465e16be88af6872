"""
A background export in a real browser, against gunicorn and a real Celery
worker: the organiser chooses approved recyclers, asks for the XLSX to be
prepared in the background, confirms, watches "Recent files" until the
worker has written it, and downloads a workbook with exactly those people.
"""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from conference.core.models import AuditLog, Job, OrganisationKind
from tests.factories import OrganisationFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.e2e

RECYCLERS = 25


def test_an_xlsx_prepared_in_the_background_downloads_with_the_chosen_rows(
    new_page, login, shots, e2e_conference, e2e_organiser, browser_errors
):
    conference, slug = e2e_conference, e2e_conference.slug
    lohum = OrganisationFactory(name="Lohum", kind=OrganisationKind.RECYCLER, country="IN")
    jbic = OrganisationFactory(name="JBIC", kind=OrganisationKind.FINANCIER, country="JP")
    for n in range(RECYCLERS):
        RegistrationFactory(
            conference=conference,
            status="approved",
            organisation=lohum,
            user=UserFactory(given_name=f"Recycler{n:02d}", family_name="Rao"),
        )
    RegistrationFactory(conference=conference, status="approved", organisation=jbic)
    RegistrationFactory(conference=conference, status="pending", organisation=lohum)

    page = new_page()
    login(page, e2e_organiser.email, e2e_organiser.password)
    page.goto(f"/events/{slug}/manage/exports/")
    expect(page.locator("#files-heading")).to_be_visible()
    page.locator("input[name=kind][value=recycler]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Prepare Excel in the background").click()

    prepare = page.locator("#prepare")
    expect(prepare).to_contain_text(f"{RECYCLERS} rows")
    shots(page, "prepare")
    with page.expect_navigation():
        prepare.get_by_role("button", name="Prepare in the background").click()

    job = Job.objects.get(conference=conference, kind="export.attendees")
    row = page.locator(f"#export-job-{job.pk}")
    link = row.locator(f"a[href$='/manage/exports/files/{job.pk}/']")
    expect(row.locator("progress, a")).not_to_have_count(0)
    expect(link).to_be_visible(timeout=60_000)  # htmx polls until the worker is done
    shots(page, "ready")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")

    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == RECYCLERS
    assert all(name.startswith("Rao") or "Recycler" in name for name in names)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["rows"] == RECYCLERS
    assert AuditLog.objects.filter(action="export.attendees", data__job=job.pk).count() == 1
    assert browser_errors == []
    assert shots.overflowing == []
