"""The public agenda page, a delegate's schedule, and what each may see."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sessions_app import services
from tests.factories import (
    ConferenceFactory,
    MeetingFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    RegistrationFactory,
    SessionFactory,
    local_time,
)
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db


def page(client, conference, path="agenda/", **params):
    response = client.get(url(conference, path), params)
    assert response.status_code == 200
    return response.content.decode()


# Filters and time zones -------------------------------------------------------------


def test_it_filters_by_track_kind_and_search(client, conference, agenda):
    track = agenda["workshop"].track

    by_track = page(client, conference, track=track.pk)
    by_kind = page(client, conference, kind="plenary")
    by_words = page(client, conference, q="offtake PANEL")

    assert "Black mass workshop" in by_track and "Opening plenary" not in by_track
    assert "Opening plenary" in by_kind and "Offtake panel" not in by_kind
    assert "Offtake panel" in by_words and "Black mass workshop" not in by_words
    assert "No session matches these filters" in page(client, conference, q="zzz")


def test_it_shows_conference_time_labelled_and_switches_to_the_viewers_zone(
    client, conference, agenda
):
    local = page(client, conference)
    tokyo = page(client, conference, tz="Asia/Tokyo")

    assert "Asia/Kolkata (IST, UTC+05:30)" in local
    assert ">09:30<" in local
    # 09:30 in Kolkata is 13:00 in Tokyo.
    assert "Times are shown in Asia/Tokyo (JST, UTC+09:00), not conference time" in tokyo
    assert ">13:00<" in tokyo and ">09:30<" not in tokyo


def test_a_delegates_own_zone_is_the_default(conference, agenda, delegate):
    delegate.time_zone = "America/New_York"
    delegate.save()

    html = page(login(delegate), conference)

    assert "America/New_York" in html
    assert ">23:00<" in html  # 09:30 IST is 23:00 the evening before in New York


def test_an_unknown_zone_falls_back_to_conference_time(client, conference, agenda):
    assert ">09:30<" in page(client, conference, tz="Mars/Olympus")


def test_a_language_switch_is_not_served_from_the_other_languages_cache(client, conference, agenda):
    english = page(client, conference)
    client.cookies["django_language"] = "ja"
    japanese = page(client, conference)

    assert 'lang="en"' in english
    assert 'lang="ja"' in japanese


def test_the_page_marks_my_sessions_without_putting_them_in_the_shared_cache(
    client, conference, agenda, delegate
):
    services.session_signup(registration=delegate.registration, session_id=agenda["panel"].pk)

    before = page(client, conference)  # fills the cache of stateless visitors
    mine = page(login(delegate), conference)
    after = page(client, conference)

    assert f'"id": {agenda["panel"].pk}, "status": "confirmed"' in mine
    assert delegate.display_name in mine and "My schedule" in mine
    for anonymous in (before, after):
        assert "my-sessions" not in anonymous
        assert delegate.display_name not in anonymous


# Queries: a fixed number, whatever the size of the agenda --------------------------------


def _agenda_queries(client, n, path="agenda/"):
    conference = ConferenceFactory()
    for i in range(n):
        SessionFactory(
            conference=conference,
            starts_at=local_time(conference, 8 + i % 10, day=i % 2),
            ends_at=local_time(conference, 9 + i % 10, day=i % 2),
        )
    publish(conference)
    counts = []
    for _ in range(2):  # a cache miss, then a hit
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(conference, path))
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize("path", ["agenda/", "agenda.ics", "agenda.json"])
def test_the_agenda_and_its_feeds_take_a_fixed_number_of_queries(client, path):
    few = _agenda_queries(client, 4, path)
    many = _agenda_queries(client, 80, path)

    # The conference, the last release's number, and its snapshot on a miss;
    # then the shared copy of stateless visitors (conference/core/shared_cache.py).
    assert few == many == [3, 0]


def test_a_delegates_agenda_takes_a_fixed_number_of_queries(conference, agenda, delegate):
    client = login(delegate)
    client.get(url(conference, "agenda/"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(conference, "agenda/"))
    for session in (agenda["panel"], agenda["opening"], agenda["workshop"]):
        services.session_signup(registration=delegate.registration, session_id=session.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(url(conference, "agenda/"))

    assert len(few) == len(many)


# My schedule -------------------------------------------------------------------------------


@pytest.fixture
def busy_delegate(conference, agenda, delegate):
    """Two sessions and a B2B meeting at 11:15 that clashes with the workshop."""
    for session in (agenda["opening"], agenda["workshop"]):
        services.session_signup(registration=delegate.registration, session_id=session.pk)
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=local_time(conference, 11, 15),
        ends_at=local_time(conference, 11, 35),
    )
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    partner = MeetingSeatFactory(meeting=meeting)
    return partner.registration


def test_my_schedule_has_sessions_and_meetings_in_time_order_with_clashes(
    conference, busy_delegate, delegate
):
    html = page(login(delegate), conference, "me/")

    opening = html.index("Opening plenary")
    workshop = html.index("Black mass workshop")
    meeting = html.index(f"B2B meeting with {busy_delegate.user.display_name}")
    assert opening < workshop < meeting
    assert html.count("has-clash") == 2
    assert "Offtake panel" not in html
    assert delegate.registration.calendar_token in html


def test_my_schedule_never_shows_another_delegates_meetings(
    conference, busy_delegate, other_delegate
):
    html = page(login(other_delegate), conference, "me/")

    assert "B2B meeting with" not in html
    assert "Nothing in your schedule yet" in html


def test_my_schedule_takes_a_fixed_number_of_queries(conference, agenda, busy_delegate, delegate):
    client = login(delegate)
    with CaptureQueriesContext(connection) as few:
        client.get(url(conference, "me/"))
    services.session_signup(registration=delegate.registration, session_id=agenda["panel"].pk)
    slot = MeetingSlotFactory(conference=conference)
    meeting = MeetingFactory(conference=conference, slot=slot)
    MeetingSeatFactory(meeting=meeting, registration=delegate.registration)
    MeetingSeatFactory(meeting=meeting)
    with CaptureQueriesContext(connection) as many:
        client.get(url(conference, "me/"))

    assert len(few) == len(many)


def test_my_schedule_is_for_registered_people_and_linked_in_their_menu(
    client, conference, agenda, delegate
):
    pending = RegistrationFactory(conference=conference).user

    assert client.get(url(conference, "me/")).status_code == 302
    assert "My schedule" in page(login(delegate), conference)
    assert "My schedule" in page(login(pending), conference, "me/")
    assert "My schedule" not in page(client, conference)


def test_the_session_page_404s_for_sessions_not_published(client, conference, agenda):
    draft = SessionFactory(conference=conference, published=False)

    assert client.get(url(conference, f"agenda/sessions/{draft.pk}/")).status_code == 404
    assert client.get(url(conference, f"agenda/sessions/{agenda['panel'].pk}/")).status_code == 200


def test_the_cached_page_gives_each_visitor_a_working_csrf_token_of_their_own(conference, agenda):
    """The page of stateless visitors is cached whole; its CSRF token is not."""
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = page(visitor, conference)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        switched = visitor.post(
            "/i18n/setlang/", {"language": "ja", "csrfmiddlewaretoken": token, "next": "/"}
        )
        assert switched.status_code == 302  # accepted: the token matches this visitor's cookie
    assert "csrf-placeholder" not in html
    assert tokens[0] != tokens[1]
