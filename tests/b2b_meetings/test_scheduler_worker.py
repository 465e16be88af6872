"""
The auto-scheduler through a real Celery worker (a `celery worker`
subprocess on Redis, the `long` queue among its queues) and a real SMTP
server: a run on benchmark-sized data reports progress and stops soon after
the organiser cancels it; a run that finishes is committed in the
background and every participant receives one email with a calendar file.
"""

import datetime

import pytest
from icalendar import Calendar

from accounts.models import Registration, User
from b2b_meetings.models import Meeting, MeetingRequest, Unavailability
from b2b_meetings.scheduler import services
from bench.scheduler.instances import generate
from conference.core.models import Job, Organisation, OrganisationKind
from tests.factories import TableFactory
from tests.helpers import login, make_slots, url, wait_for

# `worker` and `mail_server` (tests/conftest.py): one real worker and SMTP sink for this module.

pytestmark = [pytest.mark.celery_worker, pytest.mark.usefixtures("email_templates")]


def load(conference, room, instance):
    """
    Write an engine instance (bench/scheduler/instances.py) as rows: its
    people as approved delegates of their organisations, its slots and
    tables, unavailability, and its requests as accepted requests.
    """
    slots = make_slots(conference, len(instance.slots), hour=8)
    slot_of = dict(zip(instance.slots, slots, strict=True))
    for label in instance.tables:
        TableFactory(conference=conference, room=room, label=f"W{label}")
    people = sorted({p for r in instance.requests for p in r.people})
    organisations = {
        org: Organisation.objects.create(name=f"Worker test org {org}", kind=OrganisationKind.OTHER)
        for org in sorted({instance.organisation_of[p] for p in people})
    }
    users = User.objects.bulk_create(
        User(email=f"w{p}-{conference.pk}@example.org", given_name="P", family_name=str(p))
        for p in people
    )
    registrations = dict(
        zip(
            people,
            Registration.objects.bulk_create(
                Registration(
                    conference=conference,
                    user=user,
                    organisation=organisations[instance.organisation_of[p]],
                    status=Registration.Status.APPROVED,
                )
                for p, user in zip(people, users, strict=True)
            ),
            strict=True,
        )
    )
    Unavailability.objects.bulk_create(
        Unavailability(registration=registrations[p], slot=slot_of[s])
        for p in people
        for s in instance.unavailable.get(p, ())
    )
    MeetingRequest.objects.bulk_create(
        MeetingRequest(
            conference=conference,
            requester=registrations[r.people[0]],
            target_registration=registrations[r.people[1]],
            responded_by=registrations[r.people[1]],
            status=MeetingRequest.Status.SCHEDULING,
        )
        for r in instance.requests
    )


def job_of(pk):
    return Job.objects.get(pk=pk)


def test_a_run_on_the_long_queue_reports_progress_and_stops_when_cancelled(
    conference, organiser, room, worker
):
    # The benchmark's M tier at density 0.5: its gap to the bound stays open,
    # so the run would use its whole time limit.
    conference.b2b_max_meetings_per_delegate = 24
    conference.save()
    load(conference, room, generate("M", 0.5, seed=0))
    client = login(organiser)

    response = client.post(
        url(conference, "manage/b2b/schedule/"),
        {"reoptimise": "0", "time_limit": "60"},
    )
    job = Job.objects.get(kind=services.JOB_KIND)
    assert response.url.endswith(f"/manage/b2b/schedule/{job.pk}/")

    running = wait_for(
        lambda: (j := job_of(job.pk)).status == Job.Status.RUNNING and j.done > 0 and j,
        "the run to report progress",
        log=worker.log,
        timeout=40,
    )
    assert "best possible" in running.message
    fragment = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "<progress" in fragment

    cancelled_at = datetime.datetime.now(datetime.UTC)
    assert client.post(response.url + "cancel/").status_code == 302
    stopped = wait_for(
        lambda: (j := job_of(job.pk)).status == Job.Status.CANCELLED and j,
        "the run to stop",
        log=worker.log,
        timeout=20,
    )

    # Well before the 60 s time limit, and nothing was written.
    assert (stopped.finished_at - cancelled_at).total_seconds() < 10
    assert (stopped.finished_at - stopped.created_at).total_seconds() < 50
    assert not Meeting.objects.exists()
    assert "This run was cancelled; nothing was saved." in client.get(response.url).content.decode()


def test_a_committed_schedule_reaches_every_participant_once_with_a_calendar_file(
    conference,
    organiser,
    room,
    worker,
    mail_server,
):
    load(conference, room, generate("S", 1.0, seed=0))
    client = login(organiser)
    client.post(url(conference, "manage/b2b/schedule/"), {"reoptimise": "0", "time_limit": "10"})
    job = Job.objects.get(kind=services.JOB_KIND)
    done = wait_for(
        lambda: (j := job_of(job.pk)).status == Job.Status.DONE and j,
        "the run to finish",
        log=worker.log,
        timeout=40,
    )
    new = done.result["counts"]["new"]
    assert new == 120  # 12 slots × 10 tables, all filled

    client.post(url(conference, f"manage/b2b/schedule/{job.pk}/commit/"))
    wait_for(
        lambda: job_of(job.pk).result.get("state") == "committed",
        "the commit",
        log=worker.log,
        timeout=40,
    )
    assert Meeting.objects.filter(status=Meeting.Status.ACTIVE).count() == new
    participants = set(
        Registration.objects.filter(meeting_seats__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    wait_for(
        lambda: len(mail_server.messages) >= len(participants),
        "every participant's email",
        log=worker.log,
        timeout=60,
    )

    recipients = [to for m in mail_server.messages for to in m["to"]]
    assert sorted(recipients) == sorted(participants)
    for delivered in mail_server.messages:
        parts = [p for p in delivered["message"].walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1
        events = Calendar.from_ical(parts[0].get_payload(decode=True)).walk("VEVENT")
        person = Registration.objects.get(user__email=delivered["to"][0])
        assert len(events) == person.meeting_seats.filter(is_active=True).count()
