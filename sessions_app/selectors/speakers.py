"""
Speakers as the public pages show them: only those on the published agenda
(the last release), each with the published sessions they speak at. Their
photo is public only with their consent (`Speaker.photo_public`).
"""

from django.urls import reverse

from sessions_app.models import Speaker
from sessions_app.selectors.agenda import agenda_items, session_localise


def _published_sessions_by_speaker(release):
    """{speaker id: [snapshot item, ...]} of the sessions still on `release`'s agenda."""
    sessions = {}
    for item in agenda_items(release=release):
        for speaker in item.get("speakers", []):
            if speaker.get("id"):
                sessions.setdefault(speaker["id"], []).append(item)
    return sessions


def _speakers(conference):
    return Speaker.objects.filter(conference=conference).select_related(
        "organisation", "registration__organisation"
    )


def speaker_organisation(speaker):
    """The organisation shown with `speaker`: their own, else their registration's."""
    if speaker.organisation is not None:
        return speaker.organisation
    if speaker.registration is not None:
        return speaker.registration.organisation
    return None


def speakers_published(*, conference, release):
    """The speakers of `release`'s published sessions, by name (one query)."""
    ids = _published_sessions_by_speaker(release)
    if not ids:
        return []
    return list(_speakers(conference).filter(pk__in=ids))


def speaker_published(*, conference, release, speaker_id, tz):
    """
    (speaker, [their published sessions localised to `tz`, by start]) or
    (None, []) for a speaker who is not on the published agenda.
    """
    items = _published_sessions_by_speaker(release).get(speaker_id)
    if not items:
        return None, []
    speaker = _speakers(conference).filter(pk=speaker_id).first()
    if speaker is None:
        return None, []
    sessions = sorted((session_localise(item, tz) for item in items), key=lambda s: s["starts_at"])
    return speaker, sessions


def speaker_with_public_photo(*, conference, release, speaker_id):
    """The speaker whose photo anyone may see (published, consent given), or None."""
    if speaker_id not in _published_sessions_by_speaker(release):
        return None
    speaker = Speaker.objects.filter(conference=conference, pk=speaker_id).first()
    if speaker is None or not speaker.photo_public:
        return None
    return speaker


def speaker_photo_url(speaker, *, conference, size="small"):
    """The public address of `speaker`'s photo, or None (no photo, or no consent)."""
    if not speaker.photo_public:
        return None
    address = reverse("sessions_app:speaker_photo", args=[conference.slug, speaker.pk, size])
    # Each upload is stored in a fresh random folder: a new photo is a new
    # address, so a browser never shows its cached copy of the old one.
    name = speaker.photo.name
    version = name.split("/")[-2] if name.count("/") >= 2 else ""
    return f"{address}?v={version}"
