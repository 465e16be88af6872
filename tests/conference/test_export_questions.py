"""
Custom registration questions in the exports: one column per question in
the attendee exports' chooser, presets and downloads, for those who may read
its answers (a security-only question is neither offered to an organiser nor
exported by a hand-written URL), the answers as given, in a fixed number of
queries; security officers' questions on the gate list.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import RegistrationQuestion
from conference.core.models import ExportPreset, Role
from tests.factories import (
    ConferenceRoleFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
    answer_create,
)
from tests.helpers import login, read_csv, read_xlsx, url

pytestmark = pytest.mark.django_db

Kind = RegistrationQuestion.Kind
Readers = RegistrationQuestion.Readers


def export(client, conference, fmt="csv", **query):
    return client.get(url(conference, f"manage/exports/attendees.{fmt}"), query)


@pytest.fixture
def questions(conference, cast):
    """A visa question everyone answered (read by organisers), and a security-only note."""
    visa = RegistrationQuestionFactory(
        conference=conference,
        kind=Kind.YES_NO,
        label_en="Visa letter?",
        label_ja="ビザレター？",
        required=True,
    )
    note = RegistrationQuestionFactory(
        conference=conference, label_en="Security note", visible_to=Readers.SECURITY
    )
    answer_create(cast["sato"], visa, True)
    answer_create(cast["mehta"], visa, False)
    answer_create(cast["sato"], note, "armed escort")
    return visa, note


def test_the_chooser_offers_the_questions_organisers_may_read(conference, organiser, questions):
    visa, note = questions

    response = login(organiser).get(url(conference, "manage/exports/"))

    offered = dict(response.context["form"].fields["columns"].choices)
    assert offered[f"q_{visa.pk}"] == "Visa letter?"
    assert f"q_{note.pk}" not in offered


def test_an_answer_column_exports_the_answers_as_given(conference, organiser, questions, cast):
    visa, _note = questions
    # Changed after the answers: they keep the wording they were given in.
    RegistrationQuestion.objects.filter(pk=visa.pk).update(label_en="Need a visa letter?")

    response = export(login(organiser), conference, columns=f"name,q_{visa.pk}", order="name")

    header, *rows = read_csv(response)
    assert header == ["Name", "Need a visa letter?"]
    assert sorted(rows) == [["Daniel Lee", ""], ["Priya Mehta", "No"], ["佐藤 花子", "Yes"]]


def test_the_xlsx_export_has_the_answer_column_in_japanese(conference, organiser, questions):
    visa, _note = questions
    client = login(organiser)

    response = client.get(
        url(conference, "manage/exports/attendees.xlsx"),
        {"columns": f"name,q_{visa.pk}", "status": "approved", "order": "name"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    sheet = read_xlsx(response).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][1] == "ビザレター？"
    assert {row[1] for row in values[1:]} == {"はい", "いいえ"}


def test_an_organiser_cannot_export_a_security_only_answer(conference, organiser, questions):
    _visa, note = questions

    response = export(login(organiser), conference, columns=f"name,q_{note.pk}")

    assert response.status_code == 400
    assert b"armed escort" not in response.content


def test_an_organiser_who_is_also_a_security_officer_exports_it(conference, organiser, questions):
    _visa, note = questions
    ConferenceRoleFactory(conference=conference, user=organiser, role=Role.SECURITY)

    response = export(login(organiser), conference, columns=f"name,q_{note.pk}")

    assert ["佐藤 花子", "armed escort"] in read_csv(response)


def test_a_question_of_another_conference_is_not_a_column(conference, organiser, cast):
    elsewhere = RegistrationQuestionFactory()

    response = export(login(organiser), conference, columns=f"name,q_{elsewhere.pk}")

    assert response.status_code == 400


def test_a_preset_keeps_its_answer_column_and_drops_one_it_may_not_read(
    conference, organiser, questions
):
    visa, note = questions
    ExportPreset.objects.create(
        conference=conference,
        name="Visa desk",
        params={"columns": f"name,q_{visa.pk},q_{note.pk},q_999999", "status": ["approved"]},
    )

    response = login(organiser).get(url(conference, "manage/exports/"))

    ((_preset, query),) = response.context["presets"]
    assert f"columns=name%2Cq_{visa.pk}&" in query + "&"


def test_the_gate_list_has_the_answers_security_officers_may_read(
    conference, security_officer, questions
):
    response = login(security_officer).get(url(conference, "manage/exports/gatelist.csv"))

    header, *rows = read_csv(response)
    assert header[-1] == "Security note"
    assert "Visa letter?" not in header
    assert {row[0]: row[-1] for row in rows} == {"Mehta": "", "佐藤": "armed escort"}


def _queries_for_export(client, conference, columns):
    with CaptureQueriesContext(connection) as queries:
        response = export(client, conference, columns=columns)
        rows = read_csv(response)
    return len(queries), len(rows) - 1


def test_answer_columns_cost_two_queries_whatever_the_rows_and_questions(
    conference, organiser, cast
):
    client = login(organiser)
    first = RegistrationQuestionFactory(conference=conference)
    answer_create(cast["sato"], first, "one")
    baseline, _rows = _queries_for_export(client, conference, "name,organisation")
    few, few_rows = _queries_for_export(client, conference, f"name,organisation,q_{first.pk}")
    keys = [f"q_{first.pk}"]
    for n in range(4):
        extra = RegistrationQuestionFactory(conference=conference, kind=Kind.YES_NO)
        keys.append(f"q_{extra.pk}")
        for _ in range(5):
            answer_create(RegistrationFactory(conference=conference), extra, n % 2 == 0)

    many, many_rows = _queries_for_export(client, conference, "name,organisation," + ",".join(keys))

    assert (few_rows, many_rows) == (3, 23)
    # The questions (validating the column keys), then their answers (one query per chunk).
    assert few == many == baseline + 2
