"""The language a person reads the portal and their emails in."""

from django.conf import settings


def user_language_set(*, user, language):
    """
    Remember `language` on the user: after login their pages are in it, and so
    are the emails written to them. An unknown language code is ignored.
    """
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    return user
