"""The agenda's feeds, parsed as a calendar app or a program would parse them."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from sessions_app import services
from sessions_app.models import Session
from tests.factories import (
    ConferenceFactory,
    MeetingFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    RegistrationFactory,
    local_time,
)
from tests.helpers import hours, login, publish, url

pytestmark = pytest.mark.django_db


def events(response):
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_the_agenda_feed_has_every_published_session_with_stable_uids(client, conference, agenda):
    feed = events(client.get(url(conference, "agenda.ics")))

    assert set(feed) == {"Opening plenary", "Black mass workshop", "Offtake panel", "Coffee"}
    opening = feed["Opening plenary"]
    assert str(opening["UID"]).startswith(f"session-{agenda['opening'].pk}@")
    assert opening["DTSTART"].dt == local_time(conference, 9, 30)
    assert opening["DTSTART"].dt.tzinfo.key == "Asia/Kolkata"  # a TZID with its VTIMEZONE
    assert int(opening["SEQUENCE"]) == 0
    assert str(opening["STATUS"]) == "CONFIRMED"
    assert "Darbar Hall" in str(opening["LOCATION"])
    calendar = Calendar.from_ical(client.get(url(conference, "agenda.ics")).content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Kolkata"]


def test_a_change_raises_the_sequence_and_a_cancellation_stays_as_cancelled(
    client, conference, organiser, agenda
):
    before = events(client.get(url(conference, "agenda.ics")))
    opening = agenda["opening"]
    Session.objects.filter(pk=opening.pk).update(
        starts_at=opening.starts_at + hours(1), ends_at=opening.ends_at + hours(1)
    )
    Session.objects.filter(pk=agenda["panel"].pk).update(is_cancelled=True)
    Session.objects.filter(pk=agenda["break"].pk).update(published=False)
    publish(conference, organiser)

    after = events(client.get(url(conference, "agenda.ics")))

    assert after["Opening plenary"]["UID"] == before["Opening plenary"]["UID"]
    assert int(after["Opening plenary"]["SEQUENCE"]) == 1
    assert after["Opening plenary"]["DTSTART"].dt == local_time(conference, 10, 30)
    assert str(after["Offtake panel"]["STATUS"]) == "CANCELLED"
    assert int(after["Offtake panel"]["SEQUENCE"]) == 1
    assert str(after["Coffee"]["STATUS"]) == "CANCELLED"  # taken off: cancelled, not gone
    assert int(after["Black mass workshop"]["SEQUENCE"]) == 0


def test_feeds_answer_304_until_the_next_publish(client, conference, organiser, agenda):
    for path in ("agenda.ics", "agenda.json"):
        first = client.get(url(conference, path))
        etag = first["ETag"]
        assert first["Last-Modified"]
        assert "no-cache" in first["Cache-Control"]

        again = client.get(url(conference, path), HTTP_IF_NONE_MATCH=etag)
        since = client.get(url(conference, path), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

        assert again.status_code == 304
        assert again["ETag"] == etag
        assert since.status_code == 304

    publish(conference, organiser)
    for path in ("agenda.ics", "agenda.json"):
        fresh = client.get(url(conference, path), HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200
        assert fresh["ETag"] != etag


def test_a_language_switch_changes_the_feed_and_its_etag(client, conference, agenda):
    english = client.get(url(conference, "agenda.json"))
    japanese = client.get(url(conference, "agenda.json"), HTTP_ACCEPT_LANGUAGE="ja")

    assert json.loads(english.content)["language"] == "en"
    assert json.loads(japanese.content)["language"] == "ja"
    assert english["ETag"] != japanese["ETag"]
    assert "Accept-Language" in japanese["Vary"]


def test_the_json_feed_is_machine_readable(client, conference, agenda):
    data = json.loads(client.get(url(conference, "agenda.json")).content)

    assert data["conference"]["time_zone"] == "Asia/Kolkata"
    assert data["release"]["number"] == 1
    sessions = {s["title"]: s for s in data["sessions"]}
    workshop = sessions["Black mass workshop"]
    assert workshop["starts_at"] == local_time(conference, 11).isoformat()
    assert workshop["capacity"] == 2
    assert workshop["track"] == "Recycling"
    assert workshop["status"] == "confirmed"
    assert workshop["uid"].startswith(f"session-{agenda['workshop'].pk}@")


def test_feeds_of_an_unpublished_agenda_are_empty(client, conference):
    assert events(client.get(url(conference, "agenda.ics"))) == {}
    assert json.loads(client.get(url(conference, "agenda.json")).content)["sessions"] == []


# The personal feed ---------------------------------------------------------------------


@pytest.fixture
def my_things(conference, agenda, delegate):
    """The delegate: a confirmed workshop place and a B2B meeting at 14:00."""
    services.session_signup(registration=delegate.registration, session_id=agenda["workshop"].pk)
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 14),
        ends_at=local_time(conference, 14, 20),
    )
    meeting = MeetingFactory(conference=conference, slot=slot, note="Offtake terms")
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    MeetingSeatFactory(meeting=meeting)
    return meeting


def personal_url(conference, registration):
    return url(conference, f"me/calendar/{registration.calendar_token}.ics")


def test_the_personal_feed_has_my_sessions_and_meetings_and_nothing_else(
    client, conference, delegate, other_delegate, my_things
):
    services.session_signup(
        registration=other_delegate.registration,
        session_id=my_things.conference.sessions.get(title="Offtake panel").pk,
    )

    response = client.get(personal_url(conference, delegate.registration))

    feed = events(response)
    assert len(feed) == 2
    assert "Black mass workshop" in feed
    meeting = next(e for title, e in feed.items() if title.startswith("B2B meeting"))
    assert meeting["DTSTART"].dt == local_time(conference, 14)
    assert str(meeting["UID"]) == str(my_things.ics_uid)  # as in its emailed invitations
    assert "private" in response["Cache-Control"]


def test_a_cancelled_meeting_stays_in_the_personal_feed_as_cancelled(
    client, conference, delegate, my_things
):
    my_things.status = "cancelled"
    my_things.sequence = 1
    my_things.save(update_fields=["status", "sequence"])

    feed = events(client.get(personal_url(conference, delegate.registration)))

    meeting = next(e for title, e in feed.items() if title.startswith("B2B meeting"))
    assert str(meeting["STATUS"]) == "CANCELLED"
    assert int(meeting["SEQUENCE"]) == 1


def test_a_waitlisted_place_is_tentative(client, conference, agenda, delegate):
    for _ in range(2):  # the workshop's two places
        registration = RegistrationFactory(conference=conference, approved=True)
        services.session_signup(registration=registration, session_id=agenda["workshop"].pk)
    services.session_signup(registration=delegate.registration, session_id=agenda["workshop"].pk)

    feed = events(client.get(personal_url(conference, delegate.registration)))

    assert str(feed["Black mass workshop"]["STATUS"]) == "TENTATIVE"


def test_the_personal_feed_is_conditional_on_its_own_content(
    client, conference, agenda, delegate, other_delegate, my_things
):
    path = personal_url(conference, delegate.registration)
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    theirs = client.get(personal_url(conference, other_delegate.registration))
    assert theirs["ETag"] != first["ETag"]
    assert b"Black mass workshop" not in theirs.content

    services.session_signup(registration=delegate.registration, session_id=agenda["opening"].pk)
    changed = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Opening plenary" in events(changed)


def test_an_unknown_or_reset_token_is_not_found(client, conference, delegate, my_things):
    old = personal_url(conference, delegate.registration)
    assert client.get(url(conference, "me/calendar/not-a-token.ics")).status_code == 404

    response = login(delegate).post(url(conference, "me/calendar/reset/"))
    delegate.registration.refresh_from_db()

    assert response.status_code == 302
    assert client.get(old).status_code == 404
    assert client.get(personal_url(conference, delegate.registration)).status_code == 200


def test_a_token_of_another_conference_is_not_found(client, conference, delegate, my_things):
    other = ConferenceFactory()
    path = f"/events/{other.slug}/me/calendar/{delegate.registration.calendar_token}.ics"

    assert client.get(path).status_code == 404


def test_the_agenda_feed_dtstamp_is_the_release_time(client, conference, agenda):
    feed = events(client.get(url(conference, "agenda.ics")))
    release = conference.releases.get()

    stamp = feed["Opening plenary"]["DTSTAMP"].dt
    assert stamp == release.published_at.replace(microsecond=0).astimezone(datetime.UTC)


def test_the_personal_feed_takes_a_fixed_number_of_queries(
    client, conference, agenda, delegate, my_things
):
    path = personal_url(conference, delegate.registration)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    services.session_signup(registration=delegate.registration, session_id=agenda["opening"].pk)
    slot = MeetingSlotFactory(conference=conference)
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    MeetingSeatFactory(meeting=meeting)
    with CaptureQueriesContext(connection) as many:
        client.get(path)

    assert len(few) == len(many)
