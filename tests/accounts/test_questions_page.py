"""
The organisers' page of custom registration questions (`manage/questions/`):
only organisers open it; add, edit, reorder, retire and restore, delete
while unanswered; bad choices and an answered question's kind refused; another
conference's question not found.
"""

import pytest
from django.urls import reverse

from accounts import selectors
from accounts.models import RegistrationQuestion
from conference.core.models import AuditLog
from tests.factories import RegistrationQuestionFactory, answer_create
from tests.helpers import login, registration_question

pytestmark = pytest.mark.django_db

Kind = RegistrationQuestion.Kind
Readers = RegistrationQuestion.Readers

QUESTIONS = "accounts:questions"


def page_url(conference, name=QUESTIONS, **kwargs):
    return reverse(name, args=[conference.slug, *kwargs.values()])


def posted_question(**extra):
    return {
        "kind": Kind.SINGLE_CHOICE,
        "label_en": "Which help do you need?",
        "label_ja": "必要な支援は？",
        "help_en": "",
        "help_ja": "",
        "choices_text": "hotel | Hotel booking | ホテル予約\n\nvisa | Visa letter |",
        "required": "on",
        "visible_to": Readers.ORGANISERS,
        **extra,
    }


@pytest.mark.parametrize("persona", ["delegate", "checkin_staff", "security_officer"])
def test_only_organisers_open_the_questions_page(request, conference, persona):
    client = login(request.getfixturevalue(persona))

    assert client.get(page_url(conference)).status_code == 403
    assert client.post(page_url(conference), posted_question()).status_code == 403
    assert not RegistrationQuestion.objects.exists()


def test_an_organiser_adds_a_choice_question_at_the_end(conference, organiser):
    first = registration_question(conference)

    response = login(organiser).post(page_url(conference), posted_question())

    assert response.status_code == 302
    added = RegistrationQuestion.objects.exclude(pk=first.pk).get()
    assert added.position > first.position and added.required and added.is_active
    assert added.choices == [
        {"key": "hotel", "en": "Hotel booking", "ja": "ホテル予約"},
        {"key": "visa", "en": "Visa letter", "ja": ""},
    ]
    assert AuditLog.objects.filter(action="question.create", object_id=str(added.pk)).exists()


@pytest.mark.parametrize(
    "choices_text",
    ["", "hotel", "bad key | Hotel | ホテル", "hotel | A | B\nhotel | C | D", "a | b | c | d"],
)
def test_bad_choices_are_refused_with_a_message_and_nothing_saved(
    conference, organiser, choices_text
):
    client = login(organiser)

    response = client.post(page_url(conference), posted_question(choices_text=choices_text))

    assert response.status_code == 200
    assert "choices_text" in response.context["form"].errors
    assert not RegistrationQuestion.objects.exists()


def test_an_organiser_edits_reorders_retires_and_restores(conference, organiser):
    first, second = registration_question(conference), registration_question(conference)
    client = login(organiser)

    edit = client.post(
        page_url(conference, "accounts:question_edit", question_id=second.pk),
        posted_question(kind=Kind.LONG_TEXT, choices_text="", label_en="Tell us more"),
    )
    client.post(
        page_url(conference, "accounts:question_move", question_id=second.pk), {"direction": "up"}
    )
    client.post(
        page_url(conference, "accounts:question_active", question_id=first.pk), {"active": "0"}
    )

    assert edit.status_code == 302
    assert [q.label_en for q in selectors.question_list(conference=conference)] == [
        "Tell us more",
        first.label_en,
    ]
    assert not RegistrationQuestion.objects.get(pk=first.pk).is_active
    assert RegistrationQuestion.objects.get(pk=second.pk).choices == []
    client.post(
        page_url(conference, "accounts:question_active", question_id=first.pk), {"active": "1"}
    )
    assert RegistrationQuestion.objects.get(pk=first.pk).is_active
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"question.update", "question.move", "question.retire", "question.restore"} <= actions


def test_an_unanswered_question_is_deleted_and_an_answered_one_is_refused(
    conference, organiser, delegate
):
    unanswered, answered = registration_question(conference), registration_question(conference)
    answer_create(delegate.registration, answered, "kept")
    client = login(organiser)

    client.post(page_url(conference, "accounts:question_delete", question_id=unanswered.pk))
    response = client.post(
        page_url(conference, "accounts:question_delete", question_id=answered.pk), follow=True
    )

    assert list(RegistrationQuestion.objects.values_list("pk", flat=True)) == [answered.pk]
    assert "Retire it instead" in response.content.decode()


def test_changing_an_answered_question_s_kind_on_the_page_is_refused_with_a_message(
    conference, organiser, delegate
):
    text = registration_question(conference)
    answer_create(delegate.registration, text, "kept")

    response = login(organiser).post(
        page_url(conference, "accounts:question_edit", question_id=text.pk),
        posted_question(),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert RegistrationQuestion.objects.get(pk=text.pk).kind == Kind.SHORT_TEXT


def test_another_conference_s_question_is_not_found(conference, organiser):
    elsewhere = RegistrationQuestionFactory()
    client = login(organiser)

    assert (
        client.get(page_url(conference, "accounts:question_edit", question_id=elsewhere.pk))
    ).status_code == 404
    assert (
        client.post(page_url(conference, "accounts:question_delete", question_id=elsewhere.pk))
    ).status_code == 404
    assert RegistrationQuestion.objects.filter(pk=elsewhere.pk).exists()
