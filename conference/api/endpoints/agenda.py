"""
The agenda (scope `agenda:read`): rooms, tracks, the published sessions with
their speakers, and the releases of the agenda with their change logs.
"""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from conference.api import selectors
from conference.api.auth import event_for
from conference.api.endpoints.common import answers, page_of, page_response
from conference.api.pagination import PageQuery, cursor_page, cursor_page_items
from conference.api.scopes import Scope
from conference.core.content import content_text

router = Router(tags=["agenda"])


class RoomOut(Schema):
    id: int
    name: str
    capacity: int | None
    location: str
    position: int
    updated_at: datetime

    @staticmethod
    def resolve_name(obj):
        return content_text(obj.name)


class TrackOut(Schema):
    id: int
    name: str
    description: str
    colour: str
    position: int
    updated_at: datetime

    @staticmethod
    def resolve_name(obj):
        return content_text(obj.name)

    @staticmethod
    def resolve_description(obj):
        return content_text(obj.description)


class SpeakerOut(Schema):
    name: str
    title: str = Field(description="Title and affiliation.")
    bio: str
    role: str = Field(description="chair, speaker or moderator")


class SessionOut(Schema):
    id: int
    uid: str = Field(description="The session's iCalendar UID (stable across releases).")
    title: str
    description: str
    kind: str = Field(
        description="plenary, panel, workshop, closed_door, b2b_block or break",
    )
    starts_at: datetime = Field(description="In the conference's time zone, with its offset.")
    ends_at: datetime
    room_id: int | None
    room: str | None
    track_id: int | None
    track: str | None
    capacity: int | None
    signup_required: bool
    status: str = Field(
        description=(
            "confirmed, cancelled, or removed (taken off the agenda since an earlier release)"
        )
    )
    sequence: int = Field(description="iCalendar SEQUENCE: grows with every published change.")
    url: str
    speakers: list[SpeakerOut]
    updated_at: datetime = Field(
        description="When the release that last changed this session was published."
    )


class ReleaseChangeTimes(Schema):
    starts_at: datetime
    ends_at: datetime
    room: str
    title: str

    @staticmethod
    def resolve_room(obj):
        return content_text(obj["room"])

    @staticmethod
    def resolve_title(obj):
        return content_text(obj["title"])


class ReleaseChangeOut(Schema):
    session: int
    title: str
    change: str = Field(
        description="new, cancelled, removed, reinstated, moved, room, renamed or updated"
    )
    before: ReleaseChangeTimes | None = None
    after: ReleaseChangeTimes | None = None

    @staticmethod
    def resolve_title(obj):
        return content_text(obj["title"])


class ReleaseOut(Schema):
    id: int
    number: int
    published_at: datetime
    changes: list[ReleaseChangeOut]


class AgendaQuery(PageQuery):
    status: str | None = Field(None, description="confirmed, cancelled or removed")
    kind: str | None = None
    track_id: int | None = None


@router.get(
    "/events/{slug}/rooms/",
    response=answers(page_of(RoomOut)),
    summary="Rooms",
    operation_id="rooms_list",
)
def rooms_list(request, slug: str, page: Query[PageQuery]):
    """The conference's rooms, in (updated_at, id) order."""
    conference = event_for(request, slug, Scope.AGENDA_READ)
    return cursor_page(request, selectors.rooms_for(conference=conference), page)


@router.get(
    "/events/{slug}/tracks/",
    response=answers(page_of(TrackOut)),
    summary="Tracks",
    operation_id="tracks_list",
)
def tracks_list(request, slug: str, page: Query[PageQuery]):
    """The conference's tracks, in (updated_at, id) order."""
    conference = event_for(request, slug, Scope.AGENDA_READ)
    return cursor_page(request, selectors.tracks_for(conference=conference), page)


@router.get(
    "/events/{slug}/sessions/",
    response=answers(page_of(SessionOut)),
    summary="Sessions (the published agenda)",
    operation_id="sessions_list",
)
def sessions_list(request, slug: str, page: Query[AgendaQuery]):
    """
    The published agenda, as the public agenda and `agenda.json` show it: the
    sessions of the last release, never the organisers' unpublished edits.
    Sessions taken off the agenda since an earlier release stay listed with
    status `removed` (and cancelled ones with `cancelled`), so a client that
    syncs learns of them.

    A session's `updated_at` is the publication time of the release that
    last changed it; `updated_since` returns the sessions changed by releases
    published after that time, and the cursor pages in (updated_at, id)
    order. Filters: `status`, `kind`, `track_id`.
    """
    conference = event_for(request, slug, Scope.AGENDA_READ)
    items = selectors.agenda_sessions(conference=conference)
    if page.status or page.kind or page.track_id:
        items = [
            item
            for item in items
            if (not page.status or item["status"] == page.status)
            and (not page.kind or item["kind"] == page.kind)
            and (not page.track_id or item["track_id"] == page.track_id)
        ]
    # Each row is encoded once per release (selectors.agenda_sessions).
    page = cursor_page_items(request, items, page)
    return page_response(request, page, encoded=lambda item: item["json"])


@router.get(
    "/events/{slug}/releases/",
    response=answers(page_of(ReleaseOut)),
    summary="Releases of the agenda",
    operation_id="releases_list",
)
def releases_list(request, slug: str, page: Query[PageQuery]):
    """
    Every published release of the agenda, oldest first, with the changes it
    made (times in UTC). A release never changes once published:
    `updated_since` returns the releases published after that time.
    """
    conference = event_for(request, slug, Scope.AGENDA_READ)
    return cursor_page(
        request,
        selectors.releases_for(conference=conference),
        page,
        order=("published_at", "id"),
    )
