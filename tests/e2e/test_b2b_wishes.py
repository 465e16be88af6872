"""
B2B meeting wishes as delegates and organisers live them, in headless Chromium
against gunicorn (DEBUG off, whitenoise) with a real Celery worker and SMTP
sink: two people who ask each other get one meeting, proposed times accepted
with one click, a message thread mailed without addresses, and "accept now,
let the organisers find the time" followed by a scheduler run and its commit.

Each journey saves screenshots of its key pages at 1280 px and at 390 px wide
(a phone) under tests/e2e/artifacts/<test>/, and fails when a page at 390 px
is wider than the screen.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from b2b_meetings import services as b2b_services
from b2b_meetings.models import Meeting, MeetingMessage, MeetingRequest
from conference.core.models import OrganisationKind
from tests.e2e import personas
from tests.e2e.test_accessibility import assert_no_serious_violations, audit
from tests.factories import MeetingSlotFactory, OrganisationFactory, TableFactory, local_time
from tests.helpers.browser import DESKTOP, PHONE, TIMEOUT_MS, wait_until

pytestmark = pytest.mark.e2e

# The scheduler's run, its commit and the worker's mail: longer than a page load.
SCHEDULER_SECONDS = 90


def text_body(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def submit(page, locator):
    """Clicks a submit button and waits for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def make_slots(conference, count, hour=14):
    """`count` consecutive 20-minute slots from `hour` on the first day, conference time."""
    start = local_time(conference, hour)
    return [
        MeetingSlotFactory(
            conference=conference,
            starts_at=start + datetime.timedelta(minutes=20 * i),
            ends_at=start + datetime.timedelta(minutes=20 * (i + 1)),
        )
        for i in range(count)
    ]


def listed(conference, name, kind):
    """An approved delegate listed in the directory, alone at organisation `name`."""
    return personas.delegate(
        conference,
        organisation=OrganisationFactory(name=name, kind=kind),
        directory_consent=True,
    )


def hhmm(conference, moment):
    return moment.astimezone(conference.tz).strftime("%H:%M")


def request_a_meeting_with(page, conference, person, agenda):
    """From the directory: the person's organisation, their "Request" link, the agenda."""
    page.goto(f"/events/{conference.slug}/b2b/")
    page.locator("main").get_by_role(
        "link", name=person.registration.organisation.name
    ).first.click()
    page.get_by_role("link", name=f"Request a meeting with {person.user.display_name}").click()
    expect(page.get_by_role("heading", name="Request a meeting")).to_be_visible()
    page.get_by_label("What would you like to discuss?").fill(agenda)


def no_errors(errors):
    """The browser errors other than Chromium asking for the missing /favicon.ico."""
    return [e for e in errors if not e.endswith("/favicon.ico]")]


# 1. Two people who ask each other ------------------------------------------------------


