"""What the organisers have yet to translate (content in several languages)."""

from conference.core.content import missing_language_names


def sessions_untranslated(*, conference, sessions):
    """
    [(session, [language name, ...])] of `sessions` (the working copy, already
    read) whose title or abstract lacks one of `conference`'s content
    languages, in time order. No query.
    """
    languages = conference.content_locales
    if len(languages) < 2:
        return []
    found = []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.pk)):
        missing = missing_language_names(session, languages)
        if missing:
            found.append((session, missing))
    return found
