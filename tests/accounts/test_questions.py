"""
Custom registration questions: each kind's values, required answers, answers
saved with the registration in one transaction, the snapshot that keeps old
answers readable, who reads them on the registration page, the delegate's
data download, erasure and the database's constraints. The organisers' page:
test_questions_page.py.
"""

import datetime
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import RestrictedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts import selectors, services
from accounts.models import Invitation, Registration, RegistrationAnswer, RegistrationQuestion
from accounts.questions import AnswerInvalid, answer_clean
from conference.core.models import AuditLog, ConferenceRole, OutgoingEmail, Role
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
    UserFactory,
    answer_create,
)
from tests.helpers import (
    QUESTION_CHOICES,
    login,
    registration_details,
    registration_form_data,
    registration_question,
)

pytestmark = pytest.mark.django_db

Kind = RegistrationQuestion.Kind
Readers = RegistrationQuestion.Readers


def invited_user(conference):
    user = UserFactory()
    InvitationFactory(
        conference=conference,
        email=user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=user,
    )
    return user


def register(conference, user=None, answers=None):
    return services.registration_create(
        conference=conference,
        user=user or invited_user(conference),
        answers=answers,
        **registration_details(conference, OrganisationFactory()),
    )


def register_url(conference):
    return reverse("accounts:register", args=[conference.slug])


def detail_url(registration):
    return reverse("accounts:registration", args=[registration.conference.slug, registration.pk])


# What each kind accepts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (Kind.SHORT_TEXT, "  Tokyo  ", "Tokyo"),
        (Kind.LONG_TEXT, "Line one\nLine two", "Line one\nLine two"),
        (Kind.SINGLE_CHOICE, "visa", "visa"),
        (Kind.MULTIPLE_CHOICE, ["car", "hotel"], ["hotel", "car"]),
        (Kind.YES_NO, "yes", True),
        (Kind.YES_NO, "no", False),
        (Kind.DATE, datetime.date(2026, 3, 1), "2026-03-01"),
        (Kind.DATE, "2026-03-01", "2026-03-01"),
        (Kind.COUNTRY, "jp", "JP"),
    ],
)
def test_each_kind_stores_a_valid_answer_in_its_own_form(conference, kind, given, stored):
    assert answer_clean(registration_question(conference, kind), given) == stored


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (Kind.SHORT_TEXT, "x" * 301),
        (Kind.LONG_TEXT, "x" * 4001),
        (Kind.SHORT_TEXT, ["a list"]),
        (Kind.SINGLE_CHOICE, "taxi"),
        (Kind.MULTIPLE_CHOICE, ["hotel", "taxi"]),
        (Kind.YES_NO, "maybe"),
        (Kind.DATE, "2026-02-30"),
        (Kind.DATE, "next week"),
        (Kind.COUNTRY, "XX"),
    ],
)
def test_each_kind_refuses_a_value_of_the_wrong_kind(conference, kind, given):
    with pytest.raises(AnswerInvalid):
        answer_clean(registration_question(conference, kind), given)


@pytest.mark.parametrize("empty", [None, "", [], "   "])
def test_a_required_question_refuses_an_empty_answer_and_an_optional_one_takes_it(
    conference, empty
):
    with pytest.raises(AnswerInvalid):
        answer_clean(registration_question(conference, required=True), empty)
    assert answer_clean(registration_question(conference), empty) is None


# Saving answers with the registration ------------------------------------------------------


def test_answers_are_saved_with_the_registration_and_what_was_asked(conference):
    visa = registration_question(
        conference, Kind.YES_NO, label_en="Visa letter?", label_ja="ビザ？"
    )
    help_with = registration_question(conference, Kind.MULTIPLE_CHOICE)

    registration = register(conference, answers={visa.pk: "yes", help_with.pk: ["visa", "car"]})

    answers = {a.question_id: a for a in registration.answers.all()}
    assert answers[visa.pk].value is True
    visa_answer = answers[visa.pk]
    assert (visa_answer.question_en, visa_answer.question_ja) == ("Visa letter?", "ビザ？")
    assert (visa_answer.answer_en, visa_answer.answer_ja) == ("Yes", "はい")
    assert answers[help_with.pk].value == ["visa", "car"]
    assert answers[help_with.pk].answer_en == "Visa letter; Airport car"
    assert answers[help_with.pk].answer_ja == "ビザレター; 空港送迎"


