"""
The extension point of a delegate's schedule (sessions_app.schedule): the
agenda shows what other apps connect to it, and works with sessions alone
when nothing is connected.
"""

import pytest
from icalendar import Calendar

from sessions_app import schedule, services
from sessions_app.models import SessionSpeaker
from sessions_app.schedule import ScheduleEntry
from sessions_app.selectors import agenda_conflicts
from tests.factories import (
    MeetingFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    RegistrationFactory,
    SpeakerFactory,
    local_time,
)
from tests.helpers import login, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_sources(monkeypatch):
    """No app connected to the schedule's signals (the B2B app unplugged)."""
    monkeypatch.setattr(schedule.schedule_entries, "receivers", [])
    monkeypatch.setattr(schedule.busy_times, "receivers", [])


@pytest.fixture
def meeting_at_11_15(conference, delegate):
    """A B2B meeting of the delegate that overlaps the workshop (11:00-12:00)."""
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 11, 15),
        ends_at=local_time(conference, 11, 35),
    )
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    MeetingSeatFactory(meeting=meeting)
    return meeting


def feed_titles(client, conference, registration):
    response = client.get(url(conference, f"me/calendar/{registration.calendar_token}.ics"))
    return {str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_without_sources_my_schedule_and_its_feed_show_sessions_only(
    client, conference, agenda, delegate, meeting_at_11_15, no_sources
):
    services.session_signup(registration=delegate.registration, session_id=agenda["opening"].pk)

    html = login(delegate).get(url(conference, "me/")).content.decode()

    assert "Opening plenary" in html
    assert "B2B meeting with" not in html
    assert feed_titles(client, conference, delegate.registration) == {"Opening plenary"}


def test_without_sources_a_sessions_page_shows_no_clash_with_a_meeting(
    conference, agenda, delegate, meeting_at_11_15, no_sources
):
    response = login(delegate).get(url(conference, f"agenda/sessions/{agenda['workshop'].pk}/"))

    assert response.status_code == 200
    assert response.context["clashes"] == []


def test_without_sources_a_speakers_meeting_is_no_conflict(
    conference, agenda, delegate, meeting_at_11_15, no_sources
):
    speaker = SpeakerFactory(conference=conference, registration=delegate.registration)
    SessionSpeaker.objects.create(session=agenda["workshop"], speaker=speaker)

    assert [c["code"] for c in agenda_conflicts(conference=conference)] == []


def test_with_the_b2b_app_a_speakers_meeting_is_a_conflict(
    conference, agenda, delegate, meeting_at_11_15
):
    speaker = SpeakerFactory(conference=conference, registration=delegate.registration)
    SessionSpeaker.objects.create(session=agenda["workshop"], speaker=speaker)

    conflicts = agenda_conflicts(conference=conference)

    assert [(c["code"], c["busy"].ref) for c in conflicts] == [("b2b", meeting_at_11_15.pk)]


def test_another_apps_entries_show_in_my_schedule_its_feed_and_clashes(
    client, conference, agenda, delegate, no_sources
):
    other = RegistrationFactory(conference=conference, approved=True)

    def site_visit(sender, *, registration, starts_at=None, ends_at=None, **kwargs):
        if registration.pk != delegate.registration.pk:
            return []
        return [
            ScheduleEntry(
                kind="visit",
                id=1,
                title="Site visit: Lohum plant",
                starts_at=local_time(conference, 11, 30),
                ends_at=local_time(conference, 13),
                where="Greater Noida",
                uid="visit-1@example.org",
                category="Visit",
            )
        ]

    schedule.schedule_entries.connect(site_visit, weak=False)
    try:
        html = login(delegate).get(url(conference, "me/")).content.decode()
        workshop = login(delegate).get(url(conference, f"agenda/sessions/{agenda['workshop'].pk}/"))
        others_html = login(other.user).get(url(conference, "me/")).content.decode()
        titles = feed_titles(client, conference, delegate.registration)
    finally:
        schedule.schedule_entries.disconnect(site_visit)

    assert "Site visit: Lohum plant" in html and "Greater Noida" in html
    assert [c["title"] for c in workshop.context["clashes"]] == ["Site visit: Lohum plant"]
    assert "Site visit" not in others_html
    assert titles == {"Site visit: Lohum plant"}
