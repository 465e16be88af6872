"""
Check-in at the door: `services` checks a badge holder in (once, audited),
`selectors` finds people and counts arrivals. Re-exported here, so callers
write `checkin.checkin_record(...)`, `checkin.Outcome.CHECKED_IN`.
"""

from conference.portal.checkin.selectors import checkin_arrivals, checkin_latest, checkin_search
from conference.portal.checkin.services import (
    CHECKIN_ACTIONS,
    CHECKIN_RECORD,
    CHECKIN_REFUSED,
    CheckinResult,
    Outcome,
    checkin_record,
)

__all__ = [
    "CHECKIN_ACTIONS",
    "CHECKIN_RECORD",
    "CHECKIN_REFUSED",
    "CheckinResult",
    "Outcome",
    "checkin_arrivals",
    "checkin_latest",
    "checkin_record",
    "checkin_search",
]
