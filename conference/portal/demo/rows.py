"""
How the demo seed finds and makes its rows, whatever a previous run left:
times on a day of the conference (`local_time`), the demo logins' addresses,
and texts in several languages looked up by their English
(`by_english_or_create`) and given their Japanese where they lack it
(`texts_set`).
"""

import datetime as dt

from conference.core.content import content_data, content_text
from conference.portal.demo.data_ja import bilingual

BATCH_SIZE = 500


def local_time(conference, day, hhmm):
    """An aware datetime on day `day` of the conference, in its time zone."""
    date = conference.start_date + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time.fromisoformat(hhmm), tzinfo=conference.tz)


def login_email(login):
    return f"{login}@example.org"


# The conference's texts written in several languages (see data_ja).
CONFERENCE_TEXTS = ("name", "tagline", "description")


def english(text):
    """The English of a text in several languages (the demo's key for it)."""
    return content_text(text, "en")


def has_japanese(text):
    data = content_data(text)
    return isinstance(data, dict) and bool(data.get("ja"))


def texts_set(obj, texts):
    """Give `obj` these texts where it lacks them (a row seeded before they had Japanese)."""
    changed = [
        field for field, value in texts.items() if content_data(getattr(obj, field)) != value
    ]
    for field in changed:
        setattr(obj, field, texts[field])
    if changed:
        obj.save(update_fields=changed)


def by_english_or_create(queryset, field, text, **values):
    """
    The row of `queryset` whose `field` reads `text` in English, given its
    Japanese where it lacks it, or a new one (`values` for the other fields):
    a re-run finds the rows of an earlier one, whatever languages they hold.
    """
    wanted = bilingual(text)
    for obj in queryset:
        if english(getattr(obj, field)) == text:
            texts_set(obj, {field: wanted})
            return obj, False
    return queryset.create(**{field: wanted, **values}), True
