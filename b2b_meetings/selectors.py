"""
Reads of the B2B meetings app, always scoped to who asks.

Closed door: a meeting is read through `meeting_for_access` (participants
and organisers only); the directory and its organisation pages read
registrations that consented to be listed and never their meetings. Each
page's reads are a fixed number of queries, whatever the data (pinned by
tests/b2b_meetings/test_query_counts.py).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.models import (
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)
from b2b_meetings.rules import busy_reasons, kind_pair_allowed
from conference.core.models import Organisation
from sessions_app.models import SessionSignup

# Directory -----------------------------------------------------------------------


def _listed(conference):
    """Registrations shown in the directory: approved and consenting."""
    return Registration.objects.filter(
        conference=conference,
        status=Registration.Status.APPROVED,
        directory_consent=True,
    )


def directory_organisations(*, conference, kind="", country="", q=""):
    """
    Organisations with at least one listed delegate at `conference`, with
    their number of listed delegates, filtered by kind, country and a search
    over name, description, offers and seeks.
    """
    listed = _listed(conference)
    organisations = Organisation.objects.filter(
        Exists(listed.filter(organisation=OuterRef("pk")))
    ).annotate(
        delegate_count=Count(
            "registrations",
            filter=Q(
                registrations__conference=conference,
                registrations__status=Registration.Status.APPROVED,
                registrations__directory_consent=True,
            ),
        )
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    if country:
        organisations = organisations.filter(country=country)
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q)
            | Q(description__icontains=q)
            | Q(offers__icontains=q)
            | Q(seeks__icontains=q)
        )
    return organisations.order_by("name")


def directory_countries(*, conference):
    """Country codes of the organisations in the directory (for the filter)."""
    codes = (
        Organisation.objects.filter(Exists(_listed(conference).filter(organisation=OuterRef("pk"))))
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
        .order_by("country")
    )
    return list(codes)


def directory_organisation(*, conference, organisation_id):
    """An organisation with a listed delegate at `conference`, or None."""
    return (
        Organisation.objects.filter(pk=organisation_id)
        .filter(Exists(_listed(conference).filter(organisation=OuterRef("pk"))))
        .first()
    )


def directory_delegates(*, conference, organisation):
    """An organisation's listed delegates: no schedules, only what they chose to show."""
    return (
        _listed(conference)
        .filter(organisation=organisation)
        .select_related("user", "organisation")
        .order_by("user__family_name", "user__given_name")
    )


def directory_delegate(*, conference, registration_id):
    """A listed delegate, or None."""
    return (
        _listed(conference)
        .filter(pk=registration_id)
        .select_related("user", "organisation")
        .first()
    )


def can_request(*, conference, requester, organisation):
    """Whether `requester` may send a request to (a delegate of) `organisation`."""
    if requester is None or not requester.is_approved:
        return False
    if requester.organisation_id == organisation.pk:
        return False
    own_kind = requester.organisation.kind if requester.organisation_id else None
    return kind_pair_allowed(conference, own_kind, organisation.kind)


def pending_request_targets(*, registration):
    """(delegate ids, organisation ids) `registration` has a pending request to."""
    rows = MeetingRequest.objects.filter(
        requester=registration, status=MeetingRequest.Status.PENDING
    ).values_list("target_registration_id", "target_organisation_id")
    people, organisations = set(), set()
    for person, organisation in rows:
        if person:
            people.add(person)
        if organisation:
            organisations.add(organisation)
    return people, organisations


# Requests ------------------------------------------------------------------------


def _request_related(queryset):
    return queryset.select_related(
        "requester__user",
        "requester__organisation",
        "target_registration__user",
        "target_registration__organisation",
        "target_organisation",
        "responded_by__user",
    )


def _incoming_filter(registration):
    mine = Q(target_registration=registration)
    if registration.organisation_id and registration.directory_consent:
        # Addressed to my organisation: open ones for everyone listed; once
        # answered, only the colleague who answered still sees it (who meets
        # whom stays between the two).
        mine |= Q(target_organisation_id=registration.organisation_id) & (
            Q(status=MeetingRequest.Status.PENDING) | Q(responded_by=registration)
        )
    return mine


