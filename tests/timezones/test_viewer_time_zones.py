"""
Times are stored in UTC and shown in the conference's zone (Asia/Kolkata, no
summer time), labelled; a viewer in Australia/Sydney sees their own time,
which moves by an hour when Sydney's summer time ends (03:00 AEDT on Sunday
4 April 2027, in the middle of this conference).

Kolkata 10:00 is 04:30 UTC: 15:30 AEDT (UTC+11) on Saturday 3 April but
14:30 AEST (UTC+10) on Monday 5 April. Kolkata 21:00 and 22:00 on the 3rd
are both 02:30 in Sydney: one before the clocks go back, one after.
"""

import datetime
import re
import zoneinfo

import pytest
from django.test import Client
from icalendar import Calendar

from b2b_meetings import services as b2b_services
from conference.core.models import OutgoingEmail
from conference.core.timezones import time_zone_label
from sessions_app import services
from sessions_app.services import schedule_publish
from tests.factories import (
    ConferenceFactory,
    MeetingSlotFactory,
    OrganisationFactory,
    RegistrationFactory,
    RoomFactory,
    SessionFactory,
    TableFactory,
    local_time,
)
from tests.helpers import login, url

pytestmark = pytest.mark.django_db

SYDNEY = "Australia/Sydney"
SYDNEY_LABEL = "Australia/Sydney (AEDT, UTC+11:00 / AEST, UTC+10:00)"
KOLKATA_LABEL = "Asia/Kolkata (IST, UTC+05:30)"


@pytest.fixture
def conference(db):
    """Saturday 3 to Monday 5 April 2027 in New Delhi: Sydney's summer time ends on the 4th."""
    return ConferenceFactory(
        time_zone="Asia/Kolkata",
        start_date=datetime.date(2027, 4, 3),
        end_date=datetime.date(2027, 4, 5),
    )


@pytest.fixture
def agenda(conference, organiser):
    hall = RoomFactory(conference=conference, name="Darbar Hall")
    sessions = {
        "saturday": SessionFactory(
            conference=conference,
            room=hall,
            title="Refining plenary",
            kind="plenary",
            starts_at=local_time(conference, 10),
            ends_at=local_time(conference, 11),
        ),
        "late_before": SessionFactory(
            conference=conference,
            room=hall,
            title="Late panel before the switch",
            kind="panel",
            starts_at=local_time(conference, 21),
            ends_at=local_time(conference, 21, 45),
        ),
        "late_after": SessionFactory(
            conference=conference,
            room=hall,
            title="Late panel after the switch",
            kind="panel",
            starts_at=local_time(conference, 22),
            ends_at=local_time(conference, 22, 45),
        ),
        "monday": SessionFactory(
            conference=conference,
            room=hall,
            title="Offtake plenary",
            kind="plenary",
            starts_at=local_time(conference, 10, day=2),
            ends_at=local_time(conference, 11, day=2),
        ),
    }
    schedule_publish(conference=conference, actor=organiser)
    return sessions


def get(client, conference, path, **params):
    response = client.get(url(conference, path), params)
    assert response.status_code == 200
    return response.content.decode()


def times_of(html):
    """The machine-readable times of the page's <time> elements."""
    return re.findall(r'<time datetime="([^"]+)"', html)


# The label ------------------------------------------------------------------------------


def test_label_names_both_offsets_when_summer_time_ends_during_the_conference(conference):
    assert time_zone_label(zoneinfo.ZoneInfo(SYDNEY), conference=conference) == SYDNEY_LABEL
    assert time_zone_label(conference.tz, conference=conference) == KOLKATA_LABEL


# The agenda -----------------------------------------------------------------------------


def test_agenda_in_sydney_follows_the_end_of_summer_time(client, conference, agenda):
    html = get(client, conference, "agenda/", tz=SYDNEY)

    assert SYDNEY_LABEL in html
    starts = times_of(html)
    assert "2027-04-03T15:30:00+11:00" in starts  # Saturday, summer time
    assert "2027-04-05T14:30:00+10:00" in starts  # Monday, standard time
    # An hour apart in Kolkata, the same wall-clock time in Sydney, either side of the switch.
    assert "2027-04-04T02:30:00+11:00" in starts
    assert "2027-04-04T02:30:00+10:00" in starts
    # The late panels fall on Sunday in Sydney, and the day headings say so.
    assert "Sunday, 4 April 2027" in html
    # Conference time is shown beside the viewer's.
    assert "Conference: 10:00–11:00 (Asia/Kolkata, IST)" in html
    assert "Conference: Sat 3 Apr, 21:00–21:45 (Asia/Kolkata, IST)" in html


