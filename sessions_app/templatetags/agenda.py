from datetime import datetime

from django import template
from django.utils.translation import gettext_lazy as _

from sessions_app.models import Session, SessionSpeaker

register = template.Library()


@register.filter
def kind_label(kind):
    """The translated label of a session kind code from a release snapshot."""
    try:
        return Session.Kind(kind).label
    except ValueError:
        return kind


@register.filter
def speaker_role_label(role):
    try:
        return SessionSpeaker.Role(role).label
    except ValueError:
        return role


@register.filter
def kind_icon(kind):
    return {
        "plenary": "bi-easel2",
        "panel": "bi-people",
        "workshop": "bi-tools",
        "closed_door": "bi-lock",
        "b2b_block": "bi-briefcase",
        "break": "bi-cup-hot",
    }.get(kind, "bi-calendar-event")


@register.filter
def change_label(code):
    """The translated name of a change-log entry's kind."""
    return {
        "new": _("New"),
        "cancelled": _("Cancelled"),
        "removed": _("Taken off the agenda"),
        "reinstated": _("Back on the agenda"),
        "moved": _("Moved"),
        "room": _("New room"),
        "renamed": _("Renamed"),
        "updated": _("Details updated"),
    }.get(code, code)


@register.filter
def iso_local(value):
    """A stored ISO time string as an aware datetime (filters then localise it)."""
    if not value:
        return None
    return datetime.fromisoformat(value)


@register.filter
def catalogue_value(obj, column):
    value = getattr(obj, column, "")
    if column == "registration":
        return value.user.display_name if value else ""
    return "" if value is None else value
