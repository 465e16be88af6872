"""
schedule.xml and schedule.json in the frab format, checked against the
schemas c3voc publishes (stored in tests/sessions_app/schemas/, with their
source) and read back as a conference app would read them.
"""

import copy
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft6Validator, FormatChecker
from lxml import etree

from sessions_app.models import Session, SessionSpeaker
from tests.factories import RoomFactory, SessionFactory, SpeakerFactory, local_time
from tests.helpers import body, hours, publish, url

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
BIO = "Twenty years in cathode chemistry; never quoted in public."


@pytest.fixture(scope="module")
def xml_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def json_validator():
    lines = (SCHEMAS / "schedule.schema.jsonc").read_text(encoding="utf-8").splitlines()
    schema = json.loads("\n".join(line for line in lines if not line.lstrip().startswith("//")))
    # The published schema types `do_not_record` as a string, yet its own
    # example files (pretalx-democon.json) and c3voc's library write the
    # boolean that frab and pretalx emit; the feed follows them.
    schema["definitions"]["Event"]["properties"]["do_not_record"]["type"].append("boolean")
    # Formats checked without optional packages. Not `date-time`: the schema
    # gives it to an event's `start`, which frab, pretalx and the schema's
    # own examples write as "HH:MM".
    return Draft6Validator(schema, format_checker=FormatChecker(formats=("date", "uuid")))


@pytest.fixture
def programme(conference, organiser, agenda):
    """
    The `agenda` fixture grown into a demo-like programme, release 3:
    speakers on the opening (the chair has a bio), a closed-door roundtable,
    a B2B block, a lunch with no room, a dinner that runs past midnight, a
    talk at 01:00 on the second calendar day, a Japanese title, the panel
    cancelled, a site visit published once and then taken off the agenda, and
    a draft never published.
    """
    hall = agenda["opening"].room
    annexe = RoomFactory(conference=conference, name="Annexe", location="Ground floor")
    chair = SpeakerFactory(conference=conference, name="Asha Rao", bio=BIO)
    speaker = SpeakerFactory(conference=conference, name="Kenji Sato")
    SessionSpeaker.objects.create(
        session=agenda["opening"], speaker=chair, role=SessionSpeaker.Role.CHAIR, position=0
    )
    SessionSpeaker.objects.create(session=agenda["opening"], speaker=speaker, position=1)

    def session(key, title, kind, start, length=1, room=annexe, **extra):
        agenda[key] = SessionFactory(
            conference=conference,
            room=room,
            title=title,
            kind=kind,
            starts_at=start,
            ends_at=start + hours(length),
            **extra,
        )

    session(
        "closed",
        "Offtake financing roundtable",
        Session.Kind.CLOSED_DOOR,
        local_time(conference, 14),
        description="Financiers and recyclers on offtake terms.",
    )
    SessionSpeaker.objects.create(session=agenda["closed"], speaker=chair)
    session("b2b", "B2B meetings", Session.Kind.B2B_BLOCK, local_time(conference, 15, 30))
    session("lunch", "Lunch", Session.Kind.BREAK, local_time(conference, 13), room=None)
    session("dinner", "Conference dinner", Session.Kind.PLENARY, local_time(conference, 22), 3)
    session(
        "night",
        "Night owls: cell teardown",
        Session.Kind.WORKSHOP,
        local_time(conference, 1, day=1),
        room=hall,
    )
    session(
        "japanese",
        "日本の電池サプライチェーン",
        Session.Kind.PANEL,
        local_time(conference, 9, 30, day=1),
    )
    session("visit", "Site visit", Session.Kind.WORKSHOP, local_time(conference, 16, day=1))
    session(
        "draft",
        "Unannounced draft",
        Session.Kind.PANEL,
        local_time(conference, 17),
        published=False,
    )
    publish(conference, organiser)
    Session.objects.filter(pk=agenda["panel"].pk).update(is_cancelled=True)
    Session.objects.filter(pk=agenda["visit"].pk).update(published=False)
    publish(conference, organiser)
    return agenda


