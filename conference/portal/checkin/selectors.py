"""Reads of the check-in desk: find a registration, arrivals by kind, the latest arrivals."""

from django.db.models import Count, Q

from accounts.models import Registration
from conference.core.models import OrganisationKind
from conference.portal.badges import normalise_badge_code


def checkin_search(*, conference, query, limit=20):
    """
    Registrations of `conference` for the check-in desk: every word of `query`
    in the given name, family name or organisation name, or `query` being a
    badge code. Any status, so the desk can say "not approved". One query.
    """
    words = query.split()[:5]
    if not words:
        return []
    match = Q()
    for word in words:
        match &= (
            Q(user__given_name__icontains=word)
            | Q(user__family_name__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    match |= Q(badge_code=normalise_badge_code(query))
    return list(
        Registration.objects.filter(match, conference=conference)
        .select_related("user", "organisation")
        .order_by("user__family_name", "user__given_name", "pk")[:limit]
    )


def checkin_arrivals(*, conference):
    """
    Arrivals by organisation kind: a list of {"kind", "label", "arrived",
    "expected"} (expected = approved) in the kinds' order, and the totals.
    One query.
    """
    approved = Q(status=Registration.Status.APPROVED)
    arrived = Q(checked_in_at__isnull=False)
    rows = (
        Registration.objects.filter(approved | arrived, conference=conference)
        .values("organisation__kind")
        .annotate(expected=Count("pk", filter=approved), arrived=Count("pk", filter=arrived))
        .order_by()
    )
    counts = {row["organisation__kind"]: row for row in rows}
    kinds = [*OrganisationKind.choices, (None, "—")]
    by_kind = [
        {
            "kind": kind or "none",
            "label": label,
            "arrived": counts[kind]["arrived"],
            "expected": counts[kind]["expected"],
        }
        for kind, label in kinds
        if kind in counts
    ]
    totals = {
        "arrived": sum(row["arrived"] for row in by_kind),
        "expected": sum(row["expected"] for row in by_kind),
    }
    return by_kind, totals


def checkin_latest(*, conference, limit=6):
    """The last people checked in, newest first."""
    return list(
        Registration.objects.filter(conference=conference, checked_in_at__isnull=False)
        .select_related("user", "organisation")
        .order_by("-checked_in_at", "-pk")[:limit]
    )
