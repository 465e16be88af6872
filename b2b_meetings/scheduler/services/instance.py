"""
The scheduling problem of a conference as the engine reads it: future
slots, tables in use, the requests accepted to be scheduled (meeting wishes,
weighted by priority, mutual ones more), who is busy when,
and the caps. Django stays on this side; `engine` knows only ids.
"""

from collections import defaultdict

from django.utils import timezone

from accounts.models import Registration
from b2b_meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)
from b2b_meetings.rules import request_participants
from b2b_meetings.scheduler import engine
from b2b_meetings.scheduler.constants import NOT_APPROVED, WISH_WEIGHTS, wish_weight
from conference.core.models import OrganisationKind
from sessions_app.models import SessionSignup

# Organisation kinds the organiser may put first.
BOOSTED_KINDS = (OrganisationKind.FINANCIER, OrganisationKind.OEM)
# How much a wish from or to a boosted kind weighs on top of its own weight
# (constants.wish_weight): as much as the heaviest wish (mutual "must
# meet"), so that a boosted wish outweighs any other; among boosted wishes,
# and among the others, the wishes decide.
BOOST = 2 * WISH_WEIGHTS[3]


class Built:
    """An engine instance and what maps it back to rows."""

    def __init__(self):
        self.instance = None
        self.excluded = {}  # request id -> reason, for requests kept out of the engine
        self.request_people = {}  # request id -> [registration ids]
        self.moved_from = {}  # meeting id -> (slot id, table id)


def _boosted(people):
    return any(p.organisation is not None and p.organisation.kind in BOOSTED_KINDS for p in people)


def _overlapping_slots(slots, starts_at, ends_at):
    return [s.pk for s in slots if s.starts_at < ends_at and s.ends_at > starts_at]


def instance_build(*, conference, reoptimise=False, boost=False, now=None):
    """
    The scheduling problem of `conference` now: its future slots and tables
    in use; every request accepted to be scheduled, without an active
    meeting, weighted by its wishes (`wish_weight`); who is
    unavailable when (marked slots, confirmed sessions that overlap, active
    meetings); the caps. Existing meetings stay where they are, except that
    with `reoptimise` the unlocked ones in future slots at tables in use may
    move. A fixed number of queries, whatever the size.
    """
    now = now or timezone.now()
    built = Built()
    slots = list(
        MeetingSlot.objects.filter(conference=conference, starts_at__gt=now).order_by("starts_at")
    )
    slot_ids = {s.pk for s in slots}
    tables = list(
        Table.objects.filter(conference=conference, is_active=True)
        .order_by("room__position", "room__name", "label")
        .values_list("pk", flat=True)
    )
    table_ids = set(tables)

    requests = list(
        MeetingRequest.objects.filter(
            conference=conference, status=MeetingRequest.Status.SCHEDULING
        )
        .exclude(meetings__status=Meeting.Status.ACTIVE)
        .select_related(
            "requester__organisation",
            "target_registration__organisation",
            "responded_by__organisation",
        )
        .order_by("pk")
    )
    engine_requests = []
    people = set()
    for meeting_request in requests:
        participants = request_participants(meeting_request)
        ids = [p.pk for p in participants]
        built.request_people[meeting_request.pk] = ids
        if len(participants) < 2:
            built.excluded[meeting_request.pk] = engine.NO_PARTICIPANTS
            continue
        if any(not p.is_approved for p in participants):
            built.excluded[meeting_request.pk] = NOT_APPROVED
            continue
        weight = wish_weight(meeting_request.priority, meeting_request.counter_priority) + (
            BOOST if boost and _boosted(participants) else 0
        )
        engine_requests.append(
            engine.Request(id=meeting_request.pk, people=tuple(ids), weight=weight)
        )
        people.update(ids)

    fixed = []
    seats = defaultdict(list)
    for meeting_id, registration_id in MeetingSeat.objects.filter(
        meeting__conference=conference, meeting__status=Meeting.Status.ACTIVE
    ).values_list("meeting_id", "registration_id"):
        seats[meeting_id].append(registration_id)
    meetings = Meeting.objects.filter(conference=conference, status=Meeting.Status.ACTIVE).values(
        "pk",
        "slot_id",
        "table_id",
        "locked",
        "request_id",
        "request__priority",
        "request__counter_priority",
    )
    for meeting in meetings:
        members = tuple(sorted(seats[meeting["pk"]]))
        people.update(members)
        movable = (
            reoptimise
            and not meeting["locked"]
            and meeting["slot_id"] in slot_ids
            and meeting["table_id"] in table_ids
            and len(members) >= 2
        )
        if movable:
            # Moving meetings are requests with negative ids (meeting ids),
            # so they never clash with the ids of pending requests.
            engine_requests.append(
                engine.Request(
                    id=-meeting["pk"],
                    people=members,
                    weight=wish_weight(
                        meeting["request__priority"] or MeetingRequest.Priority.WOULD_LIKE,
                        meeting["request__counter_priority"],
                    ),
                    current=(meeting["slot_id"], meeting["table_id"]),
                )
            )
            built.moved_from[meeting["pk"]] = (meeting["slot_id"], meeting["table_id"])
        else:
            fixed.append(
                engine.FixedMeeting(
                    people=members,
                    slot=meeting["slot_id"],
                    table=meeting["table_id"],
                )
            )

    unavailable = defaultdict(set)
    for registration_id, slot_id in Unavailability.objects.filter(
        registration__in=people, slot__in=slot_ids
    ).values_list("registration_id", "slot_id"):
        unavailable[registration_id].add(slot_id)
    if slots:
        signups = SessionSignup.objects.filter(
            registration__in=people,
            status=SessionSignup.Status.CONFIRMED,
            session__conference=conference,
            session__is_cancelled=False,
            session__starts_at__lt=slots[-1].ends_at,
            session__ends_at__gt=slots[0].starts_at,
        ).values_list("registration_id", "session__starts_at", "session__ends_at")
        for registration_id, starts_at, ends_at in signups:
            unavailable[registration_id].update(_overlapping_slots(slots, starts_at, ends_at))

    organisation_of = dict(
        Registration.objects.filter(pk__in=people, organisation__isnull=False).values_list(
            "pk", "organisation_id"
        )
    )
    built.instance = engine.Instance(
        slots=tuple(s.pk for s in slots),
        tables=tuple(tables),
        requests=tuple(engine_requests),
        unavailable={p: frozenset(s) for p, s in unavailable.items()},
        fixed=tuple(fixed),
        person_cap=conference.b2b_max_meetings_per_delegate,
        organisation_of=organisation_of,
        organisation_cap=conference.b2b_max_meetings_per_organisation,
    )
    return built
