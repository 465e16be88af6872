"""`make run` loads the demo with seed_demo: it must work, and work again on the same database."""

import pytest
from django.core.management import call_command

from accounts.models import Registration, RegistrationAnswer, RegistrationQuestion, User
from b2b_meetings.models import Meeting, MeetingMessage, MeetingRequest
from conference.api.models import ApiToken
from conference.core.models import Conference

pytestmark = pytest.mark.django_db(transaction=True)


def counts():
    return {
        "users": User.objects.count(),
        "registrations": Registration.objects.count(),
        "requests": MeetingRequest.objects.count(),
        "meetings": Meeting.objects.count(),
        "questions": RegistrationQuestion.objects.count(),
        "answers": RegistrationAnswer.objects.count(),
    }


def test_seed_demo_loads_the_demo_and_a_second_run_adds_nothing():
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)

    assert counts() == first
    assert Conference.objects.filter(slug="bcmec").exists()
    assert User.objects.filter(email="organiser@example.org").exists()
    # A token is a credential to the real data: the demo makes none.
    assert not ApiToken.objects.exists()


def test_the_demo_leaves_accepted_requests_for_the_scheduler():
    call_command("seed_demo", verbosity=0)

    waiting = MeetingRequest.objects.filter(
        status=MeetingRequest.Status.SCHEDULING, meetings__isnull=True
    )
    assert waiting.count() == 2


def test_the_demo_shows_joined_requests_proposed_times_and_a_thread():
    call_command("seed_demo", verbosity=0)

    joined = MeetingRequest.objects.filter(linked__isnull=False)
    assert joined.count() == 2
    first, second = joined.order_by("pk")
    assert (first.linked_id, second.linked_id) == (second.pk, first.pk)
    assert MeetingRequest.objects.filter(proposed_slots__isnull=False).distinct().count() == 1
    assert MeetingMessage.objects.filter(request__status="accepted").count() == 2


def test_the_demo_asks_a_required_visa_question_every_demo_delegate_answered():
    call_command("seed_demo", verbosity=0)

    question = RegistrationQuestion.objects.get(conference__slug="bcmec")
    assert (question.kind, question.required, question.is_active) == ("yes_no", True, True)
    assert question.label_en == "Do you need a visa support letter?"
    assert question.label_ja == "ビザサポートレターが必要ですか？"
    assert question.answers.count() == Registration.objects.filter(conference__slug="bcmec").count()
    assert {answer.answer_ja for answer in question.answers.all()} == {"はい", "いいえ"}
