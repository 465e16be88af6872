"""
The scheduler's preview in the organiser's words: who meets whom, at which
table and when (as a list, on the grid and as CSV), which wishes do not fit
and why, the moves of a repair after cancellations, and no solver jargon.
Organisers only; a run of another conference is a 404.
"""

import re

import pytest

from b2b_meetings import services as b2b
from b2b_meetings.models import MeetingRequest, Unavailability
from b2b_meetings.scheduler import services
from b2b_meetings.scheduler.views import spreadsheet_safe
from conference.core.models import AuditLog, Job, OrganisationKind
from tests.factories import ConferenceFactory, OrganisationFactory, TableFactory
from tests.helpers import listed, login, make_slots, read_csv, url

pytestmark = pytest.mark.django_db

# The status of a wish the scheduler places (accepted, time to be set).
WAITING = MeetingRequest.Status.SCHEDULING
JARGON = re.compile(r"\b(bound|objective|weighted|LP|solver|optimal)\b", re.IGNORECASE)


def person(conference, given, family, organisation, kind=OrganisationKind.RECYCLER):
    return listed(
        conference,
        organisation=OrganisationFactory(name=organisation, kind=kind),
        user__given_name=given,
        user__family_name=family,
    )


def wish(conference, requester, target, **extra):
    return MeetingRequest.objects.create(
        conference=conference,
        requester=requester,
        target_registration=target,
        status=extra.pop("status", WAITING),
        **extra,
    )


def run(conference, organiser, capture, **options):
    """Start a run as the organiser's page does and let the (eager) task finish it."""
    with capture(execute=True):
        job = services.schedule_start(
            conference=conference, actor=organiser, time_limit=10, **options
        )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    return job


