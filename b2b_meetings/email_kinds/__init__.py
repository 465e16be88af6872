"""
The meeting and request emails organisers may reword
(`conference.core.email_templates`), registered from `B2BMeetingsConfig.ready`.
Placeholders read the context the sending code passes: the meeting with its
slot, table, room and the other participants, or the request
(`services/notifications.py`, `services/sweeps.py`); a thread's message
(`services/messages.py`); a person's meetings of a committed schedule
(`scheduler/services/commit.py`); the organisers' proposal to meet
(`matchmaking/proposals.py`).

One module per area, each registering its kinds when imported: `meetings`
(requests and meetings), `messages` (a thread's message), `schedule` (a
committed schedule), `suggested_meetings` (the organisers' proposals).
They are imported in the order the organisers' list shows the kinds
(`conference.core.email_templates.kinds()`: registration order).
"""

# isort: off
from b2b_meetings.email_kinds import meetings  # noqa: F401
from b2b_meetings.email_kinds import messages  # noqa: F401
from b2b_meetings.email_kinds import schedule  # noqa: F401
from b2b_meetings.email_kinds import suggested_meetings  # noqa: F401
# isort: on
