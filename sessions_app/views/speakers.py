"""
Speakers' public pages: the list and one speaker (photo, bio, organisation
and their published sessions), and the photo itself, served only for a
speaker on the published agenda who agreed to it (404 otherwise, as for a
photo that does not exist).
"""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from conference.core import timezones
from conference.core.images import SIZES, content_type_of
from conference.core.permissions import ANYONE, conference_view
from sessions_app import selectors
from sessions_app.views import page_cache
from sessions_app.views.public import viewer_tz


def _with_public_fields(speaker, conference):
    speaker.shown_organisation = selectors.speaker_organisation(speaker)
    speaker.photo_url = selectors.speaker_photo_url(speaker, conference=conference)
    speaker.photo_url_large = selectors.speaker_photo_url(
        speaker, conference=conference, size="large"
    )
    return speaker


@require_GET
@conference_view(ANYONE)
def speaker_list(request, access):
    conference = access.conference
    release = selectors.release_head(conference=conference)
    speakers = [
        _with_public_fields(speaker, conference)
        for speaker in selectors.speakers_published(conference=conference, release=release)
    ]
    context = {"conference": conference, "release": release, "speakers": speakers}
    return render(request, "sessions_app/speakers.html", context)


@require_GET
@conference_view(ANYONE)
def speaker_detail(request, access, speaker_id):
    conference = access.conference
    release = selectors.release_head(conference=conference)
    tz = viewer_tz(request, conference)
    speaker, sessions = selectors.speaker_published(
        conference=conference, release=release, speaker_id=speaker_id, tz=tz
    )
    if speaker is None:
        raise Http404
    with timezone.override(tz):
        context = {
            "conference": conference,
            "speaker": _with_public_fields(speaker, conference),
            "sessions": sessions,
            "tz": tz,
            "tz_label": timezones.time_zone_label(tz, conference=conference),
        }
        return render(request, "sessions_app/speaker.html", context)


@require_GET
@conference_view(ANYONE)
def speaker_photo(request, access, speaker_id, size):
    if size not in SIZES:
        raise Http404
    release = selectors.release_head(conference=access.conference)
    speaker = selectors.speaker_with_public_photo(
        conference=access.conference, release=release, speaker_id=speaker_id
    )
    if speaker is None:
        raise Http404
    file = speaker.photo if size == "large" else speaker.photo_small
    # Revalidated on every use (cheap, by ETag): a withdrawn consent takes effect at once.
    etag = f'"{page_cache.digest(file.name)}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        page_cache.feed_headers(not_modified, etag=etag)
        return not_modified
    try:
        handle = default_storage.open(file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_of(file.name))
    page_cache.feed_headers(response, etag=etag)
    response["X-Content-Type-Options"] = "nosniff"
    return response
