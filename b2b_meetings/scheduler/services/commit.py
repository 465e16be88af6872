"""
A run's preview, once it is there: commit it (in the `long` queue, all of it
in one transaction or nothing) or discard it.

The commit takes the locks of `b2b_meetings.services.locking` in the same
order (requests → meetings → registrations by pk → organisations → slots),
checks that every placement still fits (the requests are still accepted and
unscheduled, the people free and available, the tables free, the caps held),
and leaves the database the last word through the partial unique
constraints on seats and tables. A preview that went stale fails with
`SchedulePreviewStale` and a message for the organiser; nothing is written.
Each participant gets one email listing their new and moved meetings, with
one calendar file.
"""

import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from icalendar import Calendar

from accounts.models import User
from b2b_meetings.errors import SchedulePreviewStale, SchedulerError
from b2b_meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)
from b2b_meetings.rules import request_participants
from b2b_meetings.scheduler.constants import JOB_KIND
from b2b_meetings.services import meeting_ics, registrations_lock, requests_settle
from b2b_meetings.services.booking import meeting_event
from conference.core import events
from conference.core.models import Job, Organisation
from conference.core.services import audit_message, audit_record, email_queue
from sessions_app.models import SessionSignup

logger = logging.getLogger(__name__)


def _lock_preview(job, *, saving=False):
    """Lock the job and check it holds a preview (or, with `saving`, one being saved)."""
    job = Job.objects.select_for_update(of=("self",)).select_related("conference").get(pk=job.pk)
    if job.kind != JOB_KIND or job.status != Job.Status.DONE:
        raise SchedulerError(_("This run has no schedule to commit."))
    state = job.result.get("state")
    if state == "committing" and not saving:
        raise SchedulerError(_("This schedule is being saved."))
    if state == "committed":
        raise SchedulerError(_("This schedule has already been committed."))
    if state == "discarded":
        raise SchedulerError(_("This schedule was discarded. Run the scheduler again."))
    return job


def schedule_discard(*, job, actor):
    """Drop a run's preview: nothing is written."""
    with transaction.atomic():
        job = _lock_preview(job)
        job.result = {**job.result, "state": "discarded"}
        job.save(update_fields=["result"])
        audit_record(
            actor=actor,
            conference=job.conference,
            action="b2b.schedule.discard",
            obj=job,
            summary=audit_message(gettext_noop("Scheduler run %(n)s discarded"), n=job.pk),
        )
    return job


# Committing -----------------------------------------------------------------------


def schedule_commit_request(*, job, actor):
    """
    Queue the commit of a run's preview (queue `long`): a large schedule
    means thousands of rows and emails, more than a web request should
    wait for. The job's state is "committing" until the task has written
    all of it ("committed") or none of it (back to "preview", with the
    reason in `commit_error`).
    """
    from b2b_meetings.scheduler.tasks import schedule_commit_task
    from conference.core.tasks import enqueue

    with transaction.atomic():
        job = _lock_preview(job)
        if not job.result.get("placements") and not job.result.get("moves"):
            raise SchedulerError(_("This preview has nothing to commit."))
        job.result = {**job.result, "state": "committing", "commit_error": ""}
        job.save(update_fields=["result"])
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        enqueue(schedule_commit_task, job.pk, actor_id)
    return job


