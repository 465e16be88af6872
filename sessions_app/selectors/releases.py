"""Releases: the published versions of the agenda, newest first."""

import functools
from dataclasses import dataclass
from datetime import datetime

from conference.core.content import content_all, content_language, content_text
from sessions_app.models import ScheduleRelease

# The texts of a snapshot item written in several languages.
ITEM_TEXTS = ("title", "description", "room", "track")


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
    """
    The snapshot of `release` (fetched when a deferred head needs it), its
    texts in the active language (`snapshot_localise`).
    """
    if release is None:
        return []
    return snapshot_localise(release.snapshot)


def snapshot_localise(items):
    """
    Copies of snapshot items with each text in the active language, falling
    back to the conference's default (see `conference.core.content`), and
    `search`: every language's texts, so that a search finds a session by
    its title in any language.
    """
    localised = []
    for item in items:
        item = dict(item)
        item["search"] = " ".join(content_all(item.get(name, "")) for name in ITEM_TEXTS)
        item["language"] = content_language(item.get("title", ""))
        for name in ITEM_TEXTS:
            if name in item:
                item[name] = content_text(item[name])
        if item.get("speakers"):
            item["speakers"] = [
                {**speaker, "bio": content_text(speaker.get("bio", ""))}
                for speaker in item["speakers"]
            ]
        localised.append(item)
    return localised


def release_list(*, conference, limit=10):
    return ScheduleRelease.objects.filter(conference=conference).select_related("published_by")[
        :limit
    ]
