from django import template

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
