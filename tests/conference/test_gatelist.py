"""
The security gate list: security officers only, every download audited and
shown on the organisers' dashboard, and ID document data erased after the
retention period by the beat sweep.
"""

import datetime

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Registration
from accounts.tasks import id_data_purge_sweep
from conference.celery import app
from conference.core.models import AuditLog, Role
from conference.portal import exports
from tests.factories import ConferenceFactory, ConferenceRoleFactory, RegistrationFactory
from tests.helpers import login, pdf_pages, read_csv, url

pytestmark = pytest.mark.django_db

GATELIST_URLS = [
    "manage/exports/gatelist/",
    "manage/exports/gatelist.csv",
    "manage/exports/gatelist.pdf",
]


def gatelist(client, conference, fmt="csv", **query):
    return client.get(url(conference, f"manage/exports/gatelist.{fmt}"), query)


@pytest.mark.parametrize("path", GATELIST_URLS)
def test_only_security_officers_get_the_gate_list(
    conference, security_officer, organiser, checkin_staff, delegate, path
):
    assert login(security_officer).get(url(conference, path)).status_code == 200
    # An organiser is not a security officer: 403, and nothing is recorded.
    for user in (organiser, checkin_staff, delegate):
        assert login(user).get(url(conference, path)).status_code == 403
    assert login(None).get(url(conference, path)).status_code == 302
    actors = set(
        AuditLog.objects.filter(action=exports.GATELIST_DOWNLOAD).values_list("actor", flat=True)
    )
    assert actors <= {security_officer.pk}


def test_an_organiser_who_is_also_security_officer_gets_it(conference, organiser, cast):
    ConferenceRoleFactory(conference=conference, user=organiser, role=Role.SECURITY)

    assert gatelist(login(organiser), conference).status_code == 200


def test_gate_list_has_approved_delegates_with_nationality_and_id_fields(
    conference, security_officer, cast
):
    response = gatelist(login(security_officer), conference)

    header, *rows = read_csv(response)
    assert header == [
        "Family name",
        "Given name",
        "Organisation",
        "Nationality",
        "ID document",
        "Document number",
        "Document expiry",
        "VIP",
    ]
    # Approved only (not the pending Lee), by family name, no other conference.
    assert rows == [
        ["Mehta", "Priya", "Lohum", "India", "National ID card", "IN-998877", "", "no"],
        ["佐藤", "花子", "Toyota Tsusho", "Japan", "Passport", "TK1234567", "2031-05-01", "yes"],
    ]


def test_every_download_is_audited_with_who_when_filters_and_rows(
    conference, security_officer, organiser, cast
):
    before = timezone.now()
    gatelist(login(security_officer), conference, kind="oem")
    gatelist(login(security_officer), conference, "pdf")

    entries = list(AuditLog.objects.filter(conference=conference, action=exports.GATELIST_DOWNLOAD))
    assert [(e.actor, e.data["format"], e.data["rows"], e.data["filters"]) for e in entries] == [
        (security_officer, "pdf", 2, {}),
        (security_officer, "csv", 1, {"kind": ["oem"]}),
    ]
    assert all(entry.created_at >= before for entry in entries)

    dashboard = login(organiser).get(url(conference, "manage/"))
    assert list(dashboard.context["downloads"]) == entries
    html = dashboard.content.decode()
    assert "Gate-list downloads" in html
    assert security_officer.display_name in html


def test_gate_list_pdf_is_readable(conference, security_officer, cast):
    response = gatelist(login(security_officer), conference, "pdf")

    text = "\n".join(pdf_pages(response))
    assert "Gate list" in text and conference.name in text
    assert "TK1234567" in text and "佐藤" in text
    assert "2 approved delegates" in text


def test_gate_list_page_shows_the_retention_date_and_recent_downloads(
    conference, security_officer, cast
):
    gatelist(login(security_officer), conference)

    response = login(security_officer).get(url(conference, "manage/exports/gatelist/"))

    html = response.content.decode()
    assert response.context["deadline"] == account_services.id_retention_deadline(conference)
    assert "erased automatically" in html
    assert len(response.context["downloads"]) == 1


# Retention -----------------------------------------------------------------------------------


def test_retention_deadline_is_n_days_after_the_last_day_in_the_conference_zone(conference):
    conference.end_date = datetime.date(2026, 3, 5)
    conference.id_retention_days = 30

    deadline = account_services.id_retention_deadline(conference)

    assert deadline == datetime.datetime(2026, 4, 5, tzinfo=conference.tz)
    # Midnight in Kolkata is 18:30 UTC the day before.
    assert deadline.astimezone(datetime.UTC) == datetime.datetime(
        2026, 4, 4, 18, 30, tzinfo=datetime.UTC
    )


def _ended(conference, days_ago, retention=30):
    conference.start_date = timezone.localdate() - datetime.timedelta(days=days_ago + 1)
    conference.end_date = timezone.localdate() - datetime.timedelta(days=days_ago)
    conference.id_retention_days = retention
    conference.save()


def test_id_data_is_kept_until_the_deadline(conference, cast):
    _ended(conference, days_ago=10)

    assert account_services.id_data_purge() == 0
    cast["sato"].refresh_from_db()
    assert cast["sato"].id_document_number == "TK1234567"


def test_sweep_erases_id_data_after_the_retention_period_once(conference, security_officer, cast):
    _ended(conference, days_ago=40)
    current = ConferenceFactory()
    kept = RegistrationFactory(conference=current, id_document_number="KEEP1", status="approved")

    id_data_purge_sweep()

    for registration in (cast["sato"], cast["mehta"], cast["lee"]):
        registration.refresh_from_db()
        assert registration.id_document_number == ""
        assert registration.id_document_type == ""
        assert registration.id_document_expiry is None
        assert registration.id_data_erased_at is not None
    # Nationality is not ID document data; another conference's data is untouched.
    assert cast["sato"].nationality == "JP"
    kept.refresh_from_db()
    assert kept.id_document_number == "KEEP1"
    entry = AuditLog.objects.get(conference=conference, action=account_services.ID_DATA_ERASED)
    assert entry.data["rows"] == 3
    assert entry.actor is None

    # A second sweep finds nothing to do and writes nothing.
    assert account_services.id_data_purge() == 0
    assert AuditLog.objects.filter(action=account_services.ID_DATA_ERASED).count() == 1

    rows = read_csv(gatelist(login(security_officer), conference))[1:]
    assert [row[4:7] for row in rows] == [["", "", ""], ["", "", ""]]
    page = login(security_officer).get(url(conference, "manage/exports/gatelist/"))
    assert "has been erased" in page.content.decode()


def test_after_the_deadline_exports_hold_no_id_data_even_before_the_sweep(
    conference, security_officer, cast
):
    _ended(conference, days_ago=40)

    rows = read_csv(gatelist(login(security_officer), conference))[1:]

    assert Registration.objects.filter(id_data_erased_at__isnull=False).count() == 0
    assert [row[4:7] for row in rows] == [["", "", ""], ["", "", ""]]
    entry = AuditLog.objects.get(action=exports.GATELIST_DOWNLOAD)
    assert entry.data["id_data"] is False


def test_beat_runs_the_retention_sweep():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert "accounts.tasks.id_data_purge_sweep" in schedule
