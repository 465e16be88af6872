"""
B2B slots, tables and meetings (scope `meetings:read`, which only organisers
can grant). Closed door, for tokens as for people: who meets whom, where and
when, for the staff systems that seat and admit them, but never what a
meeting is about (its note, the request's agenda, its messages) nor why it
was cancelled.
"""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from b2b_meetings.models import Meeting
from conference.api import selectors
from conference.api.auth import event_for
from conference.api.endpoints.common import (
    OrganisationRefOut,
    answers,
    one_of,
    organisation_ref,
    page_of,
)
from conference.api.pagination import PageQuery, cursor_page
from conference.api.scopes import Scope

router = Router(tags=["meetings"])

MeetingStatus = one_of(Meeting.Status)


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    block_id: int | None = Field(description="The agenda's B2B block (a session) it belongs to.")
    updated_at: datetime


class TableOut(Schema):
    id: int
    label: str
    room_id: int
    room: str
    seats: int
    is_active: bool = Field(description="False: out of use (gets no new meetings).")
    updated_at: datetime

    @staticmethod
    def resolve_room(obj):
        return str(obj.room.name)


class ParticipantOut(Schema):
    registration_id: int
    name: str
    organisation: OrganisationRefOut | None

    @staticmethod
    def resolve_name(obj):
        return obj.registration.user.display_name

    @staticmethod
    def resolve_organisation(obj):
        return organisation_ref(obj.registration)


class MeetingOut(Schema):
    id: int
    status: MeetingStatus = Field(description="active, or cancelled (listed so clients sync it).")
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    table_id: int
    table: str
    room: str
    participants: list[ParticipantOut]
    locked: bool = Field(description="The auto-scheduler never moves a locked meeting.")
    sequence: int = Field(description="iCalendar SEQUENCE: grows with every move and cancellation.")
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None

    @staticmethod
    def resolve_starts_at(obj):
        return obj.slot.starts_at

    @staticmethod
    def resolve_ends_at(obj):
        return obj.slot.ends_at

    @staticmethod
    def resolve_table(obj):
        return obj.table.label

    @staticmethod
    def resolve_room(obj):
        return str(obj.table.room.name)

    @staticmethod
    def resolve_participants(obj):
        return list(obj.seats.all())


class MeetingQuery(PageQuery):
    status: MeetingStatus | None = None
    registration_id: int | None = Field(None, description="Meetings this person sits in.")


@router.get(
    "/events/{slug}/meeting-slots/",
    response=answers(page_of(SlotOut)),
    summary="B2B meeting slots",
    operation_id="meeting_slots_list",
)
def meeting_slots_list(request, slug: str, page: Query[PageQuery]):
    """The times in which B2B meetings run, in (updated_at, id) order."""
    conference = event_for(request, slug, Scope.MEETINGS_READ)
    return cursor_page(request, selectors.slots_of(conference=conference), page)


@router.get(
    "/events/{slug}/meeting-tables/",
    response=answers(page_of(TableOut)),
    summary="B2B meeting tables",
    operation_id="meeting_tables_list",
)
def meeting_tables_list(request, slug: str, page: Query[PageQuery]):
    """The tables B2B meetings are held at, with their rooms, in (updated_at, id) order."""
    conference = event_for(request, slug, Scope.MEETINGS_READ)
    return cursor_page(request, selectors.tables_of(conference=conference), page)


@router.get(
    "/events/{slug}/meetings/",
    response=answers(page_of(MeetingOut)),
    summary="B2B meetings",
    operation_id="meetings_list",
)
def meetings_list(request, slug: str, page: Query[MeetingQuery]):
    """
    Every B2B meeting, cancelled ones included (with their status), in
    (updated_at, id) order: slot times, table, room, and the participants
    (registration ids, names, organisations). A move or a cancellation
    changes `updated_at` and raises `sequence`; a participant's new name or
    organisation shows in the registrations list, not as a change of their
    meetings. Filters: `status`, `registration_id`.
    """
    conference = event_for(request, slug, Scope.MEETINGS_READ)
    meetings = selectors.meetings_of(
        conference=conference,
        status=page.status or "",
        registration_id=page.registration_id,
    )
    return cursor_page(request, meetings, page)
