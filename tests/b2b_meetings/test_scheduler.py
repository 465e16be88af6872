"""
The organiser's "Schedule pending meetings": a background run with
progress and cancel, a preview, and a commit that writes everything in one
transaction (or nothing, with a clear message) and emails each participant
once with a calendar file.
"""

from email import message_from_string

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from b2b_meetings import services as b2b
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat, Unavailability
from b2b_meetings.scheduler import engine, services
from b2b_meetings.scheduler.services import SchedulePreviewStale, SchedulerError, commit
from b2b_meetings.scheduler.tasks import schedule_commit_task, schedule_run_task
from conference.celery import app as celery_app
from conference.core.models import AuditLog, Job, OrganisationKind, OutgoingEmail
from tests.factories import (
    ConferenceFactory,
    MeetingRequestFactory,
    SessionFactory,
    SessionSignupFactory,
    TableFactory,
)
from tests.helpers import listed, login, make_slots, url

pytestmark = pytest.mark.django_db

# User, registration, conference with roles, second factor; the run; the
# grid's slots, tables and meetings (no meeting yet: no seats to read); the
# wishes, the people left without a meeting, and the count of declined wishes.
PREVIEW_QUERIES = 11


def accepted(conference, requester, target, priority=MeetingRequest.Priority.WOULD_LIKE):
    return MeetingRequestFactory(
        conference=conference,
        requester=requester,
        target_registration=target,
        status=MeetingRequest.Status.SCHEDULING,
        priority=priority,
    )


@pytest.fixture
def world(conference, room):
    """Three slots, two tables; a financier everyone wants and four others."""
    slots = make_slots(conference, 3)
    tables = [TableFactory(conference=conference, room=room, label=f"S{i}") for i in (1, 2)]
    financier = listed(conference, OrganisationKind.FINANCIER)
    others = [listed(conference, OrganisationKind.RECYCLER) for _ in range(4)]
    requests = [accepted(conference, other, financier) for other in others[:3]]
    requests.append(accepted(conference, others[3], others[0]))
    return {
        "slots": slots,
        "tables": tables,
        "financier": financier,
        "others": others,
        "requests": requests,
    }


def run(conference, organiser, capture, **options):
    """Start a run as the organiser's page does and let the (eager) task finish it."""
    with capture(execute=True):
        job = services.schedule_start(conference=conference, actor=organiser, **options)
    job.refresh_from_db()
    return job


def test_it_schedules_every_accepted_request_and_commits_in_one_go(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)

    assert job.status == Job.Status.DONE
    assert job.result["state"] == "preview"
    assert job.result["counts"]["new"] == 4
    assert Meeting.objects.count() == 0  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=job, actor=organiser)

    meetings = Meeting.objects.filter(status=Meeting.Status.ACTIVE)
    assert meetings.count() == 4
    assert set(meetings.values_list("request", flat=True)) == {r.pk for r in world["requests"]}
    # The financier meets three people in three different slots.
    financier_slots = MeetingSeat.objects.filter(registration=world["financier"]).values_list(
        "slot", flat=True
    )
    assert sorted(financier_slots) == sorted(s.pk for s in world["slots"])
    job.refresh_from_db()
    assert job.result["state"] == "committed"
    assert AuditLog.objects.filter(action="b2b.schedule.commit", object_id=str(job.pk)).exists()