def test_a_missing_required_answer_refuses_the_registration_and_writes_nothing(conference):
    visa = registration_question(conference, Kind.YES_NO, required=True)
    user = invited_user(conference)

    with pytest.raises(services.RegistrationError, match=visa.label_en):
        register(conference, user=user, answers={})

    assert not Registration.objects.filter(user=user).exists()
    assert not RegistrationAnswer.objects.exists()
    assert not OutgoingEmail.objects.filter(recipient=user.email).exists()


def test_a_bad_answer_after_a_good_one_saves_neither(conference):
    first = registration_question(conference)
    second = registration_question(conference, Kind.DATE)
    user = invited_user(conference)

    with pytest.raises(services.RegistrationError):
        register(conference, user=user, answers={first.pk: "fine", second.pk: "not a date"})

    assert not Registration.objects.filter(user=user).exists()
    assert not RegistrationAnswer.objects.exists()


def test_a_refused_edit_keeps_the_details_and_the_answers(conference):
    text = registration_question(conference)
    when = registration_question(conference, Kind.DATE, required=True)
    registration = register(conference, answers={text.pk: "before", when.pk: "2026-03-01"})

    with pytest.raises(services.RegistrationError):
        services.registration_update(
            registration=registration,
            actor=registration.user,
            answers={text.pk: "after", when.pk: ""},
            **registration_details(conference, registration.organisation, job_title="CEO"),
        )

    registration.refresh_from_db()
    assert registration.job_title == "Director"
    assert sorted(registration.answers.values_list("value", flat=True)) == ["2026-03-01", "before"]


def test_editing_replaces_changed_answers_deletes_emptied_ones_and_audits_their_names(conference):
    text = registration_question(conference, label_en="Hotel")
    optional = registration_question(conference, Kind.COUNTRY, label_en="Arriving from")
    registration = register(conference, answers={text.pk: "Taj", optional.pk: "JP"})

    services.registration_update(
        registration=registration,
        actor=registration.user,
        answers={text.pk: "Oberoi", optional.pk: ""},
        **registration_details(conference, registration.organisation),
    )

    assert list(registration.answers.values_list("value", flat=True)) == ["Oberoi"]
    entry = AuditLog.objects.get(action="registration.update")
    assert entry.data["fields"] == ["answer:Hotel", "answer:Arriving from"]
    assert "Oberoi" not in json.dumps(entry.data)


def test_an_answer_to_a_retired_question_is_kept_and_no_longer_asked(conference):
    old = registration_question(conference, required=True)
    registration = register(conference, answers={old.pk: "kept"})
    services.question_set_active(question=old, actor=None, active=False)

    services.registration_update(
        registration=registration,
        actor=registration.user,
        answers={},
        **registration_details(conference, registration.organisation),
    )

    assert list(registration.answers.values_list("value", flat=True)) == ["kept"]


# The snapshot: changing a question does not rewrite its answers ---------------------------------


def test_changing_a_question_and_its_choices_keeps_old_answers_as_given(conference, organiser):
    choice = registration_question(
        conference, Kind.SINGLE_CHOICE, label_en="Help needed?", label_ja="支援？"
    )
    registration = register(conference, answers={choice.pk: "visa"})

    services.question_update(
        question=choice,
        actor=organiser,
        kind=Kind.SINGLE_CHOICE,
        label_en="Which help do you need?",
        label_ja="必要な支援は？",
        help_en="",
        help_ja="",
        choices=[{**c, "en": c["en"].upper()} for c in QUESTION_CHOICES],
        required=False,
        visible_to=Readers.ORGANISERS,
    )
    # Saving the same answer again keeps what was shown when it was given.
    services.registration_update(
        registration=registration,
        actor=registration.user,
        answers={choice.pk: "visa"},
        **registration_details(conference, registration.organisation),
    )

    answer = registration.answers.get()
    assert (answer.question_en, answer.answer_en) == ("Help needed?", "Visa letter")
    assert (answer.question_ja, answer.answer_ja) == ("支援？", "ビザレター")
    shown = selectors.registration_answers(
        registration=registration, roles={Role.ORGANISER}, language="en"
    )
    assert shown == [
        {"question": "Help needed?", "readable": True, "answer": "Visa letter", "retired": False}
    ]
    # A new answer is taken with the wording of the day.
    newcomer = register(conference, answers={choice.pk: "visa"})
    assert newcomer.answers.get().answer_en == "VISA LETTER"


