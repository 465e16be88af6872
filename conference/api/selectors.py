"""
The API's reads, each scoped to the token's conference: querysets that the
endpoints page through with `cursor_page`, each a fixed number of queries
whatever its size (related rows joined or prefetched, `.only()` the columns
the schemas read).

The published agenda is the one the public pages and feeds show (the last
`ScheduleRelease`, read through sessions_app's selectors), never the
organisers' working copy.
"""

import json
from collections import OrderedDict
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef, Prefetch
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import translation

from accounts.models import Invitation, Registration
from b2b_meetings.models import Meeting, MeetingSeat, MeetingSlot, Table
from conference.core.calendar import ics_uid
from conference.core.models import Organisation, Room
from sessions_app import selectors as agenda
from sessions_app.models import ScheduleRelease, Track

# The API's sessions are a pure function of (release, time zone, slug): kept
# this long under a key naming them, so a publish is seen at once.
SESSIONS_CACHE_SECONDS = 24 * 3600
# ... and each web process keeps the last few it served, so that a request
# costs the release's head query and no cache round trip.
_sessions_served = OrderedDict()
SESSIONS_SERVED_KEPT = 32


# Agenda ------------------------------------------------------------------------------


def rooms_for(*, conference):
    return Room.objects.filter(conference=conference)


def tracks_for(*, conference):
    return Track.objects.filter(conference=conference)


def releases_for(*, conference):
    """The releases of the agenda, without their snapshots (the sessions list serves those)."""
    return ScheduleRelease.objects.filter(conference=conference).only(
        "id", "number", "published_at", "changes"
    )


def agenda_sessions(*, conference):
    """
    The sessions of the last release (those taken off the agenda included, as
    agenda.json has them, with status "removed"), in (updated_at, id) order,
    as dicts of `SessionOut`'s fields, times in the conference's zone, and
    under "json" the same row encoded as the API serves it. A session's
    `updated_at` is when the release that last changed it was published.
    One query for the release's head; the rest comes from this process or
    the cache (two more queries when both are cold).
    """
    head = agenda.release_head(conference=conference)
    if head is None:
        return []
    key = agenda.agenda_cache_key(
        conference=conference,
        release=head,
        language=translation.get_language() or "",
        tz=conference.tz,
        part=f"api-sessions:{conference.slug}",
    )
    items = _sessions_served.get(key)
    if items is None:
        items = cache.get(key)
        if items is None:
            items = _session_items(conference, head)
            cache.set(key, items, SESSIONS_CACHE_SECONDS)
        _sessions_served[key] = items
        while len(_sessions_served) > SESSIONS_SERVED_KEPT:
            _sessions_served.popitem(last=False)
    return items


def _session_items(conference, head):
    changed_in = {}
    releases = (
        ScheduleRelease.objects.filter(conference_id=conference.pk, number__lte=head.number)
        .order_by("number")
        .values_list("published_at", "changes")
    )
    for published_at, changes in releases:
        for change in changes:
            changed_in[change["session"]] = published_at
    tz = conference.tz
    items = []
    for item in agenda.agenda_items(release=head, include_removed=True):
        local = agenda.session_localise(item, tz)
        if item.get("removed"):
            status = "removed"
        elif item["cancelled"]:
            status = "cancelled"
        else:
            status = "confirmed"
        path = reverse("sessions_app:session", args=[conference.slug, item["id"]])
        items.append(
            {
                "id": item["id"],
                "uid": ics_uid("session", item["id"]),
                "title": item["title"],
                "description": item["description"],
                "kind": item["kind"],
                "starts_at": local["starts_at"],
                "ends_at": local["ends_at"],
                "room_id": item.get("room_id"),
                "room": item["room"] or None,
                "track_id": item.get("track_id"),
                "track": item["track"] or None,
                "capacity": item["capacity"],
                "signup_required": item["signup_required"],
                "status": status,
                "sequence": item.get("sequence", 0),
                "url": settings.SITE_ROOT + path,
                "speakers": [
                    {
                        "name": speaker["name"],
                        "title": speaker.get("title", ""),
                        "bio": speaker.get("bio", ""),
                        "role": speaker["role"],
                    }
                    for speaker in item.get("speakers", [])
                ],
                # Never later than the head: a session no change names gets the head's time.
                "updated_at": changed_in.get(item["id"], head.published_at),
            }
        )
    items.sort(key=lambda item: (item["updated_at"], item["id"]))
    for item in items:
        item["json"] = json.dumps(item, default=datetime.isoformat)
    return items