def schedule_commit_run(*, job_id, actor_id):
    """
    The commit task's body: `schedule_commit`, and if it cannot be done,
    the preview back with the reason for the organiser. Nothing is half
    written either way: the commit's transaction is all or nothing.
    """
    job = Job.objects.get(pk=job_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        return schedule_commit(job=job, actor=actor)
    except SchedulerError as exc:
        error = str(exc)
    except Exception:
        logger.exception("Committing scheduler run %s failed", job_id)
        error = _("Saving failed; nothing was saved. Please try again.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.result.get("state") == "committing":
            job.result = {**job.result, "state": "preview", "commit_error": str(error)}
            job.save(update_fields=["result"])
    return job


def _stale(problems):
    n = len(problems)
    example = problems[0]
    return SchedulePreviewStale(
        _(
            "The meetings changed since this preview was made (%(n)s placement no longer "
            "fits, e.g. %(example)s). Nothing was saved: run the scheduler again."
        )
        % {"n": n, "example": example}
        if n == 1
        else _(
            "The meetings changed since this preview was made (%(n)s placements no longer "
            "fit, e.g. %(example)s). Nothing was saved: run the scheduler again."
        )
        % {"n": n, "example": example}
    )


def schedule_commit(*, job, actor, now=None):
    """
    Write the preview of `job`: all of it in one transaction, or nothing.

    Locks, in the order of `b2b_meetings.services.locking`: the job, the requests
    to schedule, the meetings to move, every participant's registration
    (by pk), their organisations when a per-organisation cap is set, and
    the slots involved. Then checks every placement against the database
    as it is now (requests still accepted and unscheduled, meetings to move
    unchanged and unlocked, people approved, free and available, tables in
    use and free, slots still ahead, caps held); any problem raises
    `SchedulePreviewStale` and writes nothing. Moves go in two steps
    (release every old place, then take the new ones) so that two meetings
    may swap places. The unique constraints on seats and tables have the
    last word: a clash found by the database is the same clean error.

    Each participant of a new or moved meeting gets one email listing them,
    with one calendar file holding every such meeting (dedup key per run
    and person). Returns the job.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = _lock_preview(job, saving=True)
        conference = job.conference
        result = job.result
        placements = result.get("placements", [])
        moves = result.get("moves", [])
        if not placements and not moves:
            raise SchedulerError(_("This preview has nothing to commit."))

        request_ids = sorted(p[0] for p in placements)
        requests = {
            r.pk: r
            for r in MeetingRequest.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=request_ids, conference=conference)
            .select_related("requester", "target_registration", "responded_by")
            .order_by("pk")
        }
        move_ids = sorted(m[0] for m in moves)
        moving = {
            m.pk: m
            for m in Meeting.objects.select_for_update(no_key=True)
            .filter(pk__in=move_ids, conference=conference)
            .order_by("pk")
        }
        seats_of = defaultdict(list)
        for meeting_id, registration_id in MeetingSeat.objects.filter(
            meeting__in=move_ids
        ).values_list("meeting_id", "registration_id"):
            seats_of[meeting_id].append(registration_id)

        problems = []
        wanted = []  # (kind, request or meeting, people ids, slot id, table id)
        for rid, slot_id, table_id in placements:
            meeting_request = requests.get(rid)
            if (
                meeting_request is None
                or meeting_request.status != MeetingRequest.Status.SCHEDULING
            ):
                problems.append(
                    _("request %(id)s is no longer waiting to be scheduled") % {"id": rid}
                )
                continue
            people = sorted(p.pk for p in request_participants(meeting_request))
            wanted.append(("new", meeting_request, people, slot_id, table_id))
        for meeting_id, old_slot, old_table, slot_id, table_id in moves:
            meeting = moving.get(meeting_id)
            if (
                meeting is None
                or meeting.status != Meeting.Status.ACTIVE
                or meeting.locked
                or (meeting.slot_id, meeting.table_id) != (old_slot, old_table)
            ):
                problems.append(_("meeting %(id)s has changed") % {"id": meeting_id})
                continue
            wanted.append(("move", meeting, sorted(seats_of[meeting_id]), slot_id, table_id))
        if problems:
            raise _stale(problems)
        if (
            MeetingRequest.objects.filter(pk__in=request_ids)
            .filter(meetings__status=Meeting.Status.ACTIVE)
            .exists()
        ):
            raise _stale([_("a request has been booked meanwhile")])

        people_ids = sorted({p for item in wanted for p in item[2]})
        people = {r.pk: r for r in registrations_lock(conference=conference, ids=people_ids)}
        if conference.b2b_max_meetings_per_organisation is not None:
            org_ids = sorted({r.organisation_id for r in people.values() if r.organisation_id})
            list(
                Organisation.objects.select_for_update(no_key=True)
                .filter(pk__in=org_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        slot_ids = sorted({item[3] for item in wanted})
        slots = {
            s.pk: s
            for s in MeetingSlot.objects.select_for_update(no_key=True)
            .filter(pk__in=slot_ids, conference=conference)
            .order_by("pk")
        }
        tables = {
            t.pk: t
            for t in Table.objects.filter(
                pk__in={item[4] for item in wanted}, conference=conference
            ).select_related("room")
        }
        problems = _check(conference, wanted, people, slots, tables, move_ids, now)
        if problems:
            raise _stale(problems)

        created, moved = _write(conference, wanted, actor, move_ids)
        events.events_publish(
            conference=conference, events=_meeting_events(wanted, created, slots, moves)
        )
        _settle_requests(conference, [item for item in wanted if item[0] == "new"], people)
        job.result = {
            **result,
            "state": "committed",
            "commit_error": "",
            "committed_at": now.isoformat(),
        }
        job.save(update_fields=["result"])
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.schedule.commit",
            obj=job,
            summary=audit_message(
                gettext_noop("Scheduler run %(n)s: %(created)s meetings created, %(moved)s moved"),
                n=job.pk,
                created=len(created),
                moved=len(moved),
            ),
            data={"created": len(created), "moved": len(moved)},
        )
        _email_participants(job, conference, created, moved, people)
    return job


def _check(conference, wanted, people, slots, tables, move_ids, now):
    """Everything that no longer fits, as messages (empty: all fits)."""
    problems = []
    ids = list(people)
    slot_ids = list(slots)
    taken_seats = set(
        MeetingSeat.objects.filter(registration__in=ids, slot__in=slot_ids, is_active=True)
        .exclude(meeting__in=move_ids)
        .values_list("registration_id", "slot_id")
    )
    taken_tables = set(
        Meeting.objects.filter(
            conference=conference, slot__in=slot_ids, status=Meeting.Status.ACTIVE
        )
        .exclude(pk__in=move_ids)
        .values_list("table_id", "slot_id")
    )
    marked = set(
        Unavailability.objects.filter(registration__in=ids, slot__in=slot_ids).values_list(
            "registration_id", "slot_id"
        )
    )
    sessions = defaultdict(list)
    for registration_id, starts_at, ends_at in SessionSignup.objects.filter(
        registration__in=ids,
        status=SessionSignup.Status.CONFIRMED,
        session__conference=conference,
        session__is_cancelled=False,
    ).values_list("registration_id", "session__starts_at", "session__ends_at"):
        sessions[registration_id].append((starts_at, ends_at))

    seats_now = Counter(
        dict(
            MeetingSeat.objects.filter(
                registration__in=ids, is_active=True, meeting__conference=conference
            )
            .values("registration")
            .order_by()
            .annotate(n=Count("pk"))
            .values_list("registration", "n")
        )
    )
    added = Counter()
    for kind, obj, members, slot_id, table_id in wanted:
        slot = slots.get(slot_id)
        table = tables.get(table_id)
        name = _describe(members, people)
        if slot is None or slot.starts_at <= now:
            problems.append(_("%(what)s: its slot has started or gone") % {"what": name})
            continue
        if table is None or not table.is_active:
            problems.append(_("%(what)s: its table is no longer in use") % {"what": name})
            continue
        if (table_id, slot_id) in taken_tables:
            problems.append(_("%(what)s: its table has been taken") % {"what": name})
        taken_tables.add((table_id, slot_id))
        for p in members:
            person = people.get(p)
            if person is None or not person.is_approved:
                problems.append(_("%(what)s: a participant is no longer approved") % {"what": name})
                break
            if (p, slot_id) in taken_seats:
                problems.append(
                    _("%(what)s: %(person)s is now busy then")
                    % {"what": name, "person": person.user.display_name}
                )
            taken_seats.add((p, slot_id))
            moving_stays = kind == "move" and obj.slot_id == slot_id
            if not moving_stays and (
                (p, slot_id) in marked
                or any(s < slot.ends_at and e > slot.starts_at for s, e in sessions.get(p, ()))
            ):
                problems.append(
                    _("%(what)s: %(person)s is no longer available then")
                    % {"what": name, "person": person.user.display_name}
                )
            if kind == "new":
                added[p] += 1
    cap = conference.b2b_max_meetings_per_delegate
    for p, n in added.items():
        if seats_now[p] + n > cap:
            problems.append(
                _("%(person)s would exceed the meeting limit")
                % {"person": people[p].user.display_name}
            )
    org_cap = conference.b2b_max_meetings_per_organisation
    if org_cap is not None and added:
        orgs = {people[p].organisation_id for p in added if people[p].organisation_id}
        org_now = Counter(
            dict(
                MeetingSeat.objects.filter(
                    is_active=True,
                    meeting__conference=conference,
                    registration__organisation__in=orgs,
                )
                .values("registration__organisation")
                .order_by()
                .annotate(n=Count("pk"))
                .values_list("registration__organisation", "n")
            )
        )
        org_added = Counter()
        for p, n in added.items():
            if people[p].organisation_id:
                org_added[people[p].organisation_id] += n
        for org, n in org_added.items():
            if org_now[org] + n > org_cap:
                problems.append(_("an organisation would exceed its meeting limit"))
    return problems


def _describe(members, people):
    names = [people[p].user.display_name for p in members if p in people]
    return _("the meeting of %(names)s") % {"names": " & ".join(names)}


def _write(conference, wanted, actor, move_ids):
    """Insert the new meetings and move the others; a clash is a stale preview."""
    creator = actor if getattr(actor, "is_authenticated", False) else None
    moved = []
    created = []
    try:
        with transaction.atomic():
            moving = [item for item in wanted if item[0] == "move"]
            if moving:
                # Release every old place first, so meetings may swap places.
                MeetingSeat.objects.filter(meeting__in=move_ids).update(is_active=False)
                Meeting.objects.filter(pk__in=move_ids).update(status=Meeting.Status.CANCELLED)
                now = timezone.now()
                for _kind, meeting, _members, slot_id, table_id in moving:
                    meeting.slot_id = slot_id
                    meeting.table_id = table_id
                    meeting.sequence += 1  # calendars update the event in place
                    meeting.status = Meeting.Status.ACTIVE
                    meeting.updated_at = now
                    moved.append(meeting)
                Meeting.objects.bulk_update(
                    moved, ["slot", "table", "sequence", "status", "updated_at"]
                )
                for meeting in moved:
                    MeetingSeat.objects.filter(meeting=meeting).update(
                        slot_id=meeting.slot_id, is_active=True
                    )
            new = [item for item in wanted if item[0] == "new"]
            created = Meeting.objects.bulk_create(
                Meeting(
                    conference=conference,
                    request=meeting_request,
                    slot_id=slot_id,
                    table_id=table_id,
                    created_by=creator,
                )
                for _kind, meeting_request, _members, slot_id, table_id in new
            )
            MeetingSeat.objects.bulk_create(
                MeetingSeat(meeting=meeting, registration_id=p, slot_id=meeting.slot_id)
                for meeting, (_kind, _meeting_request, members, _slot, _table) in zip(
                    created, new, strict=True
                )
                for p in members
            )
    except IntegrityError as exc:
        raise _stale([_("the database refused a clash with a meeting booked meanwhile")]) from exc
    return created, moved


def _meeting_events(wanted, created, slots, moves):
    """The domain events of a commit (webhooks): one per new or moved meeting."""
    new = [item for item in wanted if item[0] == "new"]
    found = [
        meeting_event(
            events.MEETING_BOOKED, meeting, slot=slots[meeting.slot_id], participant_ids=members
        )
        for meeting, (_kind, _request, members, _slot, _table) in zip(created, new, strict=True)
    ]
    moving = [item for item in wanted if item[0] == "move"]
    if moving:
        previous = {meeting_id: old_slot for meeting_id, old_slot, *_rest in moves}
        old_slots = MeetingSlot.objects.in_bulk({previous[item[1].pk] for item in moving})
        found += [
            meeting_event(
                events.MEETING_RESCHEDULED,
                meeting,
                slot=slots[meeting.slot_id],
                participant_ids=members,
                previous_slot=old_slots[previous[meeting.pk]],
            )
            for _kind, meeting, members, _slot, _table in moving
        ]
    return found


def _settle_requests(conference, new, people):
    """
    The scheduled requests are accepted, and other open requests between the
    same two people are settled with them (`requests_settle`).
    """
    if not new:
        return
    MeetingRequest.objects.filter(pk__in=[item[1].pk for item in new]).update(
        status=MeetingRequest.Status.ACCEPTED, responded_at=timezone.now()
    )
    requests_settle(
        conference=conference,
        pairs=[
            (people[members[0]], people[members[1]], meeting_request.pk)
            for _kind, meeting_request, members, _slot, _table in new
            if len(members) == 2
        ],
    )


def _email_participants(job, conference, created, moved, people):
    """One email per participant of a new or moved meeting, with one calendar file."""
    meetings = list(
        Meeting.objects.filter(pk__in=[m.pk for m in [*created, *moved]])
        .select_related("conference", "slot", "table__room", "request")
        .prefetch_related("seats")
        .order_by("slot__starts_at", "pk")
    )
    moved_ids = {m.pk for m in moved}
    by_person = defaultdict(list)
    participants_of = {}
    for meeting in meetings:
        members = [people[s.registration_id] for s in meeting.seats.all()]
        members.sort(key=lambda r: r.pk)
        participants_of[meeting.pk] = members
        for person in members:
            by_person[person.pk].append(meeting)

    def event(meeting, language, person):
        # The recipient's own copy: they are its only ATTENDEE, so no one
        # learns another participant's email address from a calendar file.
        with translation.override(language):
            ics = meeting_ics(meeting, participants_of[meeting.pk], recipient=person)
        return Calendar.from_ical(ics).walk("VEVENT")[0]

    for person_id, items in sorted(by_person.items()):
        person = people[person_id]
        user = person.user
        language = user.language or settings.LANGUAGE_CODE
        calendar = Calendar()
        calendar.add("prodid", "-//Conference Portal//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", str(conference.name))
        calendar.add("x-wr-timezone", conference.time_zone)
        for meeting in items:
            calendar.add_component(event(meeting, language, person))
        lines = [
            {
                "meeting": meeting,
                "moved": meeting.pk in moved_ids,
                "others": [p for p in participants_of[meeting.pk] if p.pk != person_id],
                "url": settings.SITE_ROOT + meeting.get_absolute_url(),
            }
            for meeting in items
        ]
        with timezone.override(conference.tz):
            email_queue(
                recipient=user.email,
                template="b2b_schedule_committed",
                context={
                    "registration": person,
                    "lines": lines,
                    "new_count": sum(1 for line in lines if not line["moved"]),
                    "moved_count": sum(1 for line in lines if line["moved"]),
                    "time_zone": conference.time_zone,
                    "meetings_url": settings.SITE_ROOT
                    + reverse("sessions_app:my_schedule", args=[conference.slug]),
                },
                kind="b2b.schedule_committed",
                dedup_key=f"b2b:schedule:{job.pk}:reg:{person_id}",
                conference=conference,
                user=user,
                ics=calendar.to_ical().decode(),
            )
