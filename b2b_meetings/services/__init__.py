"""
Writes of the B2B meetings app, one module per use case:

- `locking`: the row locks every booking, move and answer takes, in one order;
- `booking`: book, move, reschedule, cancel and lock meetings;
- `requests`: send, accept (now or by the scheduler), decline and withdraw
  meeting requests; two people asking each other get one meeting;
- `messages`: the message thread of a request or meeting;
- `notifications`: the meeting and request emails, and the calendar file;
- `sweeps`: the beat's request expiry, reminders and feedback requests;
- `delegates`: a delegate's availability and meeting feedback;
- `setup`: the organisers' settings, slots and tables.

Every service runs in one transaction and takes its locks in the order of
`locking`, so that two of them never deadlock; the partial unique
constraints on seats and tables have the last word, and a booking that loses
a race raises `BookingError` with a message for the user, never a 500.
Emails go through the outbox, written in the transaction that causes them.

Callers import from here (`from b2b_meetings import services`); the modules
share their private helpers among themselves only.
"""

from b2b_meetings.errors import (
    B2BError,
    BookingError,
    MeetingChanged,
    just_taken,
    meeting_just_changed,
)
from b2b_meetings.services.booking import (
    meeting_cancel,
    meeting_create,
    meeting_lock,
    meeting_move,
    meeting_reschedule,
    requests_settle,
)
from b2b_meetings.services.delegates import availability_set, feedback_submit
from b2b_meetings.services.locking import registrations_lock
from b2b_meetings.services.messages import message_post, thread_participants
from b2b_meetings.services.notifications import meeting_ics, person_label
from b2b_meetings.services.requests import (
    MAX_PROPOSED,
    request_accept,
    request_accept_to_schedule,
    request_create,
    request_decline,
    request_recipients,
    request_withdraw,
)
from b2b_meetings.services.setup import (
    B2B_SETTINGS_FIELDS,
    b2b_settings_update,
    slots_delete_unused,
    slots_generate,
    table_set_active,
    tables_create,
)
from b2b_meetings.services.sweeps import (
    FEEDBACK_WINDOW,
    meeting_feedback_requests_queue,
    meeting_reminders_queue,
    requests_expire,
)

__all__ = [
    "B2B_SETTINGS_FIELDS",
    "FEEDBACK_WINDOW",
    "MAX_PROPOSED",
    "B2BError",
    "BookingError",
    "MeetingChanged",
    "availability_set",
    "b2b_settings_update",
    "feedback_submit",
    "just_taken",
    "meeting_cancel",
    "meeting_create",
    "meeting_feedback_requests_queue",
    "meeting_ics",
    "meeting_just_changed",
    "meeting_lock",
    "meeting_move",
    "meeting_reminders_queue",
    "meeting_reschedule",
    "message_post",
    "person_label",
    "registrations_lock",
    "request_accept",
    "request_accept_to_schedule",
    "request_create",
    "request_decline",
    "request_recipients",
    "request_withdraw",
    "requests_expire",
    "requests_settle",
    "slots_delete_unused",
    "slots_generate",
    "table_set_active",
    "tables_create",
    "thread_participants",
]