def test_an_answered_question_keeps_its_kind_and_choice_keys(conference, organiser):
    choice = registration_question(conference, Kind.SINGLE_CHOICE)
    register(conference, answers={choice.pk: "visa"})
    fields = {
        "label_en": "Q",
        "label_ja": "質問",
        "help_en": "",
        "help_ja": "",
        "required": False,
        "visible_to": Readers.ORGANISERS,
    }

    with pytest.raises(services.QuestionError):
        services.question_update(
            question=choice, actor=organiser, kind=Kind.SHORT_TEXT, choices=[], **fields
        )
    with pytest.raises(services.QuestionError, match="visa"):
        services.question_update(
            question=choice,
            actor=organiser,
            kind=Kind.SINGLE_CHOICE,
            choices=[c for c in QUESTION_CHOICES if c["key"] != "visa"],
            **fields,
        )
    choice.refresh_from_db()
    assert choice.label_en != "Q"


# The registration form -----------------------------------------------------------------------


@pytest.fixture
def registering(client, conference, accepted_invitation):
    client.force_login(accepted_invitation)
    return accepted_invitation


def test_the_form_asks_the_active_questions_in_the_delegates_language(
    client, conference, registering
):
    registration_question(
        conference, Kind.YES_NO, label_en="Need a visa letter?", label_ja="ビザが必要？"
    )
    registration_question(conference, label_en="Retired one", is_active=False)
    other = RegistrationQuestionFactory(label_en="Another conference's")

    english = client.get(register_url(conference)).content.decode()
    with translation.override("ja"):
        japanese = client.get(register_url(conference), HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "Need a visa letter?" in english and "Retired one" not in english
    assert other.label_en not in english
    assert "ビザが必要？" in japanese


def test_the_form_refuses_a_missing_required_answer_and_keeps_what_was_typed(
    client, conference, registering
):
    visa = registration_question(conference, Kind.YES_NO, required=True)

    response = client.post(register_url(conference), registration_form_data(conference))

    assert response.status_code == 200
    assert f"q_{visa.pk}" in response.context["form"].errors
    assert "Asha Batteries" in response.content.decode()
    assert not Registration.objects.filter(user=registering).exists()


def test_the_form_refuses_a_bad_date_country_and_choice(client, conference, registering):
    when = registration_question(conference, Kind.DATE)
    where = registration_question(conference, Kind.COUNTRY)
    which = registration_question(conference, Kind.SINGLE_CHOICE)
    several = registration_question(conference, Kind.MULTIPLE_CHOICE)
    data = registration_form_data(conference)
    data.update(
        {
            f"q_{when.pk}": "31/02/2026",
            f"q_{where.pk}": "ZZ",
            f"q_{which.pk}": "taxi",
            f"q_{several.pk}": ["hotel", "taxi"],
        }
    )

    response = client.post(register_url(conference), data)

    errors = response.context["form"].errors
    assert {f"q_{q.pk}" for q in (when, where, which, several)} <= set(errors)
    assert not Registration.objects.filter(user=registering).exists()


def test_the_form_saves_the_answers_with_the_registration(client, conference, registering):
    visa = registration_question(conference, Kind.YES_NO, required=True)
    several = registration_question(conference, Kind.MULTIPLE_CHOICE)
    when = registration_question(conference, Kind.DATE)
    data = registration_form_data(conference)
    data.update(
        {f"q_{visa.pk}": "no", f"q_{several.pk}": ["car", "hotel"], f"q_{when.pk}": "2026-03-01"}
    )

    response = client.post(register_url(conference), data)

    assert response.status_code == 302
    registration = Registration.objects.get(user=registering)
    assert dict(registration.answers.values_list("question_id", "value")) == {
        visa.pk: False,
        several.pk: ["hotel", "car"],
        when.pk: "2026-03-01",
    }
    # Editing shows the answers given.
    form = client.get(register_url(conference)).context["form"]
    assert form[f"q_{visa.pk}"].value() == "no"
    assert form[f"q_{several.pk}"].value() == ["hotel", "car"]


def test_a_question_s_help_text_is_shown_escaped(client, conference, registering):
    registration_question(conference, help_en="<script>alert(1)</script>")

    page = client.get(register_url(conference)).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Who reads the answers -------------------------------------------------------------------------


def test_the_registration_page_shows_organisers_only_the_answers_they_may_read(
    conference, organiser, delegate
):
    shared = registration_question(
        conference, label_en="Dietary detail", visible_to=Readers.ORGANISERS
    )
    secret = registration_question(
        conference, label_en="Security note", visible_to=Readers.SECURITY
    )
    answer_create(delegate.registration, shared, "no nuts")
    answer_create(delegate.registration, secret, "armed escort")

    page = login(organiser).get(detail_url(delegate.registration)).content.decode()

    assert "Dietary detail" in page and "no nuts" in page
    assert "Security note" in page and "armed escort" not in page


def test_an_organiser_who_is_also_a_security_officer_reads_security_only_answers(
    conference, organiser, delegate
):
    secret = registration_question(conference, visible_to=Readers.SECURITY)
    answer_create(delegate.registration, secret, "armed escort")
    ConferenceRole.objects.create(user=organiser, conference=conference, role=Role.SECURITY)

    page = login(organiser).get(detail_url(delegate.registration)).content.decode()

    assert "armed escort" in page


def test_the_registration_page_takes_a_fixed_number_of_queries_whatever_the_questions(
    conference, organiser, delegate
):
    client = login(organiser)

    def queries():
        client.get(detail_url(delegate.registration))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(detail_url(delegate.registration)).status_code == 200
        return len(captured)

    answer_create(delegate.registration, registration_question(conference), "one")
    few = queries()
    for n in range(4):
        answer_create(
            delegate.registration, registration_question(conference, Kind.YES_NO), n % 2 == 0
        )
    registration_question(conference, visible_to=Readers.SECURITY)

    assert queries() == few


# The delegate's data, and erasure ----------------------------------------------------------------


def test_the_data_download_holds_every_answer_of_the_delegate(client, conference, delegate):
    secret = registration_question(
        conference, label_en="Security note", visible_to=Readers.SECURITY
    )
    answer_create(delegate.registration, secret, "armed escort")
    answer_create(delegate.registration, registration_question(conference, Kind.COUNTRY), "JP")
    client.force_login(delegate)

    response = client.get(reverse("accounts:personal_data", args=[conference.slug]))

    answers = json.loads(response.content)["registration"]["answers"]
    assert (answers[0]["question_en"], answers[0]["answer_en"]) == ("Security note", "armed escort")
    assert answers[1]["value"] == "JP" and answers[1]["answer_ja"] == "日本"


def test_answers_are_erased_with_the_registration_and_with_the_account(conference):
    text = registration_question(conference)
    first, second = RegistrationFactory.create_batch(2, conference=conference)
    answer_create(first, text, "first")
    answer_create(second, text, "second")

    first.delete()
    second.user.delete()

    assert not RegistrationAnswer.objects.exists()
    assert RegistrationQuestion.objects.filter(pk=text.pk).exists()


def test_deleting_a_conference_deletes_its_questions_and_answers(conference, delegate):
    answer_create(delegate.registration, registration_question(conference), "gone")

    conference.delete()

    assert not RegistrationQuestion.objects.exists()
    assert not RegistrationAnswer.objects.exists()


# The database's own guarantees -------------------------------------------------------------------


def test_the_database_refuses_a_second_answer_to_one_question(conference, delegate):
    text = registration_question(conference)
    answer_create(delegate.registration, text, "first")

    refused = pytest.raises(IntegrityError, match="registration_answer_one_per_question")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_registrationanswer"
            " (registration_id, question_id, value, question_en, question_ja,"
            "  answer_en, answer_ja, answered_at)"
            " VALUES (%s, %s, '\"second\"', 'q', 'q', 'a', 'a', now())",
            [delegate.registration.pk, text.pk],
        )


def test_the_database_refuses_an_unknown_reader_setting(conference):
    refused = pytest.raises(IntegrityError, match="registration_question_visible_to_known")
    with refused, transaction.atomic():
        RegistrationQuestion.objects.create(
            conference=conference, kind=Kind.YES_NO, label_en="Q", label_ja="Q", visible_to="all"
        )


def test_an_answered_question_cannot_be_deleted_even_around_the_service(conference, delegate):
    text = registration_question(conference)
    answer_create(delegate.registration, text, "kept")

    with pytest.raises(RestrictedError):
        text.delete()
    with pytest.raises(services.QuestionError):
        services.question_delete(question=text, actor=None)
