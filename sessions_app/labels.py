"""
Translated names of the agenda's codes as release snapshots store them
(session kinds, speaker roles, kinds of change), for pages, feeds and emails.
The template filters of `sessions_app.templatetags.agenda` are these.
"""

from django.utils.translation import gettext_lazy as _

from sessions_app.models import Session, SessionSpeaker


def kind_label(kind):
    """The translated label of a session kind code from a release snapshot."""
    try:
        return Session.Kind(kind).label
    except ValueError:
        return kind


def speaker_role_label(role):
    try:
        return SessionSpeaker.Role(role).label
    except ValueError:
        return role


CHANGE_LABELS = {
    "new": _("New"),
    "cancelled": _("Cancelled"),
    "removed": _("Taken off the agenda"),
    "reinstated": _("Back on the agenda"),
    "moved": _("Moved"),
    "room": _("New room"),
    "renamed": _("Renamed"),
    "updated": _("Details updated"),
}


def change_label(code):
    """The translated name of a change-log entry's kind."""
    return CHANGE_LABELS.get(code, code)
