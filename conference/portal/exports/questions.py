"""
One attendee-export column per custom registration question (`q_<id>`),
offered only to those whose roles may read its answers (the question's
`visible_to`): an organiser never gets a column of a security-only question,
in the chooser, a preset or a hand-written export URL. The answers are read
as given (their snapshot), in the exporter's language, by one query per
chunk for all the question columns chosen.
"""

from django.utils.translation import get_language

from accounts.models import RegistrationAnswer, RegistrationQuestion
from conference.portal.exports.columns import TEXT, Column, register_attendee_column_source


def question_key(question_id):
    return f"q_{question_id}"


def _answers_loader(question_ids):
    def loader(conference):
        field = "answer_ja" if get_language() == "ja" else "answer_en"

        def load(chunk):
            found = {}
            answers = RegistrationAnswer.objects.filter(
                registration_id__in=[row["id"] for row in chunk], question_id__in=question_ids
            ).values_list("registration_id", "question_id", field)
            for registration_id, question_id, text in answers:
                found[registration_id, question_id] = text
            for row in chunk:
                for question_id in question_ids:
                    row[question_key(question_id)] = found.get((row["id"], question_id), "")

        return load

    return loader


def _answer_of(key):
    return lambda row, labels: row[key]


@register_attendee_column_source
def question_columns(*, conference, roles):
    """The columns of the conference's questions whose answers `roles` may read (one query)."""
    language = get_language()
    questions = [
        question
        for question in RegistrationQuestion.objects.filter(conference=conference).order_by(
            "position", "pk"
        )
        if question.readable_by(roles)
    ]
    load = _answers_loader([question.pk for question in questions])
    return [
        Column(
            question_key(question.pk),
            question.label(language),
            TEXT,
            28,
            _answer_of(question_key(question.pk)),
            load=load,
        )
        for question in questions
    ]
