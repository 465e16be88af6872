"""
Writes of matchmaking, one module per use case:

- `profiles`: a delegate's profile and their organisation's (images stored
  through the storage API, old files removed after commit);
- `taxonomy`: the organisers' taxonomy of topics, pairing matrix and boosts.

Each public function runs in one transaction and says what it guarantees.
"""

from b2b_meetings.matchmaking.services.profiles import (
    ORGANISATION_PROFILE_FIELDS,
    SPOKEN_LANGUAGE_CODES,
    SPOKEN_LANGUAGES,
    delegate_profile_update,
    language_labels,
    organisation_profile_update,
)
from b2b_meetings.matchmaking.services.taxonomy import (
    matchmaking_settings_save,
    topic_create,
    topic_delete,
    topic_move,
    topic_update,
    topic_usage,
)

__all__ = [
    "ORGANISATION_PROFILE_FIELDS",
    "SPOKEN_LANGUAGES",
    "SPOKEN_LANGUAGE_CODES",
    "delegate_profile_update",
    "language_labels",
    "matchmaking_settings_save",
    "organisation_profile_update",
    "topic_create",
    "topic_delete",
    "topic_move",
    "topic_update",
    "topic_usage",
]