def test_agenda_in_conference_time_has_no_second_time(client, conference, agenda):
    html = get(client, conference, "agenda/")

    assert KOLKATA_LABEL in html
    assert "2027-04-03T10:00:00+05:30" in times_of(html)
    assert "Conference:" not in html
    assert "Sunday, 4 April 2027" not in html  # nothing on Sunday in Kolkata


def test_session_page_in_sydney_gives_conference_time_too(client, conference, agenda):
    html = get(client, conference, f"agenda/sessions/{agenda['monday'].pk}/", tz=SYDNEY)

    assert SYDNEY_LABEL in html
    assert times_of(html)[:2] == ["2027-04-05T14:30:00+10:00", "2027-04-05T15:30:00+10:00"]
    assert "Conference: 10:00–11:00 (Asia/Kolkata, IST)" in html


# A viewer's own zone, kept on their account ------------------------------------------------


@pytest.fixture
def sydney_delegate(conference, agenda, delegate):
    services.session_signup(registration=delegate.registration, session_id=agenda["monday"].pk)
    services.session_signup(registration=delegate.registration, session_id=agenda["saturday"].pk)
    return delegate


def test_a_delegate_keeps_their_zone_and_their_schedule_uses_it(conference, sydney_delegate):
    client = login(sydney_delegate)
    assert "Always show times in Australia/Sydney" in get(client, conference, "me/", tz=SYDNEY)

    response = client.post(url(conference, "me/time-zone/"), {"time_zone": SYDNEY})

    assert response.status_code == 302 and response.url == url(conference, "me/")
    sydney_delegate.refresh_from_db()
    assert sydney_delegate.time_zone == SYDNEY
    html = get(client, conference, "me/")  # no ?tz: the saved zone applies
    assert SYDNEY_LABEL in html
    assert {"2027-04-03T15:30:00+11:00", "2027-04-05T14:30:00+10:00"} <= set(times_of(html))
    assert "Conference: 10:00–11:00 (Asia/Kolkata, IST)" in html
    assert "Always show times in" not in html  # already saved
    # And the agenda too.
    assert "2027-04-05T14:30:00+10:00" in times_of(get(client, conference, "agenda/"))


def test_a_delegate_can_go_back_to_conference_time(conference, sydney_delegate):
    sydney_delegate.time_zone = SYDNEY
    sydney_delegate.save()
    client = login(sydney_delegate)
    assert "Always use conference time" in get(client, conference, "me/", tz="Asia/Kolkata")

    client.post(url(conference, "me/time-zone/"), {"time_zone": ""})

    sydney_delegate.refresh_from_db()
    assert sydney_delegate.time_zone == ""
    html = get(client, conference, "me/")
    assert KOLKATA_LABEL in html and "2027-04-05T10:00:00+05:30" in times_of(html)


def test_an_unknown_zone_is_refused_and_the_saved_one_kept(conference, sydney_delegate):
    sydney_delegate.time_zone = SYDNEY
    sydney_delegate.save()
    client = login(sydney_delegate)

    response = client.post(url(conference, "me/time-zone/"), {"time_zone": "Mars/Olympus"})

    assert response.status_code == 302
    sydney_delegate.refresh_from_db()
    assert sydney_delegate.time_zone == SYDNEY
    assert "That is not a known time zone." in get(client, conference, "me/")


def test_the_b2b_meeting_page_gives_a_sydney_viewer_their_own_time(conference, delegate):
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 14, day=2),
        ends_at=local_time(conference, 14, 20, day=2),
    )
    other = RegistrationFactory(
        conference=conference, approved=True, organisation=OrganisationFactory()
    )
    meeting = b2b_services.meeting_create(
        conference=conference,
        slot=slot,
        table=TableFactory(conference=conference),
        registrations=[delegate.registration, other],
        notify=False,
    )
    delegate.time_zone = SYDNEY
    delegate.save()

    html = get(login(delegate), conference, f"b2b/meetings/{meeting.pk}/")

    assert "2027-04-05T14:00:00+05:30" in times_of(html)  # the meeting is in conference time
    assert KOLKATA_LABEL in html
    assert "your time: 18:30–18:50 (Australia/Sydney, AEST)" in html


# Emails --------------------------------------------------------------------------------


