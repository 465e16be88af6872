"""Releases: the published versions of the agenda, newest first."""

import functools
from dataclasses import dataclass
from datetime import datetime

from sessions_app.models import ScheduleRelease


def release_latest(*, conference):
    """The last published release of the agenda, or None before the first."""
    return ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()


@dataclass
class ReleaseHead:
    """
    The number and time of a release, without its snapshot, which is read
    only when a page is not in the cache yet (`snapshot`).
    """

    pk: int
    number: int
    published_at: datetime

    @functools.cached_property
    def snapshot(self):
        return ScheduleRelease.objects.values_list("snapshot", flat=True).get(pk=self.pk)


def release_head(*, conference):
    """
    The last release's head: one small indexed query that tells a cached page
    which release it must show (None before the first publish).
    """
    row = (
        ScheduleRelease.objects.filter(conference_id=conference.pk)
        .order_by("-number")
        .values_list("pk", "number", "published_at")
        .first()
    )
    return ReleaseHead(*row) if row else None


def release_snapshot(*, release):
    """The snapshot of `release` (fetched when a deferred head needs it)."""
    if release is None:
        return []
    return release.snapshot


def release_list(*, conference, limit=10):
    return ScheduleRelease.objects.filter(conference=conference).select_related("published_by")[
        :limit
    ]
