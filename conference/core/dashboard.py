"""
The organisers' dashboard as an extension point. The dashboard page lives in
the composition layer (conference.portal), above every app; an app that has
something to show there registers a widget provider here, in the core, which
every app may import (as pretix's `event_dashboard_widgets` signal):

    from conference.core.dashboard import STAT, Widget, dashboard_widgets

    @dashboard_widgets.register
    def signup_widgets(*, conference):
        return [Widget("sessions_app/dashboard/_signups.html", {"signups": ...}, size=STAT)]

A provider takes the conference and returns a list of widgets, reading what
they show with a fixed number of queries. The page shows the widgets by size,
each size in order of `priority` (lowest first).
"""

from dataclasses import dataclass, field

# Sizes: a number tile (a quarter of the row), a panel (a third), a whole row.
STAT = "stat"
PANEL = "panel"
WIDE = "wide"
SIZES = (STAT, PANEL, WIDE)

STAT_TEMPLATE = "staff/dashboard/_stat.html"


@dataclass(frozen=True)
class Widget:
    """A fragment of the dashboard: `template` rendered with `context` (and the page's own)."""

    template: str
    context: dict = field(default_factory=dict)
    size: str = PANEL
    priority: int = 100


def stat_widget(value, label, *, name, priority=100, url=""):
    """
    A number tile. `name` is what the number is called in the page's context
    too (e.g. "registration_total"), so that it can be read by name; `url`,
    when given, is the list the number counts (the tile links to it).
    """
    return Widget(
        STAT_TEMPLATE,
        {"value": value, "label": label, "url": url, name: value},
        size=STAT,
        priority=priority,
    )


class WidgetRegistry:
    def __init__(self):
        self._providers = []

    def register(self, provider):
        """Add a provider (usable as a decorator); registering it twice adds it once."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def widgets(self, *, conference):
        """{size: [widgets of that size, by priority]} from every provider."""
        found = [
            widget for provider in self._providers for widget in provider(conference=conference)
        ]
        found.sort(key=lambda widget: widget.priority)
        return {size: [widget for widget in found if widget.size == size] for size in SIZES}


dashboard_widgets = WidgetRegistry()