def request_list_incoming(*, registration):
    """Requests to `registration`, or to its organisation if it is listed."""
    return (
        _request_related(
            MeetingRequest.objects.filter(conference_id=registration.conference_id).filter(
                _incoming_filter(registration)
            )
        )
        .exclude(requester=registration)
        .order_by("-created_at")
    )


def request_list_outgoing(*, registration):
    return _request_related(MeetingRequest.objects.filter(requester=registration)).order_by(
        "-created_at"
    )


def request_for_registration(*, registration, request_id, related=True):
    """
    A request `registration` sent or may see as a recipient, or None. With
    `related` false the parties are not joined in (actions that only need
    to know the request is theirs).
    """
    requests = MeetingRequest.objects.filter(
        conference_id=registration.conference_id, pk=request_id
    ).filter(Q(requester=registration) | _incoming_filter(registration))
    if related:
        requests = _request_related(requests)
    return requests.first()


def meeting_for_request(*, request, registration):
    """The active meeting of an accepted request, if `registration` sits in it."""
    return (
        Meeting.objects.filter(
            request=request, status=Meeting.Status.ACTIVE, seats__registration=registration
        )
        .select_related("slot", "table__room")
        .first()
    )


# Meetings ------------------------------------------------------------------------


def meeting_list_for_registration(*, registration, include_cancelled=False):
    """
    The meetings `registration` sits in, with slot, table, room and the other
    participants prefetched (a fixed number of queries). Closed door: only
    meetings this person is a participant of.
    """
    meetings = Meeting.objects.filter(seats__registration=registration)
    if not include_cancelled:
        meetings = meetings.filter(status=Meeting.Status.ACTIVE)
    return (
        meetings.select_related("conference", "slot", "table__room")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ),
            )
        )
        .order_by("slot__starts_at")
        .distinct()
    )


def meeting_for_access(*, access, meeting_id):
    """
    A meeting of the conference that `access` may see: organisers see every
    meeting, delegates only their own. None otherwise (the view answers 404,
    so nobody learns that the meeting exists).
    """
    meetings = Meeting.objects.filter(conference=access.conference, pk=meeting_id)
    if not access.is_organiser:
        if access.registration is None:
            return None
        meetings = meetings.filter(
            Exists(
                MeetingSeat.objects.filter(meeting=OuterRef("pk"), registration=access.registration)
            )
        )
    return (
        meetings.select_related("slot", "table__room", "request", "created_by")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ).order_by("registration_id"),
            )
        )
        .first()
    )


def meeting_feedback_visible(*, access, meeting):
    """Feedback on a meeting: all of it for organisers, one's own for a participant."""
    feedback = MeetingFeedback.objects.filter(meeting=meeting).select_related("registration__user")
    if access.is_organiser:
        return list(feedback)
    if access.registration is None:
        return []
    return list(feedback.filter(registration=access.registration))


# Availability --------------------------------------------------------------------


@dataclass
class SlotState:
    slot: MeetingSlot
    unavailable: bool = False
    sessions: list = field(default_factory=list)
    in_meeting: bool = False
    free_tables: int = 0

    @property
    def is_free(self):
        return not (self.unavailable or self.sessions or self.in_meeting)

    @property
    def is_past(self):
        return self.slot.starts_at <= timezone.now()


def slot_states(*, conference, registrations, exclude_meeting=None):
    """
    Every slot of `conference`, with per slot whether any of `registrations`
    marked it unavailable, spends it in a session they signed up for, or sits
    in a meeting then (other than `exclude_meeting`), and how many tables are
    still free. Six queries, whatever the number of slots.
    """
    ids = [r.pk for r in registrations]
    slots = list(MeetingSlot.objects.filter(conference=conference).order_by("starts_at"))
    states = {slot.pk: SlotState(slot=slot) for slot in slots}
    for slot_id in Unavailability.objects.filter(
        registration__in=ids, slot__conference=conference
    ).values_list("slot_id", flat=True):
        states[slot_id].unavailable = True
    seats = MeetingSeat.objects.filter(
        registration__in=ids, is_active=True, slot__conference=conference
    )
    if exclude_meeting is not None:
        seats = seats.exclude(meeting=exclude_meeting)
    for slot_id in seats.values_list("slot_id", flat=True):
        states[slot_id].in_meeting = True
    if slots:
        sessions = list(
            SessionSignup.objects.filter(
                registration__in=ids,
                status=SessionSignup.Status.CONFIRMED,
                session__conference=conference,
                session__is_cancelled=False,
                session__starts_at__lt=slots[-1].ends_at,
                session__ends_at__gt=slots[0].starts_at,
            )
            .values_list("session__title", "session__starts_at", "session__ends_at")
            .distinct()
        )
        for state in states.values():
            for title, starts_at, ends_at in sessions:
                if starts_at < state.slot.ends_at and ends_at > state.slot.starts_at:
                    state.sessions.append(title)
    tables = Table.objects.filter(conference=conference, is_active=True).count()
    busy = dict(
        Meeting.objects.filter(
            conference=conference, status=Meeting.Status.ACTIVE, table__is_active=True
        )
        .values("slot")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("slot", "n")
    )
    for state in states.values():
        state.free_tables = max(0, tables - busy.get(state.slot.pk, 0))
    return [states[slot.pk] for slot in slots]


