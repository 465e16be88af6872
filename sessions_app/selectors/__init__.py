"""
Reads of the agenda, always scoped to one conference or one registration,
one module per use case; every name is re-exported here, so callers write
`selectors.agenda_days(...)` whichever module holds it.

The public agenda, its feeds and a delegate's schedule read the last
`ScheduleRelease` snapshot, never the organisers' working copy. Pages that
everyone sees the same way are cached per (release, language, time zone):
a publish makes a new release number and so new cache keys; nothing has to
be invalidated.
"""

from sessions_app.selectors.agenda import (
    AgendaFilters,
    agenda_cache_key,
    agenda_days,
    agenda_items,
    agenda_tracks,
    release_session,
    session_localise,
)
from sessions_app.selectors.catalogue import CATALOGUE_MODELS, catalogue_get, catalogue_list
from sessions_app.selectors.my_schedule import (
    my_schedule_days,
    my_schedule_entries,
    registration_by_calendar_token,
)
from sessions_app.selectors.public_grid import (
    NowAndNext,
    PublicGridCell,
    grid_day,
    now_and_next,
    public_grid,
)
from sessions_app.selectors.releases import (
    ReleaseHead,
    release_head,
    release_latest,
    release_list,
    release_snapshot,
)
from sessions_app.selectors.signups import (
    SIGNUP_KINDS,
    session_seats_left,
    signup_clashes,
    signup_get_for_registration,
    signup_live_for,
    signups_live_for_registration,
    waitlist_position,
)
from sessions_app.selectors.snapshots import (
    NOTIFIED_CHANGES,
    agenda_pending_changes,
    release_diff,
    snapshot_item,
    working_snapshot,
)
from sessions_app.selectors.speakers import (
    speaker_organisation,
    speaker_photo_url,
    speaker_published,
    speaker_with_public_photo,
    speakers_published,
)
from sessions_app.selectors.translations import sessions_untranslated
from sessions_app.selectors.working_copy import (
    GRID_STEP_MINUTES,
    GridDay,
    agenda_conflicts,
    agenda_grid_days,
    conflicting_session_ids,
    session_for_organiser,
    working_sessions,
)

__all__ = [
    "CATALOGUE_MODELS",
    "GRID_STEP_MINUTES",
    "NOTIFIED_CHANGES",
    "SIGNUP_KINDS",
    "AgendaFilters",
    "GridDay",
    "NowAndNext",
    "PublicGridCell",
    "ReleaseHead",
    "agenda_cache_key",
    "agenda_conflicts",
    "agenda_days",
    "agenda_grid_days",
    "agenda_items",
    "agenda_pending_changes",
    "agenda_tracks",
    "catalogue_get",
    "catalogue_list",
    "conflicting_session_ids",
    "grid_day",
    "my_schedule_days",
    "my_schedule_entries",
    "now_and_next",
    "public_grid",
    "registration_by_calendar_token",
    "release_diff",
    "release_head",
    "release_latest",
    "release_list",
    "release_session",
    "release_snapshot",
    "session_for_organiser",
    "session_localise",
    "session_seats_left",
    "sessions_untranslated",
    "signup_clashes",
    "signup_get_for_registration",
    "signup_live_for",
    "signups_live_for_registration",
    "snapshot_item",
    "speaker_organisation",
    "speaker_photo_url",
    "speaker_published",
    "speaker_with_public_photo",
    "speakers_published",
    "waitlist_position",
    "working_sessions",
    "working_snapshot",
]
