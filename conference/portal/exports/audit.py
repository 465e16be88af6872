"""
The audit entry of every export and gate-list download: who, when, the
format, the filters and the number of rows. The dashboard and the gate-list
page read these entries back by their action.
"""

from django.db import transaction
from django.utils.translation import gettext_noop

from conference.core.services import audit_message, audit_record

EXPORT_ATTENDEES = "export.attendees"
EXPORT_BADGES = "export.badges"
EXPORT_MEETINGS = "export.meetings"
GATELIST_DOWNLOAD = "gatelist.download"

_WHAT = {
    EXPORT_ATTENDEES: gettext_noop("Attendee list (%(format)s), %(rows)s rows"),
    EXPORT_BADGES: gettext_noop("Badges (%(format)s), %(rows)s rows"),
    EXPORT_MEETINGS: gettext_noop("Meeting schedule (%(format)s), %(rows)s rows"),
    GATELIST_DOWNLOAD: gettext_noop("Gate list (%(format)s), %(rows)s rows"),
}


def export_record(*, conference, actor, action, fmt, rows, filters=None, extra=None):
    """
    Write the audit entry of one export or gate-list download: who, when (the
    entry's time), the format, the filters and the number of rows. Called
    before the first byte is sent, so an interrupted download is on record too.
    """
    data = {"format": fmt, "rows": rows, "filters": filters or {}, **(extra or {})}
    with transaction.atomic():
        return audit_record(
            actor=actor,
            conference=conference,
            action=action,
            summary=audit_message(
                _WHAT.get(action, action + " (%(format)s), %(rows)s rows"),
                format=fmt.upper(),
                rows=rows,
            ),
            data=data,
        )
