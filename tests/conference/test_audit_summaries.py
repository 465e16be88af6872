"""Audit summaries are stored as data and shown in the viewer's language."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from accounts.services import questions
from conference.core.models import AuditLog
from conference.core.services import audit_message, audit_record

pytestmark = pytest.mark.django_db

# A msgid already in the Japanese catalogue.
ADDED = gettext_noop("Question added: %(label)s")
ADDED_JA = "質問を追加しました：Dietary needs"


def _page(user, url, language):
    user.language = language
    user.save()
    client = Client()
    client.force_login(user)
    # (The request activates its language in this thread: put English back after it.)
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_summary_is_stored_in_english_and_read_in_the_viewers_language(conference, organiser):
    entry = audit_record(
        actor=organiser,
        action="question.create",
        conference=conference,
        summary=audit_message(ADDED, label="Dietary needs"),
    )
    entry.refresh_from_db()
    assert entry.summary == "Question added: Dietary needs"
    assert entry.summary_parts == [[ADDED, {"label": "Dietary needs"}]]
    with translation.override("ja"):
        assert entry.summary_text == ADDED_JA
    with translation.override("en"):
        assert entry.summary_text == "Question added: Dietary needs"


def test_params_are_kept_as_data_not_translated(conference, organiser):
    entry = audit_record(
        actor=organiser,
        action="test",
        conference=conference,
        summary=audit_message(
            gettext_noop("Invited %(email)s (%(role)s)"), email="a@example.com", role=7
        ),
    )
    assert entry.summary == "Invited a@example.com (7)"
    assert entry.summary_parts == [
        ["Invited %(email)s (%(role)s)", {"email": "a@example.com", "role": 7}]
    ]


def test_a_plain_string_summary_still_works_and_is_shown_as_written(conference, organiser):
    entry = audit_record(actor=organiser, action="x", conference=conference, summary="Talk title")
    assert entry.summary_parts == []
    with translation.override("ja"):
        assert entry.summary_text == "Talk title"


def test_a_row_written_before_parts_shows_its_summary_as_stored(conference):
    entry = AuditLog.objects.create(conference=conference, action="x", summary="Old English text")
    with translation.override("ja"):
        assert entry.summary_text == "Old English text"


@pytest.mark.parametrize(
    "parts",
    [
        [[ADDED, {"wrong": "Dietary needs"}]],  # a param missing
        [[ADDED, ["Dietary needs"]]],  # params not a mapping
        [["Question added"]],  # not [msgid, params]
        "junk",
    ],
)
def test_bad_parts_show_the_stored_english_instead_of_failing(conference, parts):
    entry = AuditLog(conference=conference, action="x", summary="Stored", summary_parts=parts)
    with translation.override("ja"):
        assert entry.summary_text == "Stored"


def test_the_dashboard_activity_is_shown_in_the_viewers_language(conference, organiser):
    questions.question_create(
        conference=conference,
        actor=organiser,
        kind="short_text",
        label_en="Dietary needs",
        label_ja="",
        help_en="",
        help_ja="",
        choices=[],
        required=False,
        visible_to="organisers",
    )
    url = reverse("conference:dashboard", args=[conference.slug])

    japanese = _page(organiser, url, "ja")
    assert ADDED_JA in japanese and "Question added" not in japanese

    english = _page(organiser, url, "en")
    assert "Question added: Dietary needs" in english


def test_a_registrations_history_is_shown_in_the_viewers_language(conference, organiser, delegate):
    registration = delegate.registration
    audit_record(
        actor=organiser,
        action="x",
        conference=conference,
        obj=registration,
        summary=audit_message(ADDED, label="Dietary needs"),
    )
    AuditLog.objects.create(
        conference=conference,
        action="y",
        object_type=registration._meta.label_lower,
        object_id=str(registration.pk),
        summary="Written before parts",
    )
    url = reverse("accounts:registration", args=[conference.slug, registration.pk])

    japanese = _page(organiser, url, "ja")
    assert ADDED_JA in japanese and "Written before parts" in japanese

    english = _page(organiser, url, "en")
    assert "Question added: Dietary needs" in english and ADDED_JA not in english
