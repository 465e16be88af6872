"""
Reads of organisers' email wordings.

Outgoing mail asks `override_get` for every email, so it must not cost a
query each: the set of (kind, language) a conference has reworded lives in
the cache (Redis in production), filled by one query on a miss and dropped
whenever a wording is saved, reset or restored. The row itself is read only
when that set says there is one.
"""

from django.core.cache import cache

from conference.core.email_templates.registry import kind_get
from conference.core.email_templates.rendering import Wording
from conference.core.models import EmailTemplate, EmailTemplateVersion

CACHE_SECONDS = 24 * 60 * 60


def _cache_key(conference_id):
    return f"email-templates:{conference_id}"


def overridden(*, conference_id):
    """The {(kind, language)} a conference has its own wording for (cached)."""
    key = _cache_key(conference_id)
    found = cache.get(key)
    if found is None:
        found = [
            f"{kind}:{language}"
            for kind, language in EmailTemplate.objects.filter(
                conference_id=conference_id
            ).values_list("kind", "language")
        ]
        cache.set(key, found, CACHE_SECONDS)
    return {tuple(entry.split(":", 1)) for entry in found}


def overridden_forget(*, conference_id):
    cache.delete(_cache_key(conference_id))


def override_get(*, conference, kind, language):
    """
    The organisers' Wording of `kind` in `language`, or None (the repository
    templates): never another language's wording.
    """
    if kind_get(kind) is None or conference is None:
        return None
    if (kind, language) not in overridden(conference_id=conference.pk):
        return None
    row = (
        EmailTemplate.objects.filter(conference=conference, kind=kind, language=language)
        .values_list("subject", "body")
        .first()
    )
    return Wording(kind, *row) if row else None


def email_template_get(*, conference, kind, language):
    """The current EmailTemplate row, or None."""
    return EmailTemplate.objects.filter(conference=conference, kind=kind, language=language).first()


def email_template_versions(*, conference, kind, language):
    return EmailTemplateVersion.objects.filter(
        conference=conference, kind=kind, language=language
    ).select_related("created_by")


def email_template_version_get(*, conference, kind, language, version_id):
    """One version of the history of `kind` in `language`, or None."""
    return (
        email_template_versions(conference=conference, kind=kind, language=language)
        .filter(pk=version_id)
        .first()
    )
