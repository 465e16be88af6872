"""The agenda's catalogues: the rooms, tracks and speakers of a conference."""

from conference.core.models import Room
from sessions_app.models import Speaker, Track

CATALOGUE_MODELS = {"rooms": Room, "tracks": Track, "speakers": Speaker}


def catalogue_list(*, conference, kind):
    """Every room, track or speaker (`kind`) of `conference`, in their order."""
    objects = CATALOGUE_MODELS[kind].objects.filter(conference=conference)
    if kind == "speakers":
        objects = objects.select_related("registration__user")
    return objects


def catalogue_get(*, conference, kind, pk):
    """One room, track or speaker of `conference`, or None (another's is not found)."""
    return CATALOGUE_MODELS[kind].objects.filter(conference=conference, pk=pk).first()