def test_two_delegates_who_request_each_other_get_one_meeting_and_both_requests_are_accepted(
    new_page, login, shots, e2e_conference, browser_errors
):
    conference = e2e_conference
    slug = conference.slug
    slots = make_slots(conference, 3)
    TableFactory(conference=conference, label="T1")
    a = listed(conference, "Lohum Cleantech", OrganisationKind.RECYCLER)
    b = listed(conference, "Toyota Tsusho", OrganisationKind.OEM)
    a_name, b_name = a.user.display_name, b.user.display_name

    # A asks B.
    asker = login(new_page(), a)
    request_a_meeting_with(asker, conference, b, "Offtake of recycled nickel sulphate from 2027.")
    submit(asker, asker.get_by_role("button", name="Send request"))
    expect(asker.get_by_text("Your request has been sent.")).to_be_visible()
    first = MeetingRequest.objects.get(requester=a.registration)
    assert (first.target_registration_id, first.status) == (b.registration.pk, "pending")

    # B, not having read it, asks A from the directory: told at once, taken to A's request.
    other = login(new_page(), b)
    request_a_meeting_with(other, conference, a, "Black mass supply for our Aichi plant.")
    submit(other, other.get_by_role("button", name="Send request"))
    expect(other).to_have_url(re.compile(rf"/events/{slug}/b2b/requests/{first.pk}/$"))
    expect(other.locator("main")).to_contain_text(
        f"{a_name} had already asked to meet you. Your requests are joined"
    )
    expect(other.get_by_role("heading", name="Request to meet you")).to_be_visible()
    expect(other.locator("main")).to_contain_text("Offtake of recycled nickel sulphate")
    expect(other.get_by_role("link", name="See the other request")).to_be_visible()
    second = MeetingRequest.objects.get(requester=b.registration)
    first.refresh_from_db()
    assert (second.linked_id, first.linked_id) == (first.pk, second.pk)
    assert MeetingRequest.objects.filter(status="pending").count() == 2
    shots(other, "joined-request")

    # B accepts A's request at the second time: one meeting, both requests settled.
    other.locator(f"label[for=slot-{slots[1].pk}]").click()
    submit(other, other.get_by_role("button", name="Accept and book"))
    expect(other.get_by_text("Meeting booked.")).to_be_visible()
    meeting = Meeting.objects.get(conference=conference, status=Meeting.Status.ACTIVE)
    assert meeting.slot_id == slots[1].pk
    assert {s.registration_id for s in meeting.seats.all()} == {
        a.registration.pk,
        b.registration.pk,
    }
    assert Meeting.objects.filter(conference=conference).count() == 1
    assert set(MeetingRequest.objects.values_list("status", flat=True)) == {"accepted"}
    expect(other).to_have_url(re.compile(rf"/b2b/meetings/{meeting.pk}/$"))

    # Each sees both requests accepted and joined, with the one meeting.
    for page, them, name in ((asker, b_name, "a"), (other, a_name, "b")):
        page.goto(f"/events/{slug}/b2b/requests/")
        items = page.locator(".request-item")
        expect(items).to_have_count(2)
        for i in range(2):
            item = items.nth(i)
            expect(item).to_contain_text(them)
            expect(item.locator(".status-pill")).to_have_text("Accepted")
            expect(item).to_contain_text("You both asked: joined")
            expect(item.get_by_role("link", name="Meeting")).to_have_attribute(
                "href", meeting.get_absolute_url()
            )
        meetings = page.locator("section[aria-labelledby=meetings-heading] li")
        expect(meetings).to_have_count(1)
        expect(meetings).to_contain_text(them)
        expect(meetings).to_contain_text(hhmm(conference, slots[1].starts_at))
        shots(page, f"requests-{name}")
    assert shots.overflowing == []
    assert no_errors(browser_errors) == []


# 2. Proposed times -------------------------------------------------------------------------


def test_the_requester_proposes_two_times_and_the_other_side_accepts_one_with_a_click(
    new_page, login, shots, e2e_conference, browser_errors
):
    conference = e2e_conference
    slug = conference.slug
    slots = make_slots(conference, 5)
    TableFactory(conference=conference, label="T7")
    a = listed(conference, "Attero Recycling", OrganisationKind.RECYCLER)
    c = listed(conference, "Japan Bank for Intl Coop", OrganisationKind.FINANCIER)
    a_name = a.user.display_name
    chosen, other_time = slots[3], slots[1]

    # A proposes two of the times both have free.
    asker = login(new_page(), a)
    request_a_meeting_with(asker, conference, c, "Project finance for a 20 kt/yr refinery.")
    asker.get_by_label("How much do you want this meeting?").select_option(
        str(MeetingRequest.Priority.MUST)
    )
    proposed = asker.get_by_role("group", name=re.compile("Propose up to three times"))
    expect(proposed.locator("input[name=proposed]")).to_have_count(len(slots))
    for slot in (other_time, chosen):
        box = proposed.locator(f"input[name=proposed][value='{slot.pk}']")
        expect(proposed.locator(f"label[for='{box.get_attribute('id')}']")).to_contain_text(
            hhmm(conference, slot.starts_at)
        )
        box.check()
    shots(asker, "request-form-proposed")
    submit(asker, asker.get_by_role("button", name="Send request"))
    expect(asker.get_by_text("Your request has been sent.")).to_be_visible()
    request = MeetingRequest.objects.get(requester=a.registration)
    assert set(request.proposed_slots.all()) == {other_time, chosen}
    assert request.priority == MeetingRequest.Priority.MUST
    expect(asker.locator(".request-item")).to_contain_text("2 times proposed")

    # C opens it: the proposed times, each one click from a booking.
    answerer = login(new_page(), c)
    answerer.goto(f"/events/{slug}/b2b/requests/")
    answerer.get_by_role("link", name=f"Answer the request from {a_name}").click()
    expect(answerer).to_have_url(re.compile(rf"/b2b/requests/{request.pk}/$"))
    section = answerer.locator(
        "section", has=answerer.get_by_role("heading", name="Times they proposed")
    )
    expect(section).to_be_visible()
    buttons = section.get_by_role("button", name=re.compile(r"^Accept "))
    expect(buttons).to_have_count(2)
    expect(buttons.first).to_contain_text(hhmm(conference, other_time.starts_at))
    expect(buttons.last).to_contain_text(hhmm(conference, chosen.starts_at))
    expect(answerer.locator("#thread")).to_be_visible()
    shots(answerer, "request-proposed-times")

    submit(
        answerer,
        section.get_by_role(
            "button", name=re.compile(rf"^Accept .*{hhmm(conference, chosen.starts_at)}$")
        ),
    )
    meeting = Meeting.objects.get(conference=conference, status=Meeting.Status.ACTIVE)
    assert meeting.slot_id == chosen.pk
    assert meeting.request_id == request.pk
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.ACCEPTED
    expect(answerer).to_have_url(re.compile(rf"/b2b/meetings/{meeting.pk}/$"))
    expect(answerer.get_by_role("heading", level=1)).to_contain_text(
        f"{hhmm(conference, chosen.starts_at)}–{hhmm(conference, chosen.ends_at)}"
    )
    expect(answerer.locator("main")).to_contain_text("T7")
    shots(answerer, "meeting-booked")
    assert shots.overflowing == []
    assert no_errors(browser_errors) == []


