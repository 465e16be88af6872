"""
The portal as its users see it: whole journeys in headless Chromium against
gunicorn (DEBUG off, whitenoise), with a real Celery worker delivering mail to
an SMTP sink. Each journey saves screenshots of its key pages under
tests/e2e/artifacts/<test>/.
"""

import csv
import datetime
import io
import re
import urllib.request

import openpyxl
import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import Invitation, Registration
from b2b_meetings.models import Meeting
from conference.core.models import OrganisationKind
from sessions_app import services as agenda_services
from sessions_app.models import Session
from tests.e2e import personas
from tests.factories import (
    MeetingSlotFactory,
    OrganisationFactory,
    RoomFactory,
    SessionFactory,
    TableFactory,
    local_time,
)
from tests.helpers.browser import wait_until

pytestmark = pytest.mark.e2e

INVITE_LINK = re.compile(r"https?://[^\s\"'<>]+/invite/[\w-]+/")


def text_body(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def unexpected(errors, *paths):
    """
    The browser errors other than the failed loads of `paths`: a refused page
    is an error for the browser, and Django's plain error pages make it ask
    for /favicon.ico, which does not exist.
    """
    expected = [*paths, "/favicon.ico"]
    return [e for e in errors if not any(e.endswith(f"{path}]") for path in expected)]


def submit(page, locator):
    """Clicks a submit button and waits for the page it leads to."""
    with page.expect_navigation():
        locator.click()


# 1. The organiser ------------------------------------------------------------------------


def test_organiser_logs_in_with_totp_builds_a_session_publishes_and_invites_two_people(
    page, shot, e2e_conference, e2e_organiser, wait_for_email, e2e_server, browser_errors
):
    conference = e2e_conference
    room = RoomFactory(conference=conference, name="Durbar Hall", capacity=120)
    RoomFactory(conference=conference, name="Committee Room", capacity=30)
    slug = conference.slug
    day = conference.start_date.isoformat()

    # Password, then the authenticator app's code.
    page.goto(f"/events/{slug}/manage/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=login]", e2e_organiser.email)
    page.fill("input[name=password]", e2e_organiser.password)
    shot(page, "login")
    submit(page, page.get_by_role("button", name="Log in", exact=True))
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", personas.totp_code(e2e_organiser.totp_secret))
    shot(page, "login-totp")
    submit(page, page.get_by_role("button", name="Sign In"))
    expect(page).to_have_url(re.compile(rf"/events/{slug}/manage/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(page, "dashboard")

    # A new session from the agenda builder, placed in the grid.
    page.get_by_role("link", name="Agenda builder").first.click()
    expect(page.get_by_role("heading", name="Agenda builder")).to_be_visible()
    shot(page, "agenda-builder-empty")
    page.get_by_role("link", name="New session").click()
    page.get_by_label("Title").fill("Securing anchor off-takers")
    page.get_by_label("Kind").select_option("panel")
    page.get_by_label("Room").select_option(str(room.pk))
    page.get_by_label("Starts").fill(f"{day}T10:00")
    page.get_by_label("Ends").fill(f"{day}T11:00")
    page.get_by_label("Capacity").fill("40")
    page.get_by_label("Published").check()
    shot(page, "session-form")
    submit(page, page.locator("main form button[type=submit]").first)
    expect(page.get_by_text("“Securing anchor off-takers” is saved.")).to_be_visible()
    block = page.locator(".tt-session", has_text="Securing anchor off-takers")
    expect(block).to_contain_text("10:00–11:00")
    session = Session.objects.get(
        conference=conference, title__contains="Securing anchor off-takers"
    )

    # Drag it half an hour later; the grid saves it at once.
    box = block.bounding_box()
    hour = page.locator(".tt-hour").first.bounding_box()["height"]
    x, y = box["x"] + box["width"] / 2, box["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    with page.expect_response(lambda r: r.url.endswith(f"/sessions/{session.pk}/move/")) as moved:
        for step in range(1, 11):
            page.mouse.move(x, y + hour / 2 * step / 10)
        page.mouse.up()
    assert moved.value.ok, moved.value.text()
    expect(block).to_contain_text("10:30–11:30")
    session.refresh_from_db()
    assert session.starts_at == local_time(conference, 10, 30)
    assert session.ends_at == local_time(conference, 11, 30)
    shot(page, "agenda-builder-moved")

    # Publish: delegates see it on the public agenda.
    submit(page, page.get_by_role("button", name="Publish the agenda"))
    expect(page.get_by_text("Version 1 of the agenda is published.")).to_be_visible()
    shot(page, "agenda-published")
    page.goto(f"/events/{slug}/agenda/")
    item = page.locator("main").get_by_text("Securing anchor off-takers")
    expect(item).to_be_visible()
    expect(page.locator("main")).to_contain_text("10:30")
    shot(page, "public-agenda")

    # Two invitations; the worker delivers each to the SMTP server.
    page.goto(f"/events/{slug}/manage/invitations/")
    invitees = [("hanako.sato@example.jp", "Sato Hanako"), ("a.kumar@example.in", "Arjun Kumar")]
    for email, name in invitees:
        page.locator("#id_invite-email").fill(email)
        page.locator("#id_invite-name").fill(name)
        submit(page, page.get_by_role("button", name="Send invitation"))
        expect(page.get_by_text(f"Invitation queued for {email}.")).to_be_visible()
    shot(page, "invitations-queued")
    for email, _name in invitees:
        message = wait_for_email(email)
        links = INVITE_LINK.findall(text_body(message))
        assert links, text_body(message)
        assert links[0].startswith(f"{e2e_server.url}/invite/")
        invitation = Invitation.objects.get(conference=conference, email=email)
        assert links[0].endswith(f"/invite/{invitation.token}/")
    wait_until(
        lambda: Invitation.objects.filter(conference=conference, status="sent").count() == 2,
        "both invitations to be marked sent",
    )
    page.reload()
    expect(page.locator(".invitations-table tbody tr")).to_have_count(2)
    expect(page.locator(".invitations-table .status-pill.status-sent")).to_have_count(2)
    shot(page, "invitations-sent")
    assert browser_errors == []


# 2. The invitee ---------------------------------------------------------------------------


def test_invitee_follows_the_emailed_link_registers_is_approved_and_subscribes_to_the_calendar(
    new_page,
    login,
    shot,
    e2e_conference,
    e2e_organiser,
    wait_for_email,
    e2e_server,
    browser_errors,
):
    conference = e2e_conference
    slug = conference.slug
    session = SessionFactory(
        conference=conference,
        title="Bankability of recycling plants",
        capacity=30,
        starts_at=local_time(conference, 11, 0),
        ends_at=local_time(conference, 12, 0),
    )
    agenda_services.schedule_publish(conference=conference, actor=e2e_organiser.user)
    email = "hanako.sato@example.jp"
    account_services.invitation_create(
        conference=conference, actor=e2e_organiser.user, email=email, name="Sato Hanako"
    )

    # The link from the email that the worker delivered.
    message = wait_for_email(email)
    link = INVITE_LINK.search(text_body(message)).group(0)
    assert link.startswith(e2e_server.url)
    delegate = new_page()
    delegate.goto(link)
    expect(delegate.get_by_role("heading", name=str(conference.name))).to_be_visible()
    shot(delegate, "invitation")
    submit(delegate, delegate.get_by_role("button", name="Create my account"))
    expect(delegate.get_by_label("Email")).to_have_value(email)
    expect(delegate.get_by_label("Given name")).to_have_value("Sato")
    delegate.locator("input[name=password1]").fill("kobe-lithium-2026")
    delegate.locator("input[name=password2]").fill("kobe-lithium-2026")
    shot(delegate, "signup")
    submit(delegate, delegate.get_by_role("button", name="Create account"))
    expect(delegate).to_have_url(re.compile(rf"/events/{slug}/register/"))

    # Registration, with a new organisation.
    delegate.get_by_label("Name of your organisation").fill("Example Motors")
    delegate.get_by_label("Kind of organisation").select_option(OrganisationKind.OEM)
    delegate.get_by_label("Country of the organisation").select_option("JP")
    delegate.get_by_label("Job title").fill("Head of battery sourcing")
    delegate.get_by_label("Nationality").select_option("JP")
    delegate.get_by_label("ID document type").select_option("passport")
    delegate.get_by_label("ID document number").fill("TZ1234567")
    expiry = conference.end_date + datetime.timedelta(days=400)
    delegate.get_by_label("ID document expiry").fill(expiry.isoformat())
    delegate.get_by_label("I have read the privacy notice and accept it").check()
    shot(delegate, "register-form")
    submit(delegate, delegate.locator("main form button[type=submit]").last)
    expect(delegate.get_by_text("Thank you for registering.")).to_be_visible()
    registration = Registration.objects.get(conference=conference, user__email=email)
    assert registration.status == Registration.Status.PENDING
    shot(delegate, "registered-pending")
    wait_for_email(email, "Registration received")

    # The organiser approves it.
    organiser = new_page()
    login(organiser, e2e_organiser.email, e2e_organiser.password)
    organiser.goto(f"/events/{slug}/manage/registrations/")
    shot(organiser, "registrations")
    organiser.locator("main").get_by_role("link", name="Sato Hanako").first.click()
    submit(organiser, organiser.get_by_role("button", name="Approve"))
    expect(organiser.locator("main .status-pill").first).to_have_text("Approved")
    shot(organiser, "registration-approved")
    wait_for_email(email, "Registration confirmed")

    # The delegate signs up for a session from the agenda.
    delegate.goto(f"/events/{slug}/agenda/")
    shot(delegate, "agenda")
    delegate.locator("main").get_by_role("link", name=str(session.title)).first.click()
    submit(delegate, delegate.get_by_role("button", name="Sign up", exact=True))
    expect(delegate.get_by_text("You are signed up.", exact=True)).to_be_visible()
    shot(delegate, "session-signed-up")

    # My schedule, and its calendar feed as a calendar app fetches it (no cookies).
    delegate.goto(f"/events/{slug}/me/")
    expect(delegate.locator("main")).to_contain_text(str(session.title))
    shot(delegate, "my-schedule")
    feed_url = delegate.locator("#feed-url").input_value()
    assert feed_url.startswith(f"{e2e_server.url}/events/{slug}/me/calendar/")
    webcal = delegate.get_by_role("link", name="Subscribe").get_attribute("href")
    assert webcal == "webcal://" + feed_url.split("://", 1)[1]
    with urllib.request.urlopen(feed_url, timeout=10) as response:
        assert response.headers.get_content_type() == "text/calendar"
        calendar = Calendar.from_ical(response.read())
    events = [c for c in calendar.walk("VEVENT") if str(c.get("summary")) == str(session.title)]
    assert len(events) == 1, [str(c.get("summary")) for c in calendar.walk("VEVENT")]
    assert events[0].decoded("dtstart") == session.starts_at
    assert events[0].decoded("dtend") == session.ends_at
    assert browser_errors == []


# 3. B2B meetings ---------------------------------------------------------------------------


def test_recycler_requests_a_meeting_the_financier_accepts_a_slot_and_an_outsider_gets_404(
    new_page, login, shot, e2e_conference, browser_errors
):
    conference = e2e_conference
    slug = conference.slug
    slots = [MeetingSlotFactory(conference=conference) for _ in range(3)]
    TableFactory(conference=conference, label="T1")
    recycler = personas.delegate(
        conference,
        organisation=OrganisationFactory(name="Lohum Cleantech", kind=OrganisationKind.RECYCLER),
        directory_consent=True,
    )
    financier = personas.delegate(
        conference,
        organisation=OrganisationFactory(name="Japan Bank for Intl Coop", kind="financier"),
        directory_consent=True,
    )
    outsider = personas.delegate(
        conference,
        organisation=OrganisationFactory(name="Example Motors", kind=OrganisationKind.OEM),
        directory_consent=True,
    )
    financier_name = financier.user.display_name
    recycler_name = recycler.user.display_name

    # The recycler finds the financier in the directory and asks for a meeting.
    asker = new_page()
    login(asker, recycler.email, recycler.password)
    asker.goto(f"/events/{slug}/b2b/")
    shot(asker, "directory")
    asker.locator("main").get_by_role("link", name="Japan Bank for Intl Coop").first.click()
    shot(asker, "organisation")
    asker.get_by_role("link", name=f"Request a meeting with {financier_name}").click()
    asker.get_by_label("What would you like to discuss?").fill(
        "Project finance for a 20 kt/yr black-mass refinery in Gujarat."
    )
    shot(asker, "request-form")
    submit(asker, asker.get_by_role("button", name="Send request"))
    expect(asker.get_by_text("Your request has been sent.")).to_be_visible()
    shot(asker, "requests-sent")

    # The financier accepts it for the second slot.
    answerer = new_page()
    login(answerer, financier.email, financier.password)
    answerer.goto(f"/events/{slug}/b2b/requests/")
    shot(answerer, "requests-incoming")
    answerer.locator("main").get_by_role("link", name=re.compile(recycler_name)).first.click()
    expect(answerer.locator("main")).to_contain_text("black-mass refinery")
    answerer.locator(f"label[for=slot-{slots[1].pk}]").click()
    shot(answerer, "request-accept")
    submit(answerer, answerer.get_by_role("button", name="Accept and book"))
    meeting = wait_until(
        lambda: Meeting.objects.filter(conference=conference, status="active").first(),
        "the meeting to be booked",
    )
    assert meeting.slot_id == slots[1].pk
    shot(answerer, "meeting-booked")

    # Both see it in their schedule, and can open it.
    meeting_path = f"/events/{slug}/b2b/meetings/{meeting.pk}/"
    for page, other, name in (
        (asker, financier_name, "recycler"),
        (answerer, recycler_name, "fin"),
    ):
        page.goto(f"/events/{slug}/me/")
        entry = page.locator(".schedule-entry.schedule-meeting")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(other)
        expect(entry).to_contain_text(
            slots[1].starts_at.astimezone(conference.tz).strftime("%H:%M")
        )
        shot(page, f"my-schedule-{name}")
        entry.locator("a.agenda-title").click()
        expect(page).to_have_url(re.compile(re.escape(meeting_path) + "$"))
        expect(page.locator("main")).to_contain_text("T1")
    shot(asker, "meeting")

    # A third delegate cannot open it.
    third = new_page()
    login(third, outsider.email, outsider.password)
    response = third.goto(meeting_path)
    assert response.status == 404
    expect(third.locator("body")).not_to_contain_text("black-mass")
    expect(third.locator("body")).not_to_contain_text(financier_name)
    shot(third, "meeting-outsider-404")
    # A 404 is logged in the console as a failed resource load.
    assert unexpected(browser_errors, meeting_path) == []


# 4. Exports and check-in -----------------------------------------------------------------


def test_organiser_downloads_attendees_as_xlsx_and_csv_and_checkin_staff_admit_by_badge_code(
    new_page, login, shot, e2e_conference, e2e_organiser, e2e_checkin, browser_errors, tmp_path
):
    conference = e2e_conference
    slug = conference.slug
    approved = [
        personas.delegate(
            conference, organisation=OrganisationFactory(name=name, kind=kind, country=country)
        )
        for name, kind, country in (
            ("Vedanta Resources", "recycler", "IN"),
            ("International Finance Corp", "financier", "US"),
            ("Toyota Tsusho", "oem", "JP"),
        )
    ]
    pending = personas.delegate(conference, status=Registration.Status.PENDING)
    names = {p.user.display_name for p in approved}

    organiser = new_page()
    login(organiser, e2e_organiser.email, e2e_organiser.password)
    organiser.goto(f"/events/{slug}/manage/exports/")
    # Approved delegates by default; add their email addresses.
    expect(organiser.get_by_label("Approved", exact=True)).to_be_checked()
    organiser.get_by_label("Email", exact=True).check()
    expect(organiser.locator("#match-count")).to_contain_text("3")
    shot(organiser, "exports")
    expected = {p.email: p.registration.organisation.name for p in approved}
    columns = {"Name", "Email", "Organisation", "Organisation kind", "Country", "Status"}

    with organiser.expect_download() as download_info:
        organiser.get_by_role("button", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    csv_rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert set(csv_rows[0]) == columns
    assert {row["Email"]: row["Organisation"] for row in csv_rows} == expected
    assert {row["Name"] for row in csv_rows} == names
    assert {row["Status"] for row in csv_rows} == {"Approved"}
    assert pending.email not in {row["Email"] for row in csv_rows}

    with organiser.expect_download() as download_info:
        organiser.get_by_role("button", name="Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    # The header row (a title may come first), then one row per delegate.
    header_at = next(i for i, row in enumerate(values) if "Email" in row)
    header = values[header_at]
    assert set(header) - {None} == columns
    xlsx_rows = [dict(zip(header, row, strict=False)) for row in values[header_at + 1 :]]
    xlsx_rows = [row for row in xlsx_rows if row["Email"]]
    assert {row["Email"]: row["Organisation"] for row in xlsx_rows} == expected
    assert {row["Name"] for row in xlsx_rows} == names

    # Check-in staff (no second factor) admit a delegate by the code on the badge.
    staff = new_page()
    login(staff, e2e_checkin.email, e2e_checkin.password)
    staff.goto(f"/events/{slug}/manage/checkin/")
    shot(staff, "checkin")
    arriving = approved[1].registration
    staff.get_by_label("Or type the badge code").fill(arriving.badge_code)
    staff.get_by_role("button", name="Check in", exact=True).click()
    card = staff.locator("#checkin-result .checkin-card")
    expect(card).to_have_attribute("data-checkin-outcome", "checked_in")
    expect(card).to_contain_text(approved[1].user.display_name)
    # The arrivals panel follows (htmx, on the response's HX-Trigger).
    expect(staff.locator("#arrivals .arrivals-total-value")).to_have_text("1")
    shot(staff, "checked-in")
    arriving.refresh_from_db()
    assert arriving.checked_in_at is not None

    # The same badge again is recognised as already in.
    staff.get_by_label("Or type the badge code").fill(arriving.badge_code)
    staff.get_by_role("button", name="Check in", exact=True).click()
    expect(card).to_have_attribute("data-checkin-outcome", "already")
    shot(staff, "checked-in-again")
    assert (
        Registration.objects.filter(conference=conference, checked_in_at__isnull=False).count() == 1
    )

    # Staff of this role cannot read the attendee list.
    response = staff.goto(f"/events/{slug}/manage/exports/")
    assert response.status == 403
    shot(staff, "exports-forbidden")
    assert unexpected(browser_errors, f"/events/{slug}/manage/exports/") == []
