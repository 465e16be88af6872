"""
Custom registration questions: the organisers add, edit, reorder, retire and
(while unanswered) delete them; delegates' answers are saved with their
registration (`answers_save`, called by the registration services in their
transaction).

Each public function runs in one transaction with its audit entry. Writes
that change the order lock the conference row first (`locking`), so two
organisers reordering at once do not give two questions one position.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.errors import QuestionError, RegistrationError
from accounts.models import RegistrationAnswer, RegistrationQuestion
from accounts.questions import AnswerInvalid, answer_clean, answer_snapshot
from accounts.services.locking import _lock_conference
from conference.core.services import audit_message, audit_record

# The fields an organiser edits (question_create / question_update).
QUESTION_FIELDS = (
    "kind",
    "label_en",
    "label_ja",
    "help_en",
    "help_ja",
    "choices",
    "required",
    "visible_to",
)


def _check(conference, fields):
    kind = fields["kind"]
    if kind in RegistrationQuestion.CHOICE_KINDS:
        keys = [choice["key"] for choice in fields["choices"]]
        if not keys:
            raise QuestionError(_("A choice question needs at least one choice."))
        if len(set(keys)) != len(keys):
            raise QuestionError(_("Each choice needs its own key."))
    else:
        fields["choices"] = []


def question_create(*, conference, actor, **fields):
    """Add a question at the end of the conference's form (asked at once). Audited."""
    with transaction.atomic():
        conference = _lock_conference(conference)
        _check(conference, fields)
        last = conference.registration_questions.aggregate(last=Max("position"))["last"]
        question = RegistrationQuestion.objects.create(
            conference=conference,
            position=0 if last is None else last + 1,
            **{name: fields[name] for name in QUESTION_FIELDS},
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="question.create",
            obj=question,
            summary=audit_message(
                gettext_noop("Question added: %(label)s"), label=question.label_en
            ),
        )
    return question


def question_update(*, question, actor, **fields):
    """
    Change a question. Once it has answers its kind is fixed and its choice
    keys stay (labels may change): the answers hold keys, and their snapshot
    keeps what was shown when they were given. Audited with the changed fields.
    """
    with transaction.atomic():
        question = RegistrationQuestion.objects.select_for_update().get(pk=question.pk)
        _check(question.conference, fields)
        if question.answers.exists():
            if fields["kind"] != question.kind:
                raise QuestionError(
                    _(
                        "This question has answers, so its kind cannot change. "
                        "Retire it and add a new one."
                    )
                )
            old_keys = {choice["key"] for choice in question.choices}
            new_keys = {choice["key"] for choice in fields["choices"]}
            if old_keys - new_keys:
                raise QuestionError(
                    _(
                        "This question has answers, so its choices cannot be removed: "
                        "%(keys)s. Retire the question instead."
                    )
                    % {"keys": ", ".join(sorted(old_keys - new_keys))}
                )
        changed = sorted(
            name for name in QUESTION_FIELDS if getattr(question, name) != fields[name]
        )
        for name in QUESTION_FIELDS:
            setattr(question, name, fields[name])
        question.save()
        audit_record(
            actor=actor,
            conference=question.conference,
            action="question.update",
            obj=question,
            summary=audit_message(
                gettext_noop("Question changed: %(label)s"), label=question.label_en
            ),
            data={"fields": changed},
        )
    return question


def question_move(*, question, actor, direction):
    """Swap the question with its neighbour above (`direction` -1) or below (+1)."""
    with transaction.atomic():
        conference = _lock_conference(question.conference)
        ordered = list(conference.registration_questions.order_by("position", "pk"))
        index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        other = index + direction
        if not 0 <= other < len(ordered):
            return ordered[index]
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position", "updated_at"])
        question = ordered[other]
        audit_record(
            actor=actor,
            conference=conference,
            action="question.move",
            obj=question,
            summary=audit_message(
                gettext_noop("Question moved up: %(label)s")
                if direction < 0
                else gettext_noop("Question moved down: %(label)s"),
                label=question.label_en,
            ),
        )
    return question


def question_set_active(*, question, actor, active):
    """Retire a question (no longer asked; its answers stay) or ask it again. Audited."""
    with transaction.atomic():
        question = RegistrationQuestion.objects.select_for_update().get(pk=question.pk)
        if question.is_active == active:
            return question
        question.is_active = active
        question.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            conference=question.conference,
            action="question.restore" if active else "question.retire",
            obj=question,
            summary=audit_message(
                gettext_noop("Question asked again: %(label)s")
                if active
                else gettext_noop("Question retired: %(label)s"),
                label=question.label_en,
            ),
        )
    return question


def question_delete(*, question, actor):
    """
    Delete a question nobody has answered. An answered one is refused (retire
    it instead); the answers' RESTRICT foreign key refuses it too, should an
    answer arrive meanwhile.
    """
    with transaction.atomic():
        question = RegistrationQuestion.objects.select_for_update().get(pk=question.pk)
        if question.answers.exists():
            raise QuestionError(
                _("This question has answers and cannot be deleted. Retire it instead.")
            )
        audit_record(
            actor=actor,
            conference=question.conference,
            action="question.delete",
            obj=question,
            summary=audit_message(
                gettext_noop("Question deleted: %(label)s"), label=question.label_en
            ),
        )
        question.delete()


def answers_save(*, registration, answers):
    """
    Save the delegate's `answers` ({question id: value}) to the conference's
    active questions, in the caller's transaction. Every active question is
    checked (a missing required answer or a value of the wrong kind raises
    RegistrationError naming the question, and nothing is written); an
    emptied optional answer is deleted. An unchanged answer keeps its
    snapshot, so a later change of the question's wording does not rewrite
    it. Answers to retired questions are left as they are. Returns the
    names of the questions whose answer changed (English), for the audit.
    """
    questions = list(
        RegistrationQuestion.objects.filter(
            conference_id=registration.conference_id, is_active=True
        )
    )
    cleaned = {}
    for question in questions:
        try:
            cleaned[question.pk] = answer_clean(question, answers.get(question.pk))
        except AnswerInvalid as exc:
            label = question.label(translation.get_language())
            raise RegistrationError(f"{label}: {exc}") from exc
    existing = {
        answer.question_id: answer
        for answer in RegistrationAnswer.objects.select_for_update().filter(
            registration=registration, question__in=questions
        )
    }
    changed = []
    for question in questions:
        value, answer = cleaned[question.pk], existing.get(question.pk)
        if value is None:
            if answer is not None:
                answer.delete()
                changed.append(question.label_en)
            continue
        if answer is not None and answer.value == value:
            continue
        fields = answer_snapshot(question, value)
        if answer is None:
            RegistrationAnswer.objects.create(
                registration=registration, question=question, **fields
            )
        else:
            for name, field_value in fields.items():
                setattr(answer, name, field_value)
            answer.save()
        changed.append(question.label_en)
    return changed