# 3. The message thread and its email --------------------------------------------------------


def test_a_message_on_a_request_is_mailed_without_addresses_and_answered_from_the_link(
    new_page, login, shots, e2e_conference, e2e_server, wait_for_email, browser_errors
):
    conference = e2e_conference
    slug = conference.slug
    slots = make_slots(conference, 3)
    TableFactory(conference=conference, label="T3")
    a = listed(conference, "Lohum Cleantech", OrganisationKind.RECYCLER)
    b = listed(conference, "International Finance Corp", OrganisationKind.FINANCIER)
    a_name, b_name = a.user.display_name, b.user.display_name
    request = b2b_services.request_create(
        conference=conference,
        requester=a.registration,
        target_registration=b.registration,
        agenda="Green loan for a cathode plant.",
        proposed_slot_ids=[slots[0].pk],
    )
    request_path = f"/events/{slug}/b2b/requests/{request.pk}/"
    first_text = "Could we bring our CFO? She has the term sheet with her."

    # A writes on the request.
    writer = login(new_page(), a)
    writer.goto(request_path)
    thread = writer.locator("#thread")
    expect(thread).to_contain_text("No messages yet.")
    thread.get_by_label("Message").fill(first_text)
    submit(writer, thread.get_by_role("button", name="Send message"))
    expect(writer.get_by_text("Message sent.")).to_be_visible()
    expect(writer).to_have_url(re.compile(re.escape(request_path) + "#thread$"))
    expect(thread.locator(".thread-message")).to_have_count(1)
    expect(thread.locator(".thread-message.is-mine")).to_contain_text(first_text)
    assert MeetingMessage.objects.get().author_id == a.registration.pk

    # B gets it by email: the text and a link, and nobody's address.
    message = wait_for_email(b.email, f"New message from {a_name}")
    body = text_body(message)
    assert first_text in body
    link = f"{e2e_server.url}{request_path}"
    assert link in body, body
    raw = message.as_string()
    assert a.email.lower() not in raw.lower(), raw
    assert a.email.lower() not in str(message.get("Reply-To", "")).lower()

    # B follows the link, logs in, lands on the request and answers.
    reader = new_page()
    reader.goto(link)
    expect(reader).to_have_url(re.compile(r"/accounts/login/"))
    reader.fill("input[name=login]", b.email)
    reader.fill("input[name=password]", b.password)
    submit(reader, reader.get_by_role("button", name="Log in", exact=True))
    expect(reader).to_have_url(re.compile(re.escape(request_path) + "$"))
    thread = reader.locator("#thread")
    expect(thread.locator(".thread-message")).to_have_count(1)
    expect(thread.locator(".thread-message").first).to_contain_text(a_name)
    expect(thread.locator(".thread-message").first).to_contain_text(first_text)
    expect(reader.get_by_role("heading", name="Times they proposed")).to_be_visible()
    answer = "Of course. Table near the window, if possible."
    thread.get_by_label("Message").fill(answer)
    submit(reader, thread.get_by_role("button", name="Send message"))
    expect(reader.get_by_text("Message sent.")).to_be_visible()
    expect(thread.locator(".thread-message")).to_have_count(2)
    expect(thread.locator(".thread-message.is-mine")).to_contain_text(answer)
    shots(reader, "request-thread")

    # A is told by email too, and sees the answer.
    reply = wait_for_email(a.email, f"New message from {b_name}")
    assert answer in text_body(reply)
    assert b.email.lower() not in reply.as_string().lower()
    writer.reload()
    expect(writer.locator("#thread .thread-message")).to_have_count(2)
    expect(writer.locator("#thread .thread-message").last).to_contain_text(answer)

    # Once booked, the meeting shows the same thread.
    proposed = reader.locator(
        "section", has=reader.get_by_role("heading", name="Times they proposed")
    )
    submit(reader, proposed.get_by_role("button", name=re.compile(r"^Accept ")))
    meeting = Meeting.objects.get(conference=conference, status=Meeting.Status.ACTIVE)
    expect(reader).to_have_url(re.compile(rf"/b2b/meetings/{meeting.pk}/$"))
    expect(reader.locator("#thread .thread-message")).to_have_count(2)
    expect(reader.locator("#thread")).to_contain_text(first_text)
    expect(reader.locator("#thread")).to_contain_text(answer)
    shots(reader, "meeting-thread")
    assert shots.overflowing == []
    assert no_errors(browser_errors) == []


