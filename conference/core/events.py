"""
Domain events: the extension point through which the apps announce what
happened (a registration approved, a meeting booked, the agenda published)
to whatever listens above them, without importing it.

`event_publish` is called by a service inside the transaction that makes the
change, so a receiver that writes rows (the webhook outbox,
conference/api/webhooks/) writes them in that same transaction: the event is
recorded if and only if the change commits. Payloads carry ids, states and
times for staff systems, never free text such as messages.
"""

from dataclasses import dataclass, field

from django.dispatch import Signal
from django.utils import timezone

# The events, by name (their payloads: README, "API").
REGISTRATION_CREATED = "registration.created"
REGISTRATION_APPROVED = "registration.approved"
INVITATION_ACCEPTED = "invitation.accepted"
MEETING_BOOKED = "meeting.booked"
MEETING_RESCHEDULED = "meeting.rescheduled"
MEETING_CANCELLED = "meeting.cancelled"
CHECKIN_CREATED = "checkin.created"
SCHEDULE_PUBLISHED = "schedule.published"

EVENT_TYPES = (
    REGISTRATION_CREATED,
    REGISTRATION_APPROVED,
    INVITATION_ACCEPTED,
    MEETING_BOOKED,
    MEETING_RESCHEDULED,
    MEETING_CANCELLED,
    CHECKIN_CREATED,
    SCHEDULE_PUBLISHED,
)

# Sent with `conference` and `events` (a list of Event); receivers run in the
# caller's transaction.
events_published = Signal()


@dataclass(frozen=True)
class Event:
    type: str
    # "registration:12": deliveries of one resource keep their order.
    resource: str
    data: dict
    occurred_at: object = field(default_factory=timezone.now)


def event_publish(*, conference, type, resource, data):
    """Announce one event of `conference` (in the caller's transaction)."""
    events_publish(conference=conference, events=[Event(type, resource, data)])


def events_publish(*, conference, events):
    """Announce several events at once (one write per receiver, not one per event)."""
    if events:
        events_published.send(sender=None, conference=conference, events=list(events))
