"""Filters of the agenda's templates; the labels are `sessions_app.labels`, shared with feeds."""

from datetime import datetime

from django import template

from sessions_app import labels

register = template.Library()


register.filter("kind_label", labels.kind_label)
register.filter("speaker_role_label", labels.speaker_role_label)
register.filter("change_label", labels.change_label)


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
