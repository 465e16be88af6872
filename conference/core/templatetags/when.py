"""
Times in templates, one way everywhere. A conference view runs with the zone
it shows activated (the conference's, or the viewer's own on the agenda and
their schedule); these tags write times in that zone, marked up as <time>,
and name the zone with the same label on every page and email.

    {% load when %}
    {% when session.starts_at "l j F, H:i" %}      <time datetime="…">Monday 6 April, 10:00</time>
    {% when_range session.starts_at session.ends_at %}   10:00–11:00, each a <time>
    {% zone_label %}                               Asia/Kolkata (IST, UTC+05:30)
    {% range_in start end other_tz as other %}     the range in another zone, or ""
"""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext

from conference.core.timezones import time_zone_label, time_zone_or_none

register = template.Library()


def _zone(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return time_zone_or_none(value)
    return value


@register.simple_tag
def when(value, fmt=None):
    """`value` in the active zone as <time datetime="ISO 8601 with offset">."""
    if not value:
        return ""
    local = timezone.localtime(value)
    # A date format is a translated string: Japanese writes 11月30日 09:00.
    fmt = fmt or gettext("j M Y, H:i")
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), date_format(local, fmt))


@register.simple_tag
def when_range(start, end, fmt="H:i"):
    """'10:00–11:00' in the active zone, each end a <time>."""
    return format_html("{}–{}", when(start, fmt), when(end, "H:i"))


@register.simple_tag(takes_context=True)
def zone_label(context, tz=None):
    """The label of `tz` (a name or a zone; default the active one) during the conference."""
    tz = _zone(tz) or timezone.get_current_timezone()
    return time_zone_label(tz, conference=context.get("conference"))


@register.simple_tag
def range_in(start, end, tz):
    """
    The range start–end in the zone `tz`, as plain text ('15:30–16:30
    (Australia/Sydney, AEDT)'), with the day when it falls on another date
    than in the active zone; "" when `tz` is empty or the active zone.
    """
    tz = _zone(tz)
    if tz is None or not start or not end:
        return ""
    active = timezone.get_current_timezone()
    if getattr(active, "key", None) == tz.key:
        return ""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    fmt = "H:i"
    if local_start.date() != timezone.localtime(start).date():
        fmt = gettext("D j M, H:i")
    return "{}–{} ({}, {})".format(
        date_format(local_start, fmt),
        date_format(local_end, "H:i"),
        tz.key,
        local_start.tzname(),
    )