def test_committing_emails_each_participant_once_with_every_meeting_in_the_calendar(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=job, actor=organiser)

    emails = OutgoingEmail.objects.filter(kind="b2b.schedule_committed")
    financier_email = world["financier"].user.email
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        [financier_email] + [o.user.email for o in world["others"]]
    )
    mail = emails.get(recipient=financier_email)
    calendar = Calendar.from_ical(mail.ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    uids = {str(e["UID"]) for e in events}
    assert uids == {
        str(m.ics_uid) for m in Meeting.objects.filter(seats__registration=world["financier"])
    }
    assert "3 B2B meetings" in mail.subject
    # Each copy names its recipient as the only attendee: no one else's address.
    for mail in emails:
        attendees = {
            str(a).lower().removeprefix("mailto:")
            for e in Calendar.from_ical(mail.ics).walk("VEVENT")
            for a in (e.get("ATTENDEE") if isinstance(e.get("ATTENDEE"), list) else [e["ATTENDEE"]])
        }
        assert attendees == {mail.recipient.lower()}
    # Committing again (a double click) is refused and sends nothing more.
    with pytest.raises(SchedulerError):
        services.schedule_commit(job=job, actor=organiser)
    assert OutgoingEmail.objects.filter(kind="b2b.schedule_committed").count() == 5


def test_it_respects_unavailability_and_session_sign_ups(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    slots = make_slots(conference, 3)
    TableFactory(conference=conference, room=room)
    a, b = listed(conference), listed(conference, OrganisationKind.OEM)
    Unavailability.objects.create(registration=a, slot=slots[0])
    session = SessionFactory(
        conference=conference, starts_at=slots[1].starts_at, ends_at=slots[1].ends_at
    )
    SessionSignupFactory(session=session, registration=b)
    request = accepted(conference, a, b)

    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)

    assert job.result["placements"] == [[request.pk, slots[2].pk, job.result["placements"][0][2]]]


def test_it_explains_who_got_nothing(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    slots = make_slots(conference, 1)
    TableFactory(conference=conference, room=room)
    a, b = listed(conference), listed(conference, OrganisationKind.OEM)
    Unavailability.objects.create(registration=a, slot=slots[0])
    request = accepted(conference, a, b)

    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)

    assert job.result["unscheduled"] == [[request.pk, "no_common_slot"]]
    assert job.result["without"] == sorted([a.pk, b.pk])
    page = login(organiser).get(url(conference, f"manage/b2b/schedule/{job.pk}/"))
    assert page.status_code == 200
    assert "no slot in which both are available" in page.content.decode()


def test_locked_meetings_never_move_and_unlocked_ones_only_when_allowed(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    slots = make_slots(conference, 2)
    table = TableFactory(conference=conference, room=room)
    a, b, c = listed(conference), listed(conference), listed(conference, OrganisationKind.OEM)
    # a and c meet in slot 0; a and b can only meet in slot 0 (b is away in slot 1).
    existing = b2b.meeting_create(
        conference=conference, slot=slots[0], table=table, registrations=[a, c], notify=False
    )
    Unavailability.objects.create(registration=b, slot=slots[1])
    request = accepted(conference, a, b)

    kept = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    assert kept.result["placements"] == []
    assert kept.result["unscheduled"] == [[request.pk, "busy"]]
    services.schedule_discard(job=kept, actor=organiser)

    b2b.meeting_lock(meeting=existing, locked=True, actor=organiser)
    locked = run(
        conference, organiser, django_capture_on_commit_callbacks, time_limit=10, reoptimise=True
    )
    assert locked.result["moves"] == []
    assert locked.result["placements"] == []
    services.schedule_discard(job=locked, actor=organiser)

    b2b.meeting_lock(meeting=existing, locked=False, actor=organiser)
    moved = run(
        conference, organiser, django_capture_on_commit_callbacks, time_limit=10, reoptimise=True
    )
    assert moved.result["moves"] == [[existing.pk, slots[0].pk, table.pk, slots[1].pk, table.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=moved, actor=organiser)

    existing.refresh_from_db()
    assert (existing.slot_id, existing.sequence) == (slots[1].pk, 1)
    assert Meeting.objects.get(request=request).slot_id == slots[0].pk
    # Both of a's meetings are in the outbox once, in one email.
    assert OutgoingEmail.objects.filter(recipient=a.user.email).count() == 1


def test_two_meetings_may_swap_places_on_commit(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    """Moves release every old place first, so the unique constraints never see a clash."""
    slots = make_slots(conference, 2)
    table = TableFactory(conference=conference, room=room)
    a, b, c = listed(conference), listed(conference), listed(conference, OrganisationKind.OEM)
    first = b2b.meeting_create(
        conference=conference, slot=slots[0], table=table, registrations=[a, b], notify=False
    )
    second = b2b.meeting_create(
        conference=conference, slot=slots[1], table=table, registrations=[a, c], notify=False
    )
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    # Hand the preview a swap, as a re-optimising run may produce.
    job.result = {
        **job.result,
        "moves": [
            [first.pk, slots[0].pk, table.pk, slots[1].pk, table.pk],
            [second.pk, slots[1].pk, table.pk, slots[0].pk, table.pk],
        ],
    }
    job.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=job, actor=organiser)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.slot_id, second.slot_id) == (slots[1].pk, slots[0].pk)


def test_a_preview_whose_slot_was_taken_meanwhile_fails_cleanly_and_writes_nothing(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    # Meanwhile the financier books a meeting in the slot the preview gave them first.
    _rid, slot_id, _table = next(
        p for p in job.result["placements"] if p[0] == world["requests"][0].pk
    )
    slot = next(s for s in world["slots"] if s.pk == slot_id)
    b2b.meeting_create(
        conference=conference,
        slot=slot,
        table=None,
        registrations=[world["financier"], listed(conference)],
        notify=False,
    )

    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(conference, f"manage/b2b/schedule/{job.pk}/commit/"))

    assert response.status_code == 302
    page = client.get(response.url)
    assert "Nothing was saved: run the scheduler again" in page.content.decode()
    assert Meeting.objects.filter(request__isnull=False).count() == 0
    job.refresh_from_db()
    assert job.result["state"] == "preview"
    assert not OutgoingEmail.objects.filter(kind="b2b.schedule_committed").exists()


def test_the_commit_runs_in_the_background_and_the_page_follows_it(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    client = login(organiser)
    path = url(conference, f"manage/b2b/schedule/{job.pk}/")

    # Outside a capture the commit task is not sent: the job waits, "committing".
    client.post(path + "commit/")
    job.refresh_from_db()
    assert job.result["state"] == "committing"
    assert b"Saving the schedule" in client.get(path, headers={"HX-Request": "true"}).content
    with pytest.raises(SchedulerError, match="being saved"):
        services.schedule_commit_request(job=job, actor=organiser)

    with django_capture_on_commit_callbacks(execute=True):
        schedule_commit_task.delay(job.pk, organiser.pk)

    assert client.get(path, headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
    assert "This schedule is saved" in client.get(path).content.decode()
    assert Meeting.objects.count() == 4
    assert AuditLog.objects.get(action="b2b.schedule.commit").actor == organiser


def test_the_database_has_the_last_word_on_a_clash(
    conference, organiser, world, django_capture_on_commit_callbacks, monkeypatch
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    _rid, slot_id, table_id = job.result["placements"][0]
    slot = next(s for s in world["slots"] if s.pk == slot_id)
    table = next(t for t in world["tables"] if t.pk == table_id)
    b2b.meeting_create(
        conference=conference,
        slot=slot,
        table=table,
        registrations=[listed(conference), listed(conference)],
        notify=False,
    )
    # Skip the service's own checks: the partial unique constraint must refuse.
    monkeypatch.setattr(commit, "_check", lambda *args: [])

    with pytest.raises(SchedulePreviewStale) as refused:
        services.schedule_commit(job=job, actor=organiser)

    assert isinstance(refused.value.__cause__, IntegrityError)
    assert Meeting.objects.filter(request__isnull=False).count() == 0
    assert not OutgoingEmail.objects.filter(kind="b2b.schedule_committed").exists()


def test_one_run_at_a_time_and_a_queued_run_can_be_cancelled(conference, organiser, world):
    # Outside a capture the task is not sent: the run stays queued.
    job = services.schedule_start(conference=conference, actor=organiser, time_limit=10)
    with pytest.raises(SchedulerError, match="already running"):
        services.schedule_start(conference=conference, actor=organiser, time_limit=10)

    response = login(organiser).post(url(conference, f"manage/b2b/schedule/{job.pk}/cancel/"))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    services.schedule_run(job_id=job.pk)  # a late delivery of the task does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_a_running_run_stops_when_cancelled(conference, organiser, world):
    job = services.schedule_start(conference=conference, actor=organiser, time_limit=10)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)

    services.schedule_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert Meeting.objects.count() == 0


def test_a_run_stopped_by_an_error_keeps_the_progress_it_reported(
    conference, organiser, world, monkeypatch
):
    job = services.schedule_start(conference=conference, actor=organiser, time_limit=10)

    def fails_part_way(instance, *, on_progress, **options):
        on_progress("search", 0.4, 3, 5)
        raise RuntimeError("the solver crashed")

    monkeypatch.setattr(engine, "schedule", fails_part_way)

    services.schedule_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.done) == (Job.Status.FAILED, 40)


def test_the_page_starts_a_run_and_shows_its_progress_then_its_preview(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    client = login(organiser)
    page = client.get(url(conference, "manage/b2b/schedule/"))
    assert page.status_code == 200
    assert "Schedule pending meetings" in page.content.decode()

    response = client.post(
        url(conference, "manage/b2b/schedule/"),
        {"reoptimise": "0", "boost": "on", "time_limit": "10"},
    )
    assert response.status_code == 302
    job = Job.objects.get(kind=services.JOB_KIND)
    assert job.params == {"reoptimise": False, "boost": True, "time_limit": 10}
    # The task goes out when the request's transaction commits: not in this test.
    assert job.status == Job.Status.QUEUED

    fragment = client.get(response.url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"<progress" in fragment.content

    with django_capture_on_commit_callbacks(execute=True):
        schedule_run_task.delay(job.pk)
    done = client.get(response.url, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    page = client.get(response.url)
    assert "Commit 4 new meetings" in page.content.decode()
    assert schedule_commit_task.name.startswith("long.")


def test_only_organisers_see_the_scheduler_and_runs_of_other_conferences_are_404(
    conference, organiser, delegate, world, django_capture_on_commit_callbacks
):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    assert login(delegate).get(url(conference, "manage/b2b/schedule/")).status_code == 403
    assert (
        login(delegate).post(url(conference, f"manage/b2b/schedule/{job.pk}/commit/")).status_code
        == 403
    )
    other = ConferenceFactory()
    other_job = Job.objects.create(conference=other, kind=services.JOB_KIND)
    response = login(organiser).get(url(conference, f"manage/b2b/schedule/{other_job.pk}/"))
    assert response.status_code == 404


def test_the_preview_page_reads_a_fixed_number_of_queries(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    client = login(organiser)

    def preview_queries(n):
        """Grow the data, run, and count the queries of the preview page."""
        make_slots(conference, 2, hour=9 + n)
        TableFactory(conference=conference, room=room)
        for _ in range(2):
            accepted(conference, listed(conference), listed(conference, OrganisationKind.OEM))
        # An organisation's request nobody has taken on: its sender gets nothing.
        MeetingRequestFactory(
            conference=conference,
            requester=listed(conference),
            target_registration=None,
            target_organisation=listed(conference, OrganisationKind.OEM).organisation,
            status=MeetingRequest.Status.SCHEDULING,
        )
        job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
        assert job.result["counts"]["new"] and job.result["counts"]["without"]
        path = url(conference, f"manage/b2b/schedule/{job.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        services.schedule_discard(job=job, actor=organiser)
        return len(queries)

    assert preview_queries(0) == preview_queries(1) == preview_queries(2) == PREVIEW_QUERIES


def test_the_task_goes_to_the_long_queue():
    route = celery_app.amqp.router.route({}, schedule_run_task.name)
    assert schedule_run_task.name.startswith("long.")
    assert route["queue"].name == "long"


def test_message_parts_render(conference, organiser, world, django_capture_on_commit_callbacks):
    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=job, actor=organiser)
    mail = OutgoingEmail.objects.get(recipient=world["others"][3].user.email)
    body = message_from_string(mail.body_text).get_payload()
    assert world["others"][0].user.display_name in body
    assert "Table S" in body


@pytest.mark.parametrize("boost", [False, True])
def test_financiers_and_oems_go_first_when_the_organiser_says_so(
    conference, organiser, room, boost, django_capture_on_commit_callbacks
):
    make_slots(conference, 1)
    TableFactory(conference=conference, room=room)
    busy = listed(conference)
    essential = accepted(
        conference, listed(conference), busy, priority=MeetingRequest.Priority.MUST
    )
    financier = accepted(
        conference,
        listed(conference, OrganisationKind.FINANCIER),
        busy,
        priority=MeetingRequest.Priority.IF_TIME,
    )

    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10, boost=boost)

    placed = [p[0] for p in job.result["placements"]]
    assert placed == ([financier.pk] if boost else [essential.pk])


def test_repair_after_a_cancellation_fills_the_freed_slot_and_moves_nothing_locked(
    conference, organiser, world, django_capture_on_commit_callbacks
):
    """
    Two slots for three requests to the financier: one waits. After the
    organiser locks the schedule and a meeting is cancelled, a run with
    "re-optimise unlocked meetings" gives the freed place to the request
    that waited, and no locked meeting moves.
    """
    world["slots"][2].delete()
    first = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)
    assert first.result["counts"]["new"] == 3
    [(waiting, reason)] = first.result["unscheduled"]
    assert reason == "taken"
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=first, actor=organiser)
    for meeting in Meeting.objects.all():
        b2b.meeting_lock(meeting=meeting, locked=True, actor=organiser)
    cancelled = Meeting.objects.filter(seats__registration=world["financier"]).first()
    b2b.meeting_cancel(meeting=cancelled, actor=organiser)
    places = dict(Meeting.objects.filter(status=Meeting.Status.ACTIVE).values_list("pk", "slot_id"))

    repair = run(
        conference, organiser, django_capture_on_commit_callbacks, time_limit=10, reoptimise=True
    )

    assert repair.result["moves"] == []
    assert repair.result["placements"] == [
        [waiting, cancelled.slot_id, repair.result["placements"][0][2]]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_commit(job=repair, actor=organiser)
    assert Meeting.objects.get(request_id=waiting).slot_id == cancelled.slot_id
    for pk, slot_id in places.items():
        assert Meeting.objects.get(pk=pk).slot_id == slot_id


def test_a_run_with_nothing_waiting_says_so(
    conference, organiser, room, django_capture_on_commit_callbacks
):
    make_slots(conference, 2)
    TableFactory(conference=conference, room=room)

    job = run(conference, organiser, django_capture_on_commit_callbacks, time_limit=10)

    page = login(organiser).get(url(conference, f"manage/b2b/schedule/{job.pk}/")).content.decode()
    assert "No wished meeting is waiting for a time." in page
    assert "wished meetings fit" not in page
    assert "Commit" not in page