# 4. Accept now, the organisers find the time -----------------------------------------------


def test_a_request_accepted_to_be_scheduled_gets_its_meeting_from_the_organisers_scheduler(
    new_page, login, shots, e2e_conference, e2e_organiser, browser_errors
):
    conference = e2e_conference
    slug = conference.slug
    slots = make_slots(conference, 4)
    TableFactory(conference=conference, label="T2")
    a = listed(conference, "Ecoprogetti", OrganisationKind.RECYCLER)
    d = listed(conference, "Mahindra Electric", OrganisationKind.OEM)
    a_name, d_name = a.user.display_name, d.user.display_name
    request = b2b_services.request_create(
        conference=conference,
        requester=a.registration,
        target_registration=d.registration,
        agenda="Take-back of end-of-life packs.",
        priority=MeetingRequest.Priority.WOULD_LIKE,
    )

    # D accepts and leaves the time to the organisers, as a must.
    answerer = login(new_page(), d)
    answerer.goto(f"/events/{slug}/b2b/requests/{request.pk}/")
    later = answerer.locator("form[action$='/accept-to-schedule/']")
    later.get_by_label("How much do you want this meeting?").select_option(label="Must meet")
    submit(answerer, later.get_by_role("button", name="Accept, time to be set"))
    expect(answerer.get_by_text("Accepted. The organisers will find a time").first).to_be_visible()
    expect(answerer.locator("main .status-pill").first).to_have_text("Accepted, time to be set")
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.SCHEDULING
    assert request.counter_priority == MeetingRequest.Priority.MUST
    assert not Meeting.objects.filter(conference=conference).exists()

    # The organiser runs the scheduler and waits for its preview.
    organiser = login(new_page(), e2e_organiser)
    schedule_path = f"/events/{slug}/manage/b2b/schedule/"
    organiser.goto(schedule_path)
    # The options form posts to this page; the "repair" one carries a hidden reoptimise=1.
    start = (
        organiser.locator(
            f"main form[method=post]:not([action]), main form[action='{schedule_path}']"
        )
        .filter(has_not=organiser.locator("input[type=hidden][name=reoptimise]"))
        .first
    )
    submit(organiser, start.locator("button[type=submit], input[type=submit]").first)
    expect(organiser).to_have_url(re.compile(rf"{re.escape(schedule_path)}\d+/$"))
    commit = organiser.locator("form[action$='/commit/']")
    expect(commit).to_be_visible(timeout=SCHEDULER_SECONDS * 1000)
    main = organiser.locator("main")
    expect(main).to_contain_text(a_name)
    expect(main).to_contain_text(d_name)
    expect(main).to_contain_text("T2")
    assert not Meeting.objects.filter(conference=conference).exists()
    shots(organiser, "scheduler-preview")

    # Commit: the meeting is saved by the worker.
    submit(organiser, commit.locator("button[type=submit], input[type=submit]").first)
    meeting = wait_until(
        lambda: Meeting.objects.filter(conference=conference, status=Meeting.Status.ACTIVE).first(),
        "the scheduler's commit to book the meeting",
        timeout=SCHEDULER_SECONDS,
    )
    assert {s.registration_id for s in meeting.seats.all()} == {
        a.registration.pk,
        d.registration.pk,
    }
    assert meeting.slot_id in {s.pk for s in slots}
    assert Meeting.objects.filter(conference=conference).count() == 1
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.ACCEPTED
    organiser.reload()
    expect(organiser.locator("form[action$='/commit/']")).to_have_count(0)
    shots(organiser, "scheduler-committed")

    # A has the meeting on "My requests and meetings", and can open it.
    asker = login(new_page(), a)
    asker.goto(f"/events/{slug}/b2b/requests/")
    expect(asker.get_by_role("heading", name="My requests and meetings")).to_be_visible()
    meetings = asker.locator("section[aria-labelledby=meetings-heading] li")
    expect(meetings).to_have_count(1)
    expect(meetings).to_contain_text(d_name)
    expect(meetings).to_contain_text(hhmm(conference, meeting.slot.starts_at))
    expect(asker.locator(".request-item .status-pill")).to_have_text("Accepted")
    shots(asker, "requests-scheduled")
    meetings.get_by_role("link").first.click()
    expect(asker).to_have_url(re.compile(rf"/b2b/meetings/{meeting.pk}/$"))
    expect(asker.get_by_role("heading", level=1)).to_contain_text(
        hhmm(conference, meeting.slot.starts_at)
    )
    assert shots.overflowing == []
    assert no_errors(browser_errors) == []