def get_xml(client, conference, **headers):
    response = client.get(url(conference, "schedule.xml"), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return response, etree.fromstring(body(response))


def get_json(client, conference, **headers):
    response = client.get(url(conference, "schedule.json"), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response, json.loads(body(response))


def xml_events(doc):
    return {e.findtext("title"): e for e in doc.iterfind("day/room/event")}


def json_events(data):
    return {
        event["title"]: event
        for day in data["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    }


def schema_errors(validator, data):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_the_xml_is_valid_by_the_published_schema(client, conference, programme, xml_schema):
    _response, doc = get_xml(client, conference)

    assert xml_schema.validate(doc), xml_schema.error_log
    assert len(doc.findall("day/room/event")) == 10


def test_the_json_is_valid_by_the_published_schema(client, conference, programme, json_validator):
    _response, data = get_json(client, conference)

    assert schema_errors(json_validator, data) == []
    assert data["$schema"] == "https://c3voc.de/schedule/schema.json"
    assert data["schedule"]["version"] == "3"
    assert len(json_events(data)) == 10


def test_the_schemas_refuse_what_apps_could_not_read(
    client, conference, programme, xml_schema, json_validator
):
    """The validation is not vacuous: a broken event fails it."""
    _response, doc = get_xml(client, conference)
    event = doc.find("day/room/event")
    event.find("duration").text = "an hour"
    del event.attrib["guid"]
    _response, data = get_json(client, conference)
    broken = copy.deepcopy(data)
    first_day = broken["schedule"]["conference"]["days"][0]
    next(iter(first_day["rooms"].values()))[0]["guid"] = "not-a-uuid"
    del broken["schedule"]["conference"]["daysCount"]

    assert not xml_schema.validate(doc)
    assert len(schema_errors(json_validator, broken)) == 2


def test_only_sessions_still_on_the_agenda_are_listed(client, conference, programme):
    _response, doc = get_xml(client, conference)
    _response, data = get_json(client, conference)

    for titles in (set(xml_events(doc)), set(json_events(data))):
        assert "Unannounced draft" not in titles  # never published
        assert "Site visit" not in titles  # taken off the agenda
        assert "Offtake panel" not in titles
        assert "Cancelled: Offtake panel" in titles  # kept, marked, as on the agenda page
    cancelled = json_events(data)["Cancelled: Offtake panel"]
    assert cancelled["id"] == programme["panel"].pk
    assert cancelled["do_not_record"] is True


def test_it_shows_no_more_than_agenda_json(client, conference, programme):
    agenda = json.loads(body(client.get(url(conference, "agenda.json"))))
    on_agenda = {s["id"] for s in agenda["sessions"] if s["status"] != "removed"}
    xml = body(client.get(url(conference, "schedule.xml"))).decode()
    data = json.loads(body(client.get(url(conference, "schedule.json"))))

    assert {e["id"] for e in json_events(data).values()} == on_agenda
    assert {int(e.get("id")) for e in xml_events(etree.fromstring(xml.encode())).values()} == (
        on_agenda
    )
    assert BIO not in xml
    assert BIO not in json.dumps(data, ensure_ascii=False)


def test_closed_door_sessions_are_listed_as_on_the_agenda_and_never_recorded(
    client, conference, programme
):
    _response, doc = get_xml(client, conference)
    _response, data = get_json(client, conference)
    closed_xml = xml_events(doc)["Offtake financing roundtable"]
    closed = json_events(data)["Offtake financing roundtable"]

    assert closed_xml.findtext("type") == "closed_door"
    assert closed_xml.findtext("recording/optout") == "true"
    assert closed["do_not_record"] is True
    assert closed["abstract"] == "Financiers and recyclers on offtake terms."
    assert [p["name"] for p in closed["persons"]] == ["Asha Rao"]
    assert xml_events(doc)["B2B meetings"].findtext("recording/optout") == "true"
    assert xml_events(doc)["Opening plenary"].findtext("recording/optout") == "false"
    assert json_events(data)["Opening plenary"]["do_not_record"] is False


def test_times_are_conference_time_and_a_night_belongs_to_the_day_before(
    client, conference, programme
):
    _response, doc = get_xml(client, conference)
    _response, data = get_json(client, conference)
    first = data["schedule"]["conference"]["days"][0]
    opening = json_events(data)["Opening plenary"]
    first_date = conference.start_date.isoformat()

    assert data["schedule"]["conference"]["time_zone_name"] == "Asia/Kolkata"
    assert doc.findtext("conference/time_zone_name") == "Asia/Kolkata"
    assert opening["date"] == local_time(conference, 9, 30).isoformat()
    assert opening["date"].endswith("+05:30")
    assert (opening["start"], opening["duration"]) == ("09:30", "01:00")
    assert (first["index"], first["date"]) == (1, first_date)
    assert first["day_start"] == f"{first_date}T04:00:00+05:30"
    next_date = (conference.start_date + hours(24)).isoformat()
    assert first["day_end"] == f"{next_date}T03:59:00+05:30"
    # 01:00 on the second calendar day: still the first day's night.
    night = first["rooms"]["Darbar Hall"][-1]
    assert night["title"] == "Night owls: cell teardown"
    assert (night["start"], night["date"][:10]) == ("01:00", next_date)
    assert json_events(data)["Conference dinner"]["duration"] == "03:00"
    xml_first = doc.find("day[@index='1']")
    assert xml_first.get("start") == f"{first_date}T04:00:00+05:30"
    assert "Night owls: cell teardown" in [e.findtext("title") for e in xml_first.iter("event")]


def test_rooms_are_grouped_per_day_and_a_roomless_session_is_at_the_venue(
    client, conference, programme
):
    _response, doc = get_xml(client, conference)
    _response, data = get_json(client, conference)
    rooms = [r.get("name") for r in doc.find("day[@index='1']").iterfind("room")]

    # By position, then name (all at 0 here); the venue last.
    assert rooms == ["Annexe", "Darbar Hall", "Lotus Room", conference.venue]
    assert json_events(data)["Lunch"]["room"] == conference.venue
    assert {r["name"] for r in data["schedule"]["conference"]["rooms"]} == {
        "Darbar Hall",
        "Lotus Room",
        "Annexe",
        conference.venue,
    }
    second = data["schedule"]["conference"]["days"][1]
    assert list(second["rooms"]) == ["Annexe"]
    assert [e["title"] for e in second["rooms"]["Annexe"]] == ["日本の電池サプライチェーン"]


def test_guids_and_slugs_are_stable_and_unique(client, conference, organiser, programme):
    _response, data = get_json(client, conference)
    before = {e["id"]: (e["guid"], e["slug"]) for e in json_events(data).values()}
    publish(conference, organiser)
    _response, again = get_json(client, conference)
    _response, japanese = get_json(client, conference, HTTP_ACCEPT_LANGUAGE="ja")
    opening = json_events(data)["Opening plenary"]
    acronym = conference.slug.replace("-", "_")

    assert again["schedule"]["version"] == "4"
    assert {e["id"]: (e["guid"], e["slug"]) for e in json_events(again).values()} == before
    assert {e["id"]: (e["guid"], e["slug"]) for e in json_events(japanese).values()} == before
    assert len({guid for guid, _slug in before.values()}) == len(before)
    assert uuid.UUID(opening["guid"]).version == 5
    assert opening["slug"] == f"{acronym}-{programme['opening'].pk}-opening-plenary"
    assert json_events(data)["日本の電池サプライチェーン"]["slug"] == (
        f"{acronym}-{programme['japanese'].pk}"
    )
    assert data["schedule"]["conference"]["acronym"] == acronym


def test_the_feeds_answer_304_until_the_next_publish(client, conference, organiser, programme):
    etags = {}
    for path in ("schedule.xml", "schedule.json"):
        first = client.get(url(conference, path))
        etags[path] = first["ETag"]
        again = client.get(url(conference, path), HTTP_IF_NONE_MATCH=first["ETag"])

        assert first["Access-Control-Allow-Origin"] == "*"
        assert "no-cache" in first["Cache-Control"]
        assert again.status_code == 304
        assert again["ETag"] == first["ETag"]
    assert etags["schedule.xml"] != etags["schedule.json"]

    publish(conference, organiser)
    for path, etag in etags.items():
        fresh = client.get(url(conference, path), HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200
        assert fresh["ETag"] != etag


def test_the_japanese_variant_is_translated_and_still_valid(
    client, conference, programme, xml_schema, json_validator
):
    english, _data = get_json(client, conference)
    response, data = get_json(client, conference, HTTP_ACCEPT_LANGUAGE="ja")
    _xml_response, doc = get_xml(client, conference, HTTP_ACCEPT_LANGUAGE="ja")
    opening = json_events(data)["Opening plenary"]

    assert opening["description"].startswith("登壇者：Asha Rao (議長), Kenji Sato")
    assert xml_events(doc)["Opening plenary"].findtext("description") == opening["description"]
    assert opening["language"] == "en"  # the session's language, not the feed's
    assert response["ETag"] != english["ETag"]
    assert "Accept-Language" in response["Vary"]
    assert schema_errors(json_validator, data) == []
    assert xml_schema.validate(doc), xml_schema.error_log


def test_an_unpublished_agenda_is_a_valid_schedule_of_empty_days(
    client, conference, xml_schema, json_validator
):
    _response, doc = get_xml(client, conference)
    _response, data = get_json(client, conference)

    assert xml_schema.validate(doc), xml_schema.error_log
    assert schema_errors(json_validator, data) == []
    assert [d["date"] for d in data["schedule"]["conference"]["days"]] == [
        conference.start_date.isoformat(),
        conference.end_date.isoformat(),
    ]
    assert json_events(data) == {}
    assert doc.findtext("version") == "0"


def test_the_agenda_page_links_to_both(client, conference, agenda):
    html = client.get(url(conference, "agenda/")).content.decode()

    assert f'href="{url(conference, "schedule.xml")}"' in html
    assert f'href="{url(conference, "schedule.json")}"' in html
