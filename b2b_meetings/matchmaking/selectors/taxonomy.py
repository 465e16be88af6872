"""Reads of a conference's taxonomy and of its matchmaking settings."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from b2b_meetings.matchmaking.settings_defaults import default_boosts, default_matrix
from b2b_meetings.models import DelegateProfile, MatchmakingSettings, OrganisationTopics, Topic


def conference_topics(*, conference):
    """The conference's taxonomy in its order."""
    return list(Topic.objects.filter(conference=conference).order_by("position", "label_en"))


def _count(queryset):
    counted = queryset.values("topic_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def taxonomy_with_usage(*, conference):
    """
    The taxonomy in its order, each topic with `people` (profiles that chose
    it) and `organisations` (organisations offering or seeking it): one query.
    """
    people = DelegateProfile.topics.through.objects.filter(topic_id=OuterRef("pk"))
    offered = OrganisationTopics.offered.through.objects.filter(topic_id=OuterRef("pk"))
    sought = OrganisationTopics.sought.through.objects.filter(topic_id=OuterRef("pk"))
    return list(
        Topic.objects.filter(conference=conference)
        .annotate(people=_count(people), offered=_count(offered), sought=_count(sought))
        .order_by("position", "label_en")
    )


def topic_for_conference(*, conference, topic_id):
    """A topic of `conference`'s taxonomy, or None."""
    return (
        Topic.objects.filter(conference=conference, pk=topic_id)
        .select_related("conference")
        .first()
    )


def matchmaking_settings(*, conference):
    """
    (matrix, boosts, saved): the organisers' pairing matrix and boosts for
    `conference`, or the defaults (settings_defaults) when none are saved.
    A saved matrix is completed with 0 for pairs it lacks.
    """
    row = MatchmakingSettings.objects.filter(conference=conference).first()
    if row is None:
        return default_matrix(), default_boosts(), False
    matrix = dict.fromkeys(default_matrix(), 0)
    matrix.update(row.matrix or {})
    return matrix, list(row.boosts or []), True
