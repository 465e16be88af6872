"""
Attendee exports as served: CSV read with the csv module, XLSX with openpyxl,
PDF text with pypdf; filters, presets, the audit entry, spreadsheet safety,
query counts, and the per-organisation meeting schedule.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conference.core.models import AuditLog, ExportPreset
from tests.factories import (
    ConferenceFactory,
    MeetingFactory,
    MeetingSeatFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSignupFactory,
    UserFactory,
)
from tests.helpers import body, login, pdf_pages, read_csv, read_xlsx, url

pytestmark = pytest.mark.django_db


def export(client, conference, fmt="csv", **query):
    return client.get(url(conference, f"manage/exports/attendees.{fmt}"), query)


def by_name(rows):
    header, *data = rows
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in data}


# CSV ---------------------------------------------------------------------------------------


def test_csv_has_the_chosen_columns_in_the_chosen_order(conference, organiser, cast):
    response = export(
        login(organiser),
        conference,
        columns="name,organisation,kind,country,job_title,email,status",
        order="name",
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    header, rows = by_name(read_csv(response))
    assert header == [
        "Name",
        "Organisation",
        "Organisation kind",
        "Country",
        "Job title",
        "Email",
        "Status",
    ]
    # Every registration of this conference, whatever its status; none of another.
    assert set(rows) == {"佐藤 花子", "Priya Mehta", "Daniel Lee"}
    assert rows["佐藤 花子"]["Organisation kind"] == "Car maker (OEM)"
    assert rows["佐藤 花子"]["Country"] == "Japan"
    assert rows["Daniel Lee"]["Status"] == "Pending"
    assert rows["Priya Mehta"]["Email"] == cast["mehta"].user.email


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(conference, organiser, cast):
    cast["lee"].user.given_name = "@SUM(1+1)"
    cast["lee"].user.save()
    cast["lee"].job_title = "\tTabbed"
    cast["lee"].dietary_needs = "+cmd|' /C calc'!A0"
    cast["lee"].access_needs = "\rreturn"
    cast["lee"].save()

    response = export(
        login(organiser),
        conference,
        columns="family_name,given_name,job_title,dietary_needs,access_needs",
    )

    rows = {row[0]: row for row in read_csv(response)[1:]}
    assert rows["Mehta"][3] == "'" + cast["mehta"].dietary_needs
    assert rows["Mehta"][4] == "'-wheelchair access"
    assert rows["Lee"][1:] == ["'@SUM(1+1)", "'\tTabbed", "'+cmd|' /C calc'!A0", "'\rreturn"]
    # Harmless text is left alone.
    assert rows["佐藤"][3] == "Vegetarian"


def test_csv_times_are_in_the_conference_zone_and_labelled(conference, organiser, cast):
    response = export(login(organiser), conference, columns="name,checked_in_at")

    header, rows = by_name(read_csv(response))
    assert header[1] == "Checked in (Asia/Kolkata)"
    assert rows["佐藤 花子"][header[1]] == f"{conference.start_date:%Y-%m-%d} 09:12"
    assert rows["Priya Mehta"][header[1]] == ""


def test_sessions_and_meeting_count_columns_give_titles_and_a_count_only(
    conference, organiser, cast
):
    response = export(login(organiser), conference, columns="name,sessions,meeting_count")

    _header, rows = by_name(read_csv(response))
    assert rows["佐藤 花子"]["Sessions"] == "Securing anchor off-takers"
    assert rows["佐藤 花子"]["B2B meetings"] == "1"
    assert rows["Daniel Lee"]["B2B meetings"] == "0"
    # Whom she meets is nowhere in the export.
    assert "Mehta" not in str(rows["佐藤 花子"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "approved"}, {"佐藤 花子", "Priya Mehta"}),
        ({"status": ["pending", "approved"]}, {"佐藤 花子", "Priya Mehta", "Daniel Lee"}),
        ({"kind": "recycler"}, {"Priya Mehta"}),
        ({"kind": ["oem", "financier"]}, {"佐藤 花子", "Daniel Lee"}),
        ({"country": "AU"}, {"Daniel Lee"}),
        ({"checked_in": "yes"}, {"佐藤 花子"}),
        ({"checked_in": "no"}, {"Priya Mehta", "Daniel Lee"}),
        ({"vip": "yes"}, {"佐藤 花子"}),
    ],
)
def test_filters_choose_the_rows(conference, organiser, cast, query, expected):
    response = export(login(organiser), conference, columns="name", **query)

    assert {row[0] for row in read_csv(response)[1:]} == expected


def test_session_filter_lists_only_its_confirmed_sign_ups(conference, organiser, cast):
    session = cast["session"]
    SessionSignupFactory(session=session, registration=cast["lee"], status="waitlisted")

    response = export(login(organiser), conference, columns="name", session=session.pk)

    assert [row[0] for row in read_csv(response)[1:]] == ["佐藤 花子"]


def test_a_session_or_country_not_of_the_conference_is_refused(conference, organiser, cast):
    elsewhere = SessionFactory(conference=ConferenceFactory())
    client = login(organiser)

    assert export(client, conference, session=elsewhere.pk).status_code == 400
    assert export(client, conference, country="FR").status_code == 400
    assert export(client, conference, columns="name,password").status_code == 400
    refused = export(client, conference, status="<script>alert(1)</script>")
    assert refused.status_code == 400
    # The error may quote what was sent: it is plain text, never HTML.
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert not AuditLog.objects.filter(action="export.attendees").exists()


def test_sign_ups_layout_gives_one_row_per_session_sign_up(conference, organiser, cast):
    second = SessionFactory(conference=conference, title="Bankability of recycling plants")
    SessionSignupFactory(session=second, registration=cast["sato"])
    SessionSignupFactory(session=second, registration=cast["mehta"])
    SessionSignupFactory(session=second, registration=cast["lee"], status="cancelled")

    response = export(login(organiser), conference, columns="name,organisation", layout="signups")

    header, *rows = read_csv(response)
    assert header[:3] == ["Session", "Starts (Asia/Kolkata)", "Room"]
    # By session (both start at 09:30, so by title), then by family name.
    assert [(row[0], row[3]) for row in rows] == [
        ("Bankability of recycling plants", "Priya Mehta"),
        ("Bankability of recycling plants", "佐藤 花子"),
        ("Securing anchor off-takers", "佐藤 花子"),
    ]


def test_each_export_is_audited_with_its_filters_and_row_count(conference, organiser, cast):
    export(login(organiser), conference, "xlsx", columns="name", status="approved", kind="oem")

    entry = AuditLog.objects.get(conference=conference, action="export.attendees")
    assert entry.actor == organiser
    assert entry.data["format"] == "xlsx"
    assert entry.data["rows"] == 1
    assert entry.data["filters"] == {"status": ["approved"], "kind": ["oem"]}
    assert entry.data["columns"] == ["name"]


# XLSX ----------------------------------------------------------------------------------------


def test_xlsx_has_typed_cells_a_frozen_header_an_auto_filter_and_widths(
    conference, organiser, cast
):
    response = export(
        login(organiser),
        conference,
        "xlsx",
        columns="name,vip,meeting_count,checked_in_at,dietary_needs",
        order="name",
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = read_xlsx(response)
    sheet = workbook["Attendees"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert sheet.column_dimensions["A"].width == 28
    assert [cell.value for cell in sheet[1]] == [
        "Name",
        "VIP",
        "B2B meetings",
        "Checked in (Asia/Kolkata)",
        "Dietary needs",
    ]
    assert sheet["A1"].font.b
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    sato = rows["佐藤 花子"]
    assert sato[1].value is True
    assert sato[2].value == 1
    assert sato[3].value == datetime.datetime.combine(conference.start_date, datetime.time(9, 12))
    assert sato[3].is_date
    # A formula typed into a form is stored as text, never as a formula.
    mehta = rows["Priya Mehta"]
    assert mehta[4].data_type == "s"
    assert mehta[4].value == cast["mehta"].dietary_needs
    assert rows["Daniel Lee"][3].value is None
    about = {row[0].value: row[1].value for row in workbook["Export"].iter_rows()}
    assert about["Conference"] == conference.name
    assert about["Filters"] == "all registrations"
    assert about["Rows"] == 3
    assert about["Exported"].startswith("Exported ") and organiser.display_name in about["Exported"]


def test_printed_lists_say_their_filters_in_words(conference, organiser, cast):
    response = export(
        login(organiser),
        conference,
        "pdf",
        columns="name",
        status="approved",
        kind="oem",
        vip="yes",
    )

    first_page = " ".join(pdf_pages(response)[0].split())
    assert "status: Approved; kind: Car maker (OEM); VIPs only" in first_page
    assert "1 row ·" in first_page


# PDF ------------------------------------------------------------------------------------------


def test_pdf_is_a_paginated_table_with_the_conference_and_export_time(conference, organiser, cast):
    for n in range(60):
        RegistrationFactory(
            conference=conference,
            user=UserFactory(given_name=f"Guest{n:02d}", family_name="Zed"),
            status="approved",
        )

    response = export(login(organiser), conference, "pdf", columns="name,organisation,status")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response)
    assert len(pages) >= 2
    for page in pages:
        assert conference.name in page
        assert "Exported" in page and "Asia/Kolkata" in page
        # The header row is repeated on every page.
        assert "Organisation" in page
    text = "\n".join(pages)
    assert "佐藤 花子" in text
    assert "Toyota Tsusho" in text
    assert "Guest59 Zed" in text
    assert "63 rows" in pages[0]


# Query counts and streaming ---------------------------------------------------------------


def _queries_for_export(client, conference):
    with CaptureQueriesContext(connection) as queries:
        response = export(
            client, conference, columns="name,organisation,kind,sessions,meeting_count"
        )
        rows = read_csv(response)
    return len(queries), len(rows) - 1


def test_csv_export_queries_do_not_grow_with_the_rows(conference, organiser, cast):
    client = login(organiser)
    few_queries, few_rows = _queries_for_export(client, conference)
    session = SessionFactory(conference=conference)
    for _ in range(25):
        registration = RegistrationFactory(conference=conference, status="approved")
        SessionSignupFactory(session=session, registration=registration)
        MeetingSeatFactory(meeting=MeetingFactory(conference=conference), registration=registration)

    many_queries, many_rows = _queries_for_export(client, conference)

    assert (few_rows, many_rows) == (3, 28)
    # User, access (registration, conference with roles, second factor),
    # the form's choices (countries, sessions), the count, the audit entry
    # (savepoint, insert, release), the session titles, the rows (one cursor)
    # and their sign-ups (one query per 2,000 rows).
    assert few_queries == many_queries == 13


def test_csv_streams_in_chunks(conference, organiser, cast):
    for _ in range(40):
        RegistrationFactory(conference=conference, status="approved", job_title="x" * 150)
    from conference.portal import exports

    params = exports.ExportParams(columns=["name", "job_title"])
    table = exports.attendee_table(conference=conference, params=params)
    chunks = list(exports.stream_csv(table, flush_at=1024))

    assert len(chunks) > 3
    assert chunks[0].startswith("\ufeffName,Job title")


# Permissions -------------------------------------------------------------------------------

STAFF_EXPORTS = [
    "manage/exports/",
    "manage/exports/count/",
    "manage/exports/attendees.csv",
    "manage/exports/attendees.xlsx",
    "manage/exports/attendees.pdf",
    "manage/exports/badges.pdf",
    "manage/exports/presets/new/",
]


@pytest.mark.parametrize("path", STAFF_EXPORTS)
def test_only_organisers_get_attendee_exports(
    conference, organiser, security_officer, checkin_staff, delegate, path
):
    assert login(organiser).get(url(conference, path)).status_code == 200
    for user in (security_officer, checkin_staff, delegate, UserFactory()):
        assert login(user).get(url(conference, path)).status_code == 403
    anonymous = login(None).get(url(conference, path))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_an_organiser_of_another_conference_gets_403(conference, cast):
    from conference.core.models import Role
    from tests.factories import ConferenceRoleFactory, totp_activate

    stranger = ConferenceRoleFactory(conference=ConferenceFactory(), role=Role.ORGANISER).user
    totp_activate(stranger)

    assert login(stranger).get(url(conference, "manage/exports/attendees.csv")).status_code == 403


# The exports page and presets ------------------------------------------------------------


def test_exports_page_shows_the_chooser_and_the_number_of_matching_rows(
    conference, organiser, cast
):
    response = login(organiser).get(url(conference, "manage/exports/"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="columns" value="dietary_needs"' in html
    # By default the page counts approved registrations.
    assert response.context["count"] == 2
    counted = login(organiser).get(url(conference, "manage/exports/count/"), {"status": "pending"})
    assert counted.context["count"] == 1


def test_exports_page_queries_do_not_grow_with_presets(conference, organiser, cast):
    client = login(organiser)
    client.post(url(conference, "manage/exports/presets/suggested/"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(conference, "manage/exports/"))
    for n in range(5):
        ExportPreset.objects.create(
            conference=conference, name=f"Extra {n}", params={"columns": "name", "kind": ["oem"]}
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(conference, "manage/exports/"))

    assert len(response.context["presets"]) == 8
    assert len(few) == len(many)


def test_suggested_presets_are_added_once_and_download_what_they_say(conference, organiser, cast):
    client = login(organiser)
    client.post(url(conference, "manage/exports/presets/suggested/"))
    client.post(url(conference, "manage/exports/presets/suggested/"))

    presets = {
        preset.audience: preset for preset in ExportPreset.objects.filter(conference=conference)
    }
    assert set(presets) == {"catering", "protocol", "session_rooms"}
    page = client.get(url(conference, "manage/exports/"))
    catering_query = dict(page.context["presets"])[presets["catering"]]
    response = client.get(url(conference, "manage/exports/attendees.csv") + "?" + catering_query)
    header, rows = by_name(read_csv(response))
    assert header == ["Name", "Organisation", "Dietary needs", "Access needs"]
    assert set(rows) == {"佐藤 花子", "Priya Mehta"}
    protocol_query = dict(page.context["presets"])[presets["protocol"]]
    response = client.get(url(conference, "manage/exports/attendees.csv") + "?" + protocol_query)
    assert [row[0] for row in read_csv(response)[1:]] == ["佐藤 花子"]


def test_organiser_names_edits_and_deletes_a_preset(conference, organiser, cast):
    client = login(organiser)
    response = client.post(
        url(conference, "manage/exports/presets/new/"),
        {
            "name": "Halal and vegetarian",
            "audience": "catering",
            "columns": ["name", "dietary_needs"],
            "status": ["approved"],
        },
    )
    assert response.status_code == 302
    preset = ExportPreset.objects.get(conference=conference)
    assert preset.params == {
        "columns": "name,dietary_needs",
        "status": ["approved"],
        "order": "name",
        "layout": "people",
    }

    duplicate = client.post(
        url(conference, "manage/exports/presets/new/"),
        {"name": "HALAL AND VEGETARIAN", "audience": "other"},
    )
    assert duplicate.status_code == 200
    assert "already a preset" in duplicate.content.decode()

    client.post(
        url(conference, f"manage/exports/presets/{preset.pk}/"),
        {"name": "Lunch", "audience": "catering", "columns": "name", "kind": "oem"},
    )
    preset.refresh_from_db()
    assert (preset.name, preset.params["kind"]) == ("Lunch", ["oem"])

    client.post(url(conference, f"manage/exports/presets/{preset.pk}/delete/"))
    assert not ExportPreset.objects.exists()
    actions = set(AuditLog.objects.filter(conference=conference).values_list("action", flat=True))
    assert {"export.preset_created", "export.preset_updated", "export.preset_deleted"} <= actions


def test_a_preset_of_another_conference_is_404(conference, organiser):
    elsewhere = ExportPreset.objects.create(conference=ConferenceFactory(), name="Theirs")

    client = login(organiser)
    assert client.get(url(conference, f"manage/exports/presets/{elsewhere.pk}/")).status_code == 404
    assert (
        client.post(url(conference, f"manage/exports/presets/{elsewhere.pk}/delete/")).status_code
        == 404
    )
    assert ExportPreset.objects.filter(pk=elsewhere.pk).exists()


# Per-organisation meeting schedules ----------------------------------------------------------


def test_organisers_get_an_organisations_meeting_schedule(conference, organiser, cast):
    toyota = cast["toyota"]

    response = login(organiser).get(url(conference, f"manage/exports/meetings/{toyota.pk}.csv"))

    header, *rows = read_csv(response)
    assert header == [
        "Starts (Asia/Kolkata)",
        "Ends (Asia/Kolkata)",
        "Table",
        "Room",
        "Our delegates",
        "Meeting with",
    ]
    assert len(rows) == 1
    assert rows[0][4] == "佐藤 花子"
    assert rows[0][5] == "Priya Mehta (Lohum)"
    pdf = login(organiser).get(url(conference, f"manage/exports/meetings/{toyota.pk}.pdf"))
    text = "\n".join(pdf_pages(pdf))
    assert "Toyota Tsusho" in text and "Priya Mehta (Lohum)" in text
    assert AuditLog.objects.filter(action="export.meetings").count() == 2


def test_a_delegate_gets_only_their_own_organisations_schedule(conference, cast):
    outsider = RegistrationFactory(
        conference=conference, status="approved", organisation=OrganisationFactory(name="Vedanta")
    )

    own = read_csv(login(cast["mehta"].user).get(url(conference, "me/meetings.csv")))
    theirs = read_csv(login(outsider.user).get(url(conference, "me/meetings.csv")))

    assert own[1][4:] == ["Priya Mehta", "佐藤 花子 (Toyota Tsusho)"]
    assert theirs[1:] == []
    # The organisers' URL is not theirs.
    toyota = cast["toyota"]
    assert (
        login(cast["mehta"].user)
        .get(url(conference, f"manage/exports/meetings/{toyota.pk}.csv"))
        .status_code
        == 403
    )
    # A pending registration is no delegate yet.
    assert login(cast["lee"].user).get(url(conference, "me/meetings.pdf")).status_code == 403


def test_schedule_of_an_organisation_not_at_the_conference_is_404(conference, organiser, cast):
    absent = OrganisationFactory()

    response = login(organiser).get(url(conference, f"manage/exports/meetings/{absent.pk}.pdf"))

    assert response.status_code == 404
    assert body(response)
