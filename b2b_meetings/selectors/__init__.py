"""
Reads of the B2B meetings app, always scoped to who asks, one module per
page family:

- `directory`: organisations and delegates listed in the directory (its
  search, facets and order in `directory_search`);
- `requests`: a delegate's sent and received meeting requests;
- `meetings`: meetings, for their participants and the organisers;
- `availability`: slots as a group of people sees them;
- `organiser`: the grid, the booking form, setup, stats and feedback;
- `messages`: the message thread of a request or meeting.

Closed door: a meeting is read through `meeting_for_access` (participants
and organisers only); the directory and its organisation pages read
registrations that consented to be listed and never their meetings. Each
page's reads are a fixed number of queries, whatever the data (pinned by
tests/b2b_meetings/test_query_counts.py). Selectors never import services.
"""

from b2b_meetings.selectors.availability import (
    SlotState,
    slot_for_conference,
    slot_states,
    slots_free_for,
)
from b2b_meetings.selectors.directory import (
    can_request,
    directory_delegate,
    directory_delegates,
    directory_organisation,
    pending_request_targets,
)
from b2b_meetings.selectors.meetings import (
    meeting_feedback_visible,
    meeting_for_access,
    meeting_list_for_registration,
)
from b2b_meetings.selectors.messages import thread_for_meeting, thread_for_request
from b2b_meetings.selectors.organiser import (
    Grid,
    Setup,
    b2b_setup,
    b2b_stats,
    booking_places,
    booking_problems,
    delegates_for_booking,
    feedback_report,
    organiser_grid,
    table_for_conference,
)
from b2b_meetings.selectors.requests import (
    meeting_for_request,
    request_for_access,
    request_for_registration,
    request_list_incoming,
    request_list_outgoing,
)

__all__ = [
    "Grid",
    "Setup",
    "SlotState",
    "b2b_setup",
    "b2b_stats",
    "booking_places",
    "booking_problems",
    "can_request",
    "delegates_for_booking",
    "directory_delegate",
    "directory_delegates",
    "directory_organisation",
    "feedback_report",
    "meeting_feedback_visible",
    "meeting_for_access",
    "meeting_for_request",
    "meeting_list_for_registration",
    "organiser_grid",
    "pending_request_targets",
    "request_for_access",
    "request_for_registration",
    "request_list_incoming",
    "request_list_outgoing",
    "slot_for_conference",
    "slot_states",
    "slots_free_for",
    "table_for_conference",
    "thread_for_meeting",
    "thread_for_request",
]
