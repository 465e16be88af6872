"""
A speaker's entry in the agenda builder's catalogue, with their photo.

The photo arrives checked and encoded again without EXIF
(`conference.core.images.image_prepare`, in two sizes) and is stored through
the storage API; a replaced or removed file is deleted once the transaction
has committed, a new one written by a failed transaction at once.
"""

from django.db import transaction

from conference.core.images import ImageSwap
from conference.core.services import audit_record
from sessions_app.models import Speaker


def speaker_save(*, conference, speaker=None, data, actor, photo=None, remove_photo=False):
    """
    Create a speaker of `conference`, or change `speaker`, from `data` (its
    model fields), in one transaction with an audit entry. `photo` (a
    PreparedImage) replaces the photo; `remove_photo` removes it. Whether
    the public pages show it is `data["photo_consent"]`.
    """
    speaker = speaker or Speaker(conference=conference)
    swap = ImageSwap(speaker, ("photo", "photo_small"))
    try:
        with transaction.atomic():
            for name, value in data.items():
                setattr(speaker, name, value)
            speaker.conference = conference
            if photo is not None:
                swap.replace(photo, "speaker")
            elif remove_photo:
                swap.remove()
            speaker.save()
            audit_record(
                actor=actor,
                conference=conference,
                action="agenda.speakers.save",
                obj=speaker,
                summary=str(speaker),
            )
    except Exception:
        swap.rollback()
        raise
    return speaker
