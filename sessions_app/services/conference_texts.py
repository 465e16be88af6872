"""The conference's own texts and the languages its content is written in."""

from django.db import transaction

from conference.core.models import Conference
from conference.core.services import audit_record

CONFERENCE_TEXT_FIELDS = (
    "content_languages",
    "default_content_language",
    "name",
    "tagline",
    "description",
)


def conference_texts_save(*, conference, data, actor):
    """
    Save `conference`'s content languages, default content language, name,
    tagline and description (`data`, as the form cleaned them), with an audit
    entry. One transaction; only these columns are written.
    """
    fields = [name for name in CONFERENCE_TEXT_FIELDS if name in data]
    with transaction.atomic():
        for name in fields:
            setattr(conference, name, data[name])
        Conference.objects.filter(pk=conference.pk).update(
            **{name: getattr(conference, name) for name in fields}
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="conference.texts.save",
            obj=conference,
            summary=", ".join(conference.content_locales),
        )
    return conference
