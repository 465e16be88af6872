"""
Writes of the agenda, one module per use case: building it, publishing it,
signing up, reminding, and a delegate's own settings. Every name is
re-exported here, so callers write `services.session_signup(...)`.

Each service is one transaction. Emails go through the outbox
(`conference.core.services.email_queue`) inside that transaction, with a dedup key,
so a retry or a second sweep never sends a message twice.
"""

from sessions_app.errors import AgendaError, CapacityError, SignupError
from sessions_app.services.conference_texts import conference_texts_save
from sessions_app.services.my_schedule import calendar_token_reset, viewer_time_zone_save
from sessions_app.services.publishing import schedule_publish
from sessions_app.services.reminders import session_reminders_send
from sessions_app.services.signups import session_signup, session_signup_cancel
from sessions_app.services.speakers import speaker_save
from sessions_app.services.working_copy import (
    catalogue_delete,
    catalogue_save,
    session_delete,
    session_duplicate,
    session_move,
    session_save,
)

__all__ = [
    "AgendaError",
    "CapacityError",
    "SignupError",
    "calendar_token_reset",
    "catalogue_delete",
    "catalogue_save",
    "conference_texts_save",
    "schedule_publish",
    "session_delete",
    "session_duplicate",
    "session_move",
    "session_reminders_send",
    "session_save",
    "session_signup",
    "session_signup_cancel",
    "speaker_save",
    "viewer_time_zone_save",
]
