"""
B2B slots, tables and meetings through the API: who meets whom, where and
when, cancelled meetings included for sync; never what a meeting is about.
"""

import datetime

import pytest

from b2b_meetings.models import Meeting, MeetingMessage
from b2b_meetings.services import meeting_cancel, table_set_active
from conference.api.scopes import Scope
from tests.api.client import ApiClient
from tests.factories import (
    MeetingFactory,
    MeetingRequestFactory,
    MeetingSeatFactory,
    RegistrationFactory,
    TableFactory,
)
from tests.helpers import make_slots

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(conference):
    return ApiClient.for_scopes(conference, Scope.MEETINGS_READ)


def seated_meeting(conference, slot, table=None, **kwargs):
    table = table or TableFactory(conference=conference)
    meeting = MeetingFactory(conference=conference, slot=slot, table=table, **kwargs)
    people = [RegistrationFactory(conference=conference, approved=True) for _ in range(2)]
    for person in people:
        MeetingSeatFactory(meeting=meeting, registration=person, slot=slot)
    return meeting, people


def test_slots_and_tables_are_listed(api, conference, organiser):
    slots = make_slots(conference, 2)
    table = TableFactory(conference=conference, label="A1", seats=6)
    TableFactory()  # another conference's

    listed_slots = api.get_json("meeting-slots/")["results"]
    listed_tables = api.get_json("meeting-tables/")["results"]

    assert [s["id"] for s in listed_slots] == [s.pk for s in slots]
    assert [
        (t["id"], t["label"], t["room"], t["seats"], t["is_active"]) for t in listed_tables
    ] == [(table.pk, "A1", table.room.name, 6, True)]


def test_taking_a_table_out_of_use_shows_in_updated_since(api, conference, organiser):
    table = TableFactory(conference=conference)
    mark = api.get_json("meeting-tables/")["results"][0]["updated_at"]

    table_set_active(table=table, is_active=False, actor=organiser)

    [row] = api.get_json("meeting-tables/", {"updated_since": mark})["results"]
    assert row["is_active"] is False


def test_a_meeting_names_its_time_place_and_participants_and_nothing_it_is_about(api, conference):
    [slot] = make_slots(conference, 1)
    request = MeetingRequestFactory(conference=conference, agenda="Secret offtake terms")
    meeting, people = seated_meeting(conference, slot, request=request, note="Bring the term sheet")
    MeetingMessage.objects.create(
        conference=conference, meeting=None, request=request, body="Our price is 42"
    )

    response = api.get("meetings/")
    [row] = response.json()["results"]

    assert row["id"] == meeting.pk
    assert row["status"] == "active"
    assert row["slot_id"] == slot.pk
    assert datetime.datetime.fromisoformat(row["starts_at"]) == slot.starts_at
    assert datetime.datetime.fromisoformat(row["ends_at"]) == slot.ends_at
    assert (row["table_id"], row["table"], row["room"]) == (
        meeting.table_id,
        meeting.table.label,
        meeting.table.room.name,
    )
    assert [p["registration_id"] for p in row["participants"]] == sorted(p.pk for p in people)
    person = min(people, key=lambda p: p.pk)
    assert row["participants"][0]["name"] == person.user.display_name
    assert row["participants"][0]["organisation"]["id"] == person.organisation_id
    text = response.content.decode()
    for secret in ("Secret offtake terms", "Bring the term sheet", "Our price is 42"):
        assert secret not in text


def test_cancelled_meetings_stay_listed_with_their_status(api, conference, organiser):
    [slot] = make_slots(conference, 1)
    meeting, _people = seated_meeting(conference, slot)
    mark = api.get_json("meetings/")["results"][0]["updated_at"]

    meeting_cancel(meeting=meeting, actor=organiser, reason="Flight delayed: confidential")

    [row] = api.get_json("meetings/", {"updated_since": mark})["results"]
    assert row["status"] == "cancelled"
    assert row["sequence"] == 1
    assert row["cancelled_at"] is not None
    assert "confidential" not in api.get("meetings/").content.decode()
    assert api.get_json("meetings/", {"status": "active"})["results"] == []


def test_meetings_filter_by_participant(api, conference):
    slots = make_slots(conference, 2)
    mine, people = seated_meeting(conference, slots[0])
    seated_meeting(conference, slots[1])

    rows = api.get_json("meetings/", {"registration_id": people[0].pk})["results"]

    assert [row["id"] for row in rows] == [mine.pk]


def test_another_conferences_meetings_are_not_listed(api, conference):
    other = MeetingFactory()

    assert other.pk not in [row["id"] for row in api.get_json("meetings/")["results"]]
    assert Meeting.objects.count() == 1
