"""
Reads of matchmaking, scoped to who asks: `profiles` (profiles, who may
see which image, the helpers other pages use to show photos and logos) and
`taxonomy` (a conference's topics, its matrix and boosts).
"""

from b2b_meetings.matchmaking.selectors.profiles import (
    can_edit_organisation,
    editable_organisation,
    logo_owner,
    logo_url,
    organisation_topic_ids,
    photo_owner,
    photo_url,
    profile_for_edit,
    profile_of,
    profile_topic_ids,
    registrations_with_profiles,
)
from b2b_meetings.matchmaking.selectors.taxonomy import (
    conference_topics,
    matchmaking_settings,
    taxonomy_with_usage,
    topic_for_conference,
)

__all__ = [
    "can_edit_organisation",
    "conference_topics",
    "editable_organisation",
    "logo_owner",
    "logo_url",
    "matchmaking_settings",
    "organisation_topic_ids",
    "photo_owner",
    "photo_url",
    "profile_for_edit",
    "profile_of",
    "profile_topic_ids",
    "registrations_with_profiles",
    "taxonomy_with_usage",
    "topic_for_conference",
]
