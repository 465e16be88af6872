"""Reads of broadcasts: the list with its statistics, one broadcast, the audience's preview."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from b2b_meetings.models import Topic
from conference.core.models import OutgoingEmail
from conference.portal.broadcasts.audience import audience_registrations
from conference.portal.broadcasts.models import Broadcast
from conference.portal.exports import country_choices, session_choices

# Recipients listed under the count, before sending.
PREVIEW_RECIPIENTS = 10
BROADCASTS_PER_PAGE = 100


@dataclass
class Stats:
    """What became of a broadcast's emails, from its outbox rows."""

    total: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0  # failed because the server refused the recipient (5xx)
    pending: int = 0

    @property
    def delivered(self):
        """Rows that are done with, one way or another: the progress bar's value."""
        return self.sent + self.failed


def audience_choices(*, conference):
    """Countries, sessions and topics to filter an audience by; three queries."""
    topics = [(t.pk, t.label) for t in Topic.objects.filter(conference=conference)]
    return (
        country_choices(conference=conference),
        session_choices(conference=conference),
        topics,
    )


def audience_preview(*, conference, audience):
    """(how many, the first PREVIEW_RECIPIENTS) registrations of `audience`; two queries."""
    registrations = audience_registrations(conference=conference, audience=audience)
    first = list(
        registrations.select_related("user", "organisation").order_by(
            "user__family_name", "user__given_name", "pk"
        )[:PREVIEW_RECIPIENTS]
    )
    count = len(first) if len(first) < PREVIEW_RECIPIENTS else registrations.count()
    return count, first


def broadcast_stats(broadcasts):
    """{broadcast id: Stats} from the outbox, in one query for any number of broadcasts."""
    batches = {b.batch: b.pk for b in broadcasts}
    stats = {pk: Stats() for pk in batches.values()}
    if not batches:
        return stats
    rows = (
        OutgoingEmail.objects.filter(batch__in=list(batches))
        .values("batch")
        .annotate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=OutgoingEmail.Status.SENT)),
            failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
            bounced=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED, smtp_code__gte=500)),
        )
        .order_by()
    )
    for row in rows:
        stats[batches[row["batch"]]] = Stats(
            total=row["total"],
            sent=row["sent"],
            failed=row["failed"],
            bounced=row["bounced"],
            pending=row["total"] - row["sent"] - row["failed"],
        )
    return stats


def broadcasts_list(*, conference):
    """The conference's broadcasts, newest first, each with `.stats`; three queries."""
    broadcasts = list(
        Broadcast.objects.filter(conference=conference)
        .select_related("created_by", "job")
        .defer("recipients")
        .order_by("-created_at")[:BROADCASTS_PER_PAGE]
    )
    stats = broadcast_stats(broadcasts)
    for broadcast in broadcasts:
        broadcast.stats = stats[broadcast.pk]
    return broadcasts


def broadcast_get(*, conference, broadcast_id):
    """One broadcast of `conference` (404 for another conference's), with its job and stats."""
    broadcast = get_object_or_404(
        Broadcast.objects.select_related("conference", "created_by", "job"),
        conference=conference,
        pk=broadcast_id,
    )
    broadcast.stats = broadcast_stats([broadcast])[broadcast.pk]
    return broadcast
