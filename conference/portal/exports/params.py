"""
What an attendee export contains (`ExportParams`, read from the export page's
query string or a preset), its orderings and layouts, and the filter they
make over registrations.
"""

from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils.translation import gettext_lazy

from conference.portal.exports.columns import DEFAULT_COLUMNS

# Orderings: field paths from the registration; a trailing "*" sorts empty values last.
ORDERS = {
    "name": (gettext_lazy("Name"), ["user__family_name", "user__given_name", "pk"]),
    "organisation": (
        gettext_lazy("Organisation"),
        ["organisation__name", "user__family_name", "user__given_name", "pk"],
    ),
    "delegation": (
        gettext_lazy("Delegation (country, then organisation)"),
        ["organisation__country", "organisation__name", "user__family_name", "pk"],
    ),
    "kind": (
        gettext_lazy("Organisation kind"),
        ["organisation__kind", "organisation__name", "user__family_name", "pk"],
    ),
    "checked_in": (gettext_lazy("Arrival time"), ["checked_in_at*", "user__family_name", "pk"]),
    "registered": (gettext_lazy("Registration time"), ["created_at", "pk"]),
}

LAYOUTS = {
    "people": gettext_lazy("One row per person"),
    "signups": gettext_lazy("One row per session sign-up (for session rooms)"),
}


def ordering(order, *, prefix=""):
    """The order_by() arguments of ORDERS[order], from registrations reached through `prefix`."""
    fields = []
    for path in ORDERS[order][1]:
        if path.endswith("*"):
            fields.append(F(prefix + path[:-1]).asc(nulls_last=True))
        else:
            fields.append(prefix + path)
    return fields


@dataclass
class ExportParams:
    """What an attendee export contains: the export page's query string, validated."""

    columns: list = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    status: list = field(default_factory=list)
    kind: list = field(default_factory=list)
    country: list = field(default_factory=list)
    session: int | None = None
    checked_in: str = ""  # "", "yes" or "no"
    vip: str = ""  # "", "yes" or "no"
    order: str = "name"
    layout: str = "people"

    def as_query(self):
        """A dict for a query string or a preset's params: lists stay lists, empties go."""
        query = {
            "columns": ",".join(self.columns),
            "status": self.status,
            "kind": self.kind,
            "country": self.country,
            "session": self.session or "",
            "checked_in": self.checked_in,
            "vip": self.vip,
            "order": self.order,
            "layout": self.layout,
        }
        return {key: value for key, value in query.items() if value not in ("", [], None)}

    def filters(self):
        """The filters alone, for the audit log."""
        query = self.as_query()
        for key in ("columns", "order", "layout"):
            query.pop(key, None)
        return query


def registration_filter(params, *, prefix=""):
    """A Q over registrations (reached through `prefix`) for the export filters."""
    q = Q()
    if params.status:
        q &= Q(**{f"{prefix}status__in": params.status})
    if params.kind:
        q &= Q(**{f"{prefix}organisation__kind__in": params.kind})
    if params.country:
        q &= Q(**{f"{prefix}organisation__country__in": params.country})
    if params.checked_in:
        q &= Q(**{f"{prefix}checked_in_at__isnull": params.checked_in == "no"})
    if params.vip:
        q &= Q(**{f"{prefix}is_vip": params.vip == "yes"})
    return q