# 5. The new pages for everyone ---------------------------------------------------------------


@pytest.fixture
def axe_context(browser, e2e_server):
    """A context that lets the test inject axe despite the app's CSP (as test_accessibility)."""
    context = browser.new_context(
        base_url=e2e_server.url,
        viewport=DESKTOP,
        locale="en-GB",
        timezone_id="Asia/Kolkata",
        bypass_csp=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def test_proposed_times_and_long_threads_have_no_serious_accessibility_violations_at_both_widths(
    axe_context, login, e2e_conference
):
    conference = e2e_conference
    slug = conference.slug
    slots = make_slots(conference, 4)
    TableFactory(conference=conference, label="T5")
    a = listed(conference, "Lohum Cleantech", OrganisationKind.RECYCLER)
    b = listed(conference, "International Finance Corp", OrganisationKind.FINANCIER)
    c = listed(conference, "Toyota Tsusho", OrganisationKind.OEM)
    request = b2b_services.request_create(
        conference=conference,
        requester=a.registration,
        target_registration=b.registration,
        agenda="Green loan for a cathode plant.",
        proposed_slot_ids=[slots[0].pk, slots[2].pk],
    )
    # A thread longer than its box (four each: under the rate limit of five a minute).
    for i in range(4):
        for person in (a, b):
            b2b_services.message_post(
                meeting_request=request,
                author=person.registration,
                author_user=person.user,
                body=f"Message {i} from {person.user.display_name}. " + "Details follow. " * 12,
            )
    booked = b2b_services.request_create(
        conference=conference, requester=a.registration, target_registration=c.registration
    )
    meeting = b2b_services.request_accept(
        meeting_request=booked, responder=c.registration, slot=slots[1]
    )
    b2b_services.message_post(
        meeting=meeting, author=a.registration, author_user=a.user, body="See you at T5."
    )
    found = {}
    for person, paths in (
        (b, [f"/events/{slug}/b2b/requests/{request.pk}/"]),
        (
            a,
            [
                f"/events/{slug}/b2b/requests/new/delegate/{c.registration.pk}/",
                f"/events/{slug}/b2b/requests/{request.pk}/",
                f"/events/{slug}/b2b/meetings/{meeting.pk}/",
            ],
        ),
    ):
        page = login(axe_context.new_page(), person)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            found.update(
                {
                    f"{path} at {viewport['width']} px ({person.user.display_name})": v
                    for path, v in audit(page, paths).items()
                }
            )
        page.context.clear_cookies()
    assert_no_serious_violations(found)