# Organisations, registrations, check-ins -----------------------------------------------


def organisations_at(*, conference, kind=""):
    """
    Organisations with at least one registration here. Their `changed_at` is
    the later of their own change and their newest registration's, so a
    client syncing with `updated_since` sees an organisation that comes to
    the conference, not only one that was edited.
    """
    organisations = (
        Organisation.objects.filter(registrations__conference=conference)
        .annotate(changed_at=Greatest("updated_at", Max("registrations__updated_at")))
        .only("id", "name", "kind", "country", "website", "confirmed")
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations


REGISTRATION_COLUMNS = (
    "id",
    "organisation_id",
    "status",
    "job_title",
    "nationality",
    "is_vip",
    "badge_code",
    "checked_in_at",
    "created_at",
    "updated_at",
    "user__email",
    "user__given_name",
    "user__family_name",
    "user__family_name_first",
    "organisation__name",
    "organisation__kind",
)
ID_DATA_COLUMNS = (
    "id_document_type",
    "id_document_number",
    "id_document_expiry",
    "id_data_erased_at",
)


def registrations_of(
    *,
    conference,
    statuses=None,
    organisation_kind="",
    organisation_id=None,
    with_id_data=False,
):
    """
    Registrations of `conference` with their person and organisation, as
    dicts of REGISTRATION_COLUMNS (one query; no model is built for a row of
    a list that may be thousands long), of `statuses` if given; the ID
    document columns are read only `with_id_data`.
    """
    registrations = Registration.objects.filter(conference=conference)
    if statuses is not None:
        registrations = registrations.filter(status__in=statuses)
    if organisation_kind:
        registrations = registrations.filter(organisation__kind=organisation_kind)
    if organisation_id is not None:
        registrations = registrations.filter(organisation_id=organisation_id)
    columns = REGISTRATION_COLUMNS + (ID_DATA_COLUMNS if with_id_data else ())
    return registrations.values(*columns)


def arrivals_of(*, conference):
    """The registrations of `conference` that have been checked in."""
    return registrations_of(conference=conference).filter(checked_in_at__isnull=False)


# Invitations ------------------------------------------------------------------------------


def invitations_of(*, conference, status="", email=""):
    invitations = Invitation.objects.filter(conference=conference).select_related("organisation")
    if status:
        invitations = invitations.filter(status=status)
    if email:
        invitations = invitations.filter(email__iexact=email.strip())
    return invitations


def invitation_of(*, conference, invitation_id):
    """An invitation of `conference`, or None (another conference's is not found)."""
    return Invitation.objects.filter(conference=conference, pk=invitation_id).first()


# B2B meetings -----------------------------------------------------------------------------


def slots_of(*, conference):
    return MeetingSlot.objects.filter(conference=conference)


def tables_of(*, conference):
    return Table.objects.filter(conference=conference).select_related("room")


def meetings_of(*, conference, status="", registration_id=None):
    """
    Meetings of `conference`, cancelled ones included, with slot, table, room
    and participants (two queries). Closed door: the columns read leave out
    the meeting's note and cancel reason; messages are never read.
    """
    meetings = Meeting.objects.filter(conference=conference)
    if status:
        meetings = meetings.filter(status=status)
    if registration_id is not None:
        meetings = meetings.filter(
            Exists(
                MeetingSeat.objects.filter(meeting=OuterRef("pk"), registration_id=registration_id)
            )
        )
    seats = (
        MeetingSeat.objects.select_related("registration__user", "registration__organisation")
        .only(
            "meeting_id",
            "registration_id",
            "is_active",
            "registration__user__email",
            "registration__user__given_name",
            "registration__user__family_name",
            "registration__user__family_name_first",
            "registration__organisation__name",
            "registration__organisation__kind",
        )
        .order_by("registration_id")
    )
    return (
        meetings.select_related("slot", "table__room")
        .only(
            "id",
            "status",
            "locked",
            "sequence",
            "created_at",
            "updated_at",
            "cancelled_at",
            "slot__starts_at",
            "slot__ends_at",
            "table__label",
            "table__room__name",
        )
        .prefetch_related(Prefetch("seats", queryset=seats))
    )
