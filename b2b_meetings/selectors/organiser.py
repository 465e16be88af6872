"""
The organisers' B2B pages: the grid, the booking form's choices and its
warnings, setup, stats and feedback.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
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
)
from b2b_meetings.rules import busy_reasons, kind_pair_allowed
from sessions_app.models import Session


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


def booking_places(*, conference):
    """(slots, tables in use) of `conference`: the choices of the organisers' booking forms."""
    slots = MeetingSlot.objects.filter(conference=conference).order_by("starts_at")
    tables = (
        Table.objects.filter(conference=conference, is_active=True)
        .select_related("room")
        .order_by("room__position", "room__name", "label")
    )
    return slots, tables


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


# The stats page lists this many of the delegates without a meeting.
WITHOUT_SHOWN = 200


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
        "without_list": list(without[:WITHOUT_SHOWN]),
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


@dataclass
class Setup:
    slots: list  # every slot, with the agenda block it was cut from
    blocks: QuerySet  # the agenda's B2B blocks
    tables: QuerySet  # every table, in use or not


def b2b_setup(*, conference):
    """What the organisers' setup page shows: slots, the agenda's B2B blocks, tables."""
    slots = list(
        MeetingSlot.objects.filter(conference=conference)
        .select_related("block")
        .order_by("starts_at")
    )
    blocks = Session.objects.filter(
        conference=conference, kind=Session.Kind.B2B_BLOCK, is_cancelled=False
    ).order_by("starts_at")
    tables = Table.objects.filter(conference=conference).select_related("room")
    return Setup(slots=slots, blocks=blocks, tables=tables)


def table_for_conference(*, conference, table_id):
    """The table `table_id` of `conference`, or None."""
    return Table.objects.filter(conference=conference, pk=table_id).first()