@pytest.fixture
def meeting_people(conference):
    """A Sydney delegate and one who never chose a zone, at different organisations."""
    sydney = RegistrationFactory(
        conference=conference, approved=True, organisation=OrganisationFactory()
    )
    sydney.user.time_zone = SYDNEY
    sydney.user.save()
    local = RegistrationFactory(
        conference=conference, approved=True, organisation=OrganisationFactory()
    )
    return sydney, local


@pytest.mark.parametrize(
    ("day", "yours"),
    [
        (0, "your time: 19:30–19:50 (Australia/Sydney, AEDT)"),
        (2, "your time: 18:30–18:50 (Australia/Sydney, AEST)"),
    ],
)
def test_meeting_email_gives_conference_time_and_the_recipients_own(
    conference, meeting_people, day, yours
):
    sydney, local = meeting_people
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 14, day=day),
        ends_at=local_time(conference, 14, 20, day=day),
    )
    b2b_services.meeting_create(
        conference=conference,
        slot=slot,
        table=TableFactory(conference=conference),
        registrations=[sydney, local],
    )

    to_sydney = OutgoingEmail.objects.get(kind="b2b.meeting_confirmed", user=sydney.user)
    to_local = OutgoingEmail.objects.get(kind="b2b.meeting_confirmed", user=local.user)
    for email in (to_sydney, to_local):
        for body in (email.body_text, email.body_html):
            assert f"14:00–14:20 {KOLKATA_LABEL}" in body
    assert yours in to_sydney.body_text and yours in to_sydney.body_html
    assert "your time" not in to_local.body_text


def test_session_reminder_to_a_sydney_delegate_after_the_switch(conference, sydney_delegate):
    sydney_delegate.time_zone = SYDNEY
    sydney_delegate.save()
    monday = sydney_delegate.registration.session_signups.get(session__title="Offtake plenary")

    services.session_reminders_send(now=monday.session.starts_at - datetime.timedelta(hours=1))

    email = OutgoingEmail.objects.get(kind="session.reminder", user=sydney_delegate)
    assert "Monday 5 April 2027, 10:00–11:00 " + KOLKATA_LABEL in email.body_text
    assert "your time: 14:30–15:30 (Australia/Sydney, AEST)" in email.body_text
    assert "10:00" in email.subject  # the subject keeps conference time


# Calendar feeds ------------------------------------------------------------------------


def events_of(body):
    calendar = Calendar.from_ical(body)
    return calendar, {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_agenda_feed_carries_the_conference_zone_with_its_definition(client, conference, agenda):
    body = client.get(url(conference, "agenda.ics"), {"tz": SYDNEY}).content

    calendar, events = events_of(body)
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert zones == ["Asia/Kolkata"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Kolkata"
    monday = events["Offtake plenary"]
    assert monday["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert b"DTSTART;TZID=Asia/Kolkata:20270405T100000" in body
    start = monday.decoded("DTSTART")
    assert start.astimezone(datetime.UTC) == agenda["monday"].starts_at
    assert start.astimezone(zoneinfo.ZoneInfo(SYDNEY)).strftime("%H:%M %Z") == "14:30 AEST"


def test_personal_feed_of_a_sydney_delegate_has_the_exact_instants(conference, sydney_delegate):
    token = sydney_delegate.registration.calendar_token
    body = Client().get(url(conference, f"me/calendar/{token}.ics")).content

    calendar, events = events_of(body)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Kolkata"]
    starts = {
        title: event.decoded("DTSTART").astimezone(datetime.UTC) for title, event in events.items()
    }
    assert starts == {
        "Refining plenary": datetime.datetime(2027, 4, 3, 4, 30, tzinfo=datetime.UTC),
        "Offtake plenary": datetime.datetime(2027, 4, 5, 4, 30, tzinfo=datetime.UTC),
    }


def test_meeting_invitation_is_written_in_utc(conference, meeting_people):
    sydney, local = meeting_people
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 14, day=2),
        ends_at=local_time(conference, 14, 20, day=2),
    )
    b2b_services.meeting_create(
        conference=conference,
        slot=slot,
        table=TableFactory(conference=conference),
        registrations=[sydney, local],
    )

    email = OutgoingEmail.objects.get(kind="b2b.meeting_confirmed", user=sydney.user)
    assert "DTSTART:20270405T083000Z" in email.ics
    assert "DTEND:20270405T085000Z" in email.ics
    assert "X-WR-TIMEZONE:Asia/Kolkata" in email.ics
