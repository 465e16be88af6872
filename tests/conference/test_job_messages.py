"""Job progress messages are stored as data and shown in the viewer's language."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from conference.core.models import Job

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_in_english_and_read_in_the_viewers_language(conference):
    job = Job.objects.create(
        conference=conference,
        kind="invitations.send",
        **Job.message_fields(
            (gettext_noop("Invitations queued for delivery: %(count)s."), {"count": 12})
        ),
    )
    job.refresh_from_db()
    assert job.message == "Invitations queued for delivery: 12."
    with translation.override("ja"):
        text = job.message_text
    assert "12" in text and "Invitations" not in text


def test_parts_are_translated_each_and_joined(conference):
    job = Job(
        conference=conference,
        **Job.message_fields(
            gettext_noop("Improving the schedule…"),
            (gettext_noop("So far within %(gap)s%% of the best possible."), {"gap": "1.5"}),
        ),
    )
    assert job.message == "Improving the schedule… So far within 1.5% of the best possible."
    with translation.override("ja"):
        assert "1.5" in job.message_text and "Improving" not in job.message_text


def test_a_row_written_before_parts_shows_its_message_as_stored(conference):
    job = Job(conference=conference, message="Sent 3 invitations.")
    assert job.message_text == "Sent 3 invitations."


def test_the_bulk_send_progress_is_shown_in_japanese_to_a_japanese_organiser(conference, organiser):
    job = Job.objects.create(
        conference=conference,
        kind="invitations.send",
        status=Job.Status.DONE,
        **Job.message_fields(
            (gettext_noop("Invitations queued for delivery: %(count)s."), {"count": 4})
        ),
    )
    organiser.language = "ja"
    organiser.save()
    client = Client()
    client.force_login(organiser)
    # (The request activates Japanese in this thread: put English back after it.)
    with translation.override("en"):
        page = client.get(
            reverse("accounts:invitations_job", args=[conference.slug, job.pk]),
            HTTP_ACCEPT_LANGUAGE="ja",
        ).content.decode()
    assert "Invitations queued for delivery" not in page
    with translation.override("ja"):
        assert job.message_text in page