def text_of(response):
    """The page's visible words: tags, scripts and styles left out."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(time|span|a|strong|em|i|b)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_preview_says_who_meets_whom_where_and_when_in_plain_words(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    slots = make_slots(conference, 1)
    TableFactory(conference=conference, room=room, label="T4")
    lohum = person(conference, "Ananya", "Rao", "Lohum")
    jbic = person(conference, "Haruka", "Sato", "JBIC", OrganisationKind.FINANCIER)
    wished = wish(
        conference,
        lohum,
        jbic,
        priority=MeetingRequest.Priority.MUST,
        counter_priority=MeetingRequest.Priority.WOULD_LIKE,
    )

    job = run(conference, organiser, django_capture_on_commit_callbacks)
    page = login(organiser).get(url(conference, f"manage/b2b/schedule/{job.pk}/"))

    assert page.status_code == 200
    text = text_of(page)
    assert "The one wished meeting fits." in text
    assert "This is the best possible schedule." in text
    assert "Ananya Rao · Lohum with Haruka Sato · JBIC" in text
    assert "Table T4 B2B Lounge" in text
    assert "14:00–14:20" in text
    assert "Local conference time: Asia/Kolkata (IST, UTC+05:30)" in text
    assert "Must meet · other side: Would like to meet" in text
    # The wish links to its request, which the organisers read with its thread.
    assert f'href="{url(conference, f"b2b/requests/{wished.pk}/")}"' in page.content.decode()
    assert not JARGON.search(text), JARGON.search(text)
    # On the grid: the new meeting in its slot's row, under its table.
    preview = page.context["preview"]
    [(slot, [(table, cell)])] = preview.rows
    assert (slot, table.label, cell.state) == (slots[0], "T4", "new")
    assert [p.user.display_name for p in cell.people] == ["Ananya Rao", "Haruka Sato"]
    assert "Commit 1 new meeting" in text


def test_wishes_that_do_not_fit_are_counted_by_plain_reason(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    """
    Two slots and one table, the second slot's table taken by a meeting
    that stays: of four wishes one fits, one finds no table, one has no
    common free slot and one person already has the most meetings allowed.
    A declined wish is named on a line of its own.
    """
    conference.b2b_max_meetings_per_delegate = 1
    conference.save()
    slots = make_slots(conference, 2)
    table = TableFactory(conference=conference, room=room)
    a, b, c, d, e, f, g, h, x = (listed(conference) for _ in range(9))
    b2b.meeting_create(
        conference=conference, slot=slots[1], table=table, registrations=[g, x], notify=False
    )
    for slot in slots:
        Unavailability.objects.create(registration=e, slot=slot)
    wishes = [wish(conference, one, other) for one, other in ((a, b), (c, d), (e, f), (g, h))]
    wish(conference, a, h, status=MeetingRequest.Status.DECLINED)

    job = run(conference, organiser, django_capture_on_commit_callbacks)
    page = login(organiser).get(url(conference, f"manage/b2b/schedule/{job.pk}/"))
    text = text_of(page)

    assert "1 of 4 wished meetings fit; 3 cannot, because:" in text
    assert "1 wish: no common free slot (the two are never free at the same time)" in text
    assert "1 wish: a person already has the most meetings allowed" in text
    assert "1 wish: no table is free when both could meet" in text
    assert "Besides these, 1 wish was declined by the person asked and is not scheduled." in text
    assert "5 people would have no meeting at all" in text
    assert "This run changes nothing" not in text
    assert not JARGON.search(text), JARGON.search(text)
    # Each wish, placed or left out, links to its request and thread.
    for wished in wishes:
        assert f'href="{url(conference, f"b2b/requests/{wished.pk}/")}"' in page.content.decode()


def test_the_proposal_downloads_as_csv_with_cells_a_spreadsheet_never_runs(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    make_slots(conference, 1)
    TableFactory(conference=conference, room=room, label="T1")
    sly = person(conference, "=HYPERLINK(1)", "Doe", "+Evil Corp")
    lohum = person(conference, "Ananya", "Rao", "Lohum")
    jbic = person(conference, "Haruka", "Sato", "@JBIC", OrganisationKind.FINANCIER)
    wish(conference, sly, lohum, priority=MeetingRequest.Priority.MUST)
    Unavailability.objects.create(registration=jbic, slot=conference.meeting_slots.get())
    wish(conference, lohum, jbic)

    job = run(conference, organiser, django_capture_on_commit_callbacks)
    response = login(organiser).get(url(conference, f"manage/b2b/schedule/{job.pk}/proposal.csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        f'filename="{conference.slug}-schedule-run-{job.pk}.csv"'
        in (response["Content-Disposition"])
    )
    header, *rows = read_csv(response)
    assert header == [
        "Change",
        "Date",
        "Starts",
        "Ends",
        "Time zone",
        "Table",
        "Room",
        "Person",
        "Organisation",
        "Meets",
        "Their organisation",
        "Wish",
        "Moves from",
        "Why it does not fit",
    ]
    day = conference.meeting_slots.get().starts_at.astimezone(conference.tz).date().isoformat()
    assert rows == [
        [
            "New",
            day,
            "14:00",
            "14:20",
            "Asia/Kolkata",
            "T1",
            "B2B Lounge",
            "'=HYPERLINK(1) Doe",
            "'+Evil Corp",
            "Ananya Rao",
            "Lohum",
            "Must meet",
            "",
            "",
        ],
        [
            "Does not fit",
            "",
            "",
            "",
            "",
            "",
            "",
            "Ananya Rao",
            "Lohum",
            "Haruka Sato",
            "'@JBIC",
            "Would like to meet",
            "",
            "No slot in which both are available (marked unavailable, or in a session)",
        ],
    ]
    entry = AuditLog.objects.get(action="b2b.schedule.export")
    assert (entry.actor, entry.object_id, entry.data["rows"]) == (organiser, str(job.pk), 2)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_csv_cell_that_a_spreadsheet_would_run_starts_with_an_apostrophe(value):
    assert spreadsheet_safe(value) == "'" + value
    assert spreadsheet_safe("Lohum") == "Lohum"
    assert spreadsheet_safe(None) == ""


def test_only_organisers_download_the_proposal_and_another_conferences_run_is_404(
    conference, organiser, delegate, room, django_capture_on_commit_callbacks
):
    make_slots(conference, 1)
    TableFactory(conference=conference, room=room)
    wish(conference, listed(conference), listed(conference))
    job = run(conference, organiser, django_capture_on_commit_callbacks)
    path = url(conference, f"manage/b2b/schedule/{job.pk}/proposal.csv")

    assert login(delegate).get(path).status_code == 403
    assert login(None).get(path).status_code == 302
    other = ConferenceFactory()
    other_job = Job.objects.create(conference=other, kind=services.JOB_KIND, status="done")
    client = login(organiser)
    assert (
        client.get(url(conference, f"manage/b2b/schedule/{other_job.pk}/proposal.csv")).status_code
        == 404
    )
    # A run still going has no proposal yet.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    assert client.get(path).status_code == 404
    assert not AuditLog.objects.filter(action="b2b.schedule.export").exists()


def test_a_repair_after_cancellations_says_which_meetings_move(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    """
    Lohum meets JBIC in the first slot; Lohum's wish with Vedanta fits only
    there (Vedanta is away in the second): the repair moves Lohum and JBIC.
    """
    slots = make_slots(conference, 2)
    table = TableFactory(conference=conference, room=room, label="T4")
    lohum = person(conference, "Ananya", "Rao", "Lohum")
    jbic = person(conference, "Haruka", "Sato", "JBIC", OrganisationKind.FINANCIER)
    vedanta = person(conference, "Vikram", "Iyer", "Vedanta")
    existing = b2b.meeting_create(
        conference=conference, slot=slots[0], table=table, registrations=[lohum, jbic], notify=False
    )
    Unavailability.objects.create(registration=vedanta, slot=slots[1])
    wish(conference, lohum, vedanta)
    client = login(organiser)

    response = client.post(
        url(conference, "manage/b2b/schedule/"), {"reoptimise": "1", "time_limit": "10"}
    )
    assert response.status_code == 302
    job = Job.objects.get(kind=services.JOB_KIND)
    assert job.params["reoptimise"] is True
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_run(job_id=job.pk)

    page = client.get(url(conference, f"manage/b2b/schedule/{job.pk}/"))
    text = text_of(page)
    assert "repair after cancellations" in text
    assert "Meeting between Lohum and JBIC moves from 14:00 to 14:20, table T4" in text
    assert "1 meeting already booked moves to make room" in text
    assert "Commit 1 new meeting and 1 move" in text
    cells = {
        (slot.pk, cell.state): cell
        for slot, row in page.context["preview"].rows
        for _t, cell in row
        if cell
    }
    assert set(cells) == {(slots[0].pk, "new"), (slots[1].pk, "moved")}
    assert cells[(slots[1].pk, "moved")].meeting == existing
    assert "Moves here from 14:00" in text

    rows = read_csv(client.get(url(conference, f"manage/b2b/schedule/{job.pk}/proposal.csv")))
    moved = next(row for row in rows if row[0] == "Moves")
    day = slots[0].starts_at.astimezone(conference.tz).date().isoformat()
    assert moved[2:4] == ["14:20", "14:40"]
    assert moved[7:11] == ["Ananya Rao", "Lohum", "Haruka Sato", "JBIC"]
    assert moved[12] == f"{day} 14:00, table T4"


def test_the_schedule_page_and_every_preview_offer_a_repair_after_cancellations(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    make_slots(conference, 1)
    TableFactory(conference=conference, room=room)
    client = login(organiser)
    schedule = client.get(url(conference, "manage/b2b/schedule/")).content.decode()
    assert "Repair after cancellations" in schedule

    job = run(conference, organiser, django_capture_on_commit_callbacks, boost=True)
    page = client.get(url(conference, f"manage/b2b/schedule/{job.pk}/")).content.decode()

    assert "No wished meeting is waiting for a time." in page
    form = re.search(
        r'<form method="post" action="([^"]+)">(?:(?!</form>).)*Repair after cancellations',
        page,
        re.S,
    )
    assert form.group(1) == url(conference, "manage/b2b/schedule/")
    assert '<input type="hidden" name="reoptimise" value="1">' in form.group(0)
    assert '<input type="hidden" name="boost" value="on">' in form.group(0)
