"""Email subjects that give a time say which zone it is in."""

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tests.factories import MeetingSlotFactory, SessionFactory, TableFactory, local_time

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "template",
    ["meeting_confirmed", "meeting_cancelled", "meeting_rescheduled", "meeting_reminder"],
)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_meeting_subjects_name_the_zone(conference, template, language):
    slot = MeetingSlotFactory(conference=conference, starts_at=local_time(conference, 14))
    table = TableFactory(conference=conference, label="T07")
    with translation.override(language), timezone.override(conference.tz):
        subject = render_to_string(f"emails/{template}_subject.txt", {"slot": slot, "table": table})
    assert "14:00 IST" in subject, subject  # the conference is in Asia/Kolkata


def test_session_reminder_subject_names_the_zone(conference):
    session = SessionFactory(conference=conference, starts_at=local_time(conference, 9, 30))
    with timezone.override(conference.tz):
        subject = render_to_string("emails/session_reminder_subject.txt", {"session": session})
    assert "09:30 IST" in subject, subject