def slots_free_for(*, conference, registrations, exclude_meeting=None):
    """
    The future slots in which all of `registrations` are free and a table is
    left: what a recipient may choose from when accepting, and a participant
    when rescheduling.
    """
    return [
        state.slot
        for state in slot_states(
            conference=conference, registrations=registrations, exclude_meeting=exclude_meeting
        )
        if state.is_free and state.free_tables > 0 and not state.is_past
    ]


# Organisers ----------------------------------------------------------------------


@dataclass
class Grid:
    slots: list
    tables: list
    rows: list  # [(slot, [(table, meeting or None)])]
    off_grid: list  # active meetings at tables out of use


def organiser_grid(*, conference):
    """
    Slots × tables with every active meeting and its participants: four
    queries, whatever the size of the conference.
    """
    slots = list(MeetingSlot.objects.filter(conference=conference).order_by("starts_at"))
    tables = list(
        Table.objects.filter(conference=conference)
        .select_related("room")
        .order_by("room__position", "room__name", "label")
    )
    meetings = (
        Meeting.objects.filter(conference=conference, status=Meeting.Status.ACTIVE)
        .only("pk", "slot_id", "table_id", "locked", "conference_id")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                )
                .only(
                    "meeting_id",
                    "registration__user__given_name",
                    "registration__user__family_name",
                    "registration__user__family_name_first",
                    "registration__user__email",
                    "registration__organisation__name",
                )
                .order_by("registration_id"),
            )
        )
    )
    by_cell = {(m.slot_id, m.table_id): m for m in meetings}
    active_tables = [t for t in tables if t.is_active]
    active_ids = {t.pk for t in active_tables}
    rows = [(slot, [(t, by_cell.get((slot.pk, t.pk))) for t in active_tables]) for slot in slots]
    off_grid = [m for (slot_id, table_id), m in by_cell.items() if table_id not in active_ids]
    return Grid(slots=slots, tables=active_tables, rows=rows, off_grid=off_grid)


def delegates_for_booking(*, conference):
    """Approved delegates, for the organisers' meeting form."""
    return (
        Registration.objects.filter(conference=conference, status=Registration.Status.APPROVED)
        .select_related("user", "organisation")
        .order_by("user__family_name", "user__given_name", "pk")
    )


