"""
The values of custom registration questions: what each kind accepts
(`answer_clean`) and how an answer reads in each language (`answer_display`).
The registration form and the services use the same rules.
"""

import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import RegistrationQuestion

Kind = RegistrationQuestion.Kind
TEXT_MAX = {Kind.SHORT_TEXT: 300, Kind.LONG_TEXT: 4000}


class AnswerInvalid(ValueError):
    """An answer the question does not accept; the message is for the delegate."""


def answer_clean(question, value):
    """
    `value` as stored for `question` (text, a choice key, a list of keys,
    True/False, an ISO date, a country code), or None when it is empty.
    Raises AnswerInvalid for a value of the wrong kind or a missing required answer.
    """
    cleaned = _clean(question, value)
    if cleaned is None and question.required:
        raise AnswerInvalid(_("This question needs an answer."))
    return cleaned


def _clean(question, value):
    if value in (None, "", []):
        return None
    kind = question.kind
    if kind in TEXT_MAX:
        if not isinstance(value, str):
            raise AnswerInvalid(_("Enter text."))
        value = value.strip()
        if len(value) > TEXT_MAX[kind]:
            raise AnswerInvalid(_("Use at most %(count)s characters.") % {"count": TEXT_MAX[kind]})
        return value or None
    if kind == Kind.YES_NO:
        if value in (True, "yes", "True", "true"):
            return True
        if value in (False, "no", "False", "false"):
            return False
        raise AnswerInvalid(_("Answer yes or no."))
    if kind == Kind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise AnswerInvalid(_("Enter a valid date.")) from exc
    if kind == Kind.COUNTRY:
        code = str(value).upper()
        if code not in dict(countries):
            raise AnswerInvalid(_("Choose a country from the list."))
        return code
    keys = [choice["key"] for choice in question.choices]
    if kind == Kind.SINGLE_CHOICE:
        if value not in keys:
            raise AnswerInvalid(_("Choose one of the options."))
        return value
    if kind == Kind.MULTIPLE_CHOICE:
        chosen = [value] if isinstance(value, str) else list(value)
        if any(key not in keys for key in chosen):
            raise AnswerInvalid(_("Choose among the options."))
        # In the question's order, once each.
        return [key for key in keys if key in chosen] or None
    raise AnswerInvalid(_("This question cannot be answered."))


def answer_display(question, value, language):
    """The stored `value` as a person reads it in `language`, with the question's current labels."""
    with translation.override(language):
        if question.kind == Kind.YES_NO:
            return _("Yes") if value else _("No")
        if question.kind == Kind.COUNTRY:
            return str(countries.name(value)) or value
        if question.kind in RegistrationQuestion.CHOICE_KINDS:
            labels = dict(question.choice_labels(language))
            chosen = value if isinstance(value, list) else [value]
            return "; ".join(labels.get(key, key) for key in chosen)
        return str(value)


def answer_snapshot(question, value):
    """The fields of a RegistrationAnswer for `value`: the value and what was asked and answered."""
    return {
        "value": value,
        "question_en": question.label("en"),
        "question_ja": question.label("ja"),
        "answer_en": answer_display(question, value, "en"),
        "answer_ja": answer_display(question, value, "ja"),
    }