def booking_problems(*, conference, slot, table, registrations, exclude_meeting=None):
    """
    What stands against booking `registrations` at `table` in `slot`, before
    saving: (errors that the service will refuse, warnings the organiser may
    override). Shown on the organisers' create and move forms.
    """
    errors, warnings = [], []
    ids = [r.pk for r in registrations]
    names = {r.pk: r.user.display_name for r in registrations}
    seats = MeetingSeat.objects.filter(registration__in=ids, slot=slot, is_active=True)
    if exclude_meeting is not None:
        seats = seats.exclude(meeting=exclude_meeting)
    for reg_id in seats.values_list("registration_id", flat=True):
        errors.append(_("%(name)s already has a meeting in this slot.") % {"name": names[reg_id]})
    if table is not None:
        clash = Meeting.objects.filter(table=table, slot=slot, status=Meeting.Status.ACTIVE)
        if exclude_meeting is not None:
            clash = clash.exclude(pk=exclude_meeting.pk)
        if clash.exists():
            errors.append(_("Table %(table)s is taken in this slot.") % {"table": table.label})
        if not table.is_active:
            errors.append(_("Table %(table)s is out of use.") % {"table": table.label})
    if exclude_meeting is None:
        cap = conference.b2b_max_meetings_per_delegate
        counts = dict(
            MeetingSeat.objects.filter(registration__in=ids, is_active=True)
            .values("registration")
            .order_by()
            .annotate(n=Count("pk"))
            .values_list("registration", "n")
        )
        for reg_id, n in counts.items():
            if n >= cap:
                errors.append(
                    _("%(name)s has reached the limit of %(cap)s meetings.")
                    % {"name": names[reg_id], "cap": cap}
                )
    org_cap = conference.b2b_max_meetings_per_organisation
    if exclude_meeting is None and org_cap is not None:
        # As the service counts: a meeting between colleagues takes two seats.
        needed = Counter(r.organisation_id for r in registrations if r.organisation_id)
        booked = dict(
            MeetingSeat.objects.filter(
                is_active=True,
                meeting__conference=conference,
                registration__organisation__in=list(needed),
            )
            .values("registration__organisation")
            .order_by()
            .annotate(n=Count("pk"))
            .values_list("registration__organisation", "n")
        )
        organisations = {r.organisation_id: r.organisation for r in registrations}
        for org_id, n in needed.items():
            if booked.get(org_id, 0) + n > org_cap:
                errors.append(
                    _("%(organisation)s has reached its limit of %(cap)s meetings.")
                    % {"organisation": organisations[org_id].name, "cap": org_cap}
                )
    for reg_id, reasons in busy_reasons(conference, slot, ids).items():
        for reason in reasons:
            warnings.append(
                _("%(name)s has %(reason)s.") % {"name": names[reg_id], "reason": reason}
            )
    kinds = [r.organisation.kind if r.organisation_id else None for r in registrations]
    if len(kinds) == 2 and not kind_pair_allowed(conference, kinds[0], kinds[1]):
        warnings.append(_("The kind rules do not open meetings between these organisations."))
    if slot.starts_at <= timezone.now():
        warnings.append(_("This slot has already started."))
    return errors, warnings


def b2b_stats(*, conference):
    """Numbers for the organisers' stats page."""
    requests = dict.fromkeys(MeetingRequest.Status.values, 0)
    requests.update(
        MeetingRequest.objects.filter(conference=conference)
        .values("status")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    slots = list(
        MeetingSlot.objects.filter(conference=conference)
        .annotate(
            meetings_count=Count("meetings", filter=Q(meetings__status=Meeting.Status.ACTIVE))
        )
        .order_by("starts_at")
    )
    tables = Table.objects.filter(conference=conference, is_active=True).count()
    for slot in slots:
        slot.utilisation = round(100 * slot.meetings_count / tables) if tables else 0
    booked = sum(s.meetings_count for s in slots)
    capacity = tables * len(slots)
    delegates = Registration.objects.filter(
        conference=conference, status=Registration.Status.APPROVED
    )
    without = (
        delegates.exclude(
            Exists(MeetingSeat.objects.filter(registration=OuterRef("pk"), is_active=True))
        )
        .select_related("user", "organisation")
        .order_by("user__family_name", "user__given_name")
    )
    return {
        "requests": requests,
        "request_total": sum(requests.values()),
        "slots": slots,
        "max_per_slot": max((s.meetings_count for s in slots), default=0),
        "tables": tables,
        "meetings": booked,
        "capacity": capacity,
        "utilisation": round(100 * booked / capacity) if capacity else 0,
        "delegates": delegates.count(),
        "without_count": without.count(),
        "without": without,
    }


def feedback_report(*, conference):
    """Every feedback of the conference, with its meeting and participants."""
    feedback = (
        MeetingFeedback.objects.filter(meeting__conference=conference)
        .select_related(
            "meeting__slot",
            "meeting__table",
            "registration__user",
            "registration__organisation",
        )
        .prefetch_related(
            Prefetch(
                "meeting__seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ).order_by("registration_id"),
            )
        )
        .order_by("meeting__slot__starts_at", "meeting_id", "registration_id")
    )
    outcomes = dict.fromkeys(MeetingFeedback.Outcome.values, 0)
    outcomes.update(
        MeetingFeedback.objects.filter(meeting__conference=conference)
        .values("outcome")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return feedback, outcomes
