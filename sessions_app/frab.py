"""
The published agenda in the frab schedule format: schedule.xml and
schedule.json, which conference apps (Giggity, ConfClerk, EventFahrplan) and
the c3voc recording tools read.

Both files are written from one list of days (`_schedule`), so they always
carry the same events. Like the other public feeds they are a pure function
of (release, language) and are cached under that key
(`sessions_app.views.public._public_feed`). They show what agenda.json shows
and nothing more: a speaker's bio, which only the session page shows, stays
out.
"""

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext

from conference.core.calendar import ics_uid
from sessions_app import selectors
from sessions_app.feeds import _session_description, _session_url
from sessions_app.models import Session

GENERATOR = "conference-portal"
JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
XML_SCHEMA_URL = "https://c3voc.de/schedule/schema.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("xsi", XSI)

# frab's day change: a dinner that runs past midnight stays on the day it
# started, as it does in the apps' day tabs.
DAY_CHANGE = time(4, 0)

# Recording these would break the confidence they are held in (the B2B block
# is when the closed-door meetings run); c3voc's tools skip an opted-out event.
NOT_RECORDED_KINDS = frozenset({Session.Kind.CLOSED_DOOR, Session.Kind.B2B_BLOCK})


@dataclass
class _Room:
    name: str
    guid: str
    description: str = ""


@dataclass
class _Day:
    index: int
    day: date
    start: datetime
    end: datetime
    rooms: dict = field(default_factory=dict)  # room name -> [event dict]


def _guid(uid):
    # uuid5 of the ICS UID: the same session keeps the same guid in every
    # release, language and format (the namespace must never change).
    return str(uuid.uuid5(uuid.NAMESPACE_URL, uid))


def _hhmm(delta):
    hours, minutes = divmod(int(delta.total_seconds()) // 60, 60)
    return f"{hours:02d}:{minutes:02d}"


def _acronym(conference):
    # The published schema allows a hyphen in an acronym only before a
    # year ("camp-2023-x"); c3voc's tools use it as a file and path name.
    return conference.slug.lower().replace("-", "_")


def _conference_day(starts_at):
    day = starts_at.date()
    return day - timedelta(days=1) if starts_at.time() < DAY_CHANGE else day


def _event(conference, item, *, starts_at, ends_at, acronym, room):
    title = item["title"]
    # frab has no status. A cancelled session is kept, marked in its title,
    # as the agenda page keeps it with a badge: Giggity and ConfClerk keep no
    # change log, so an event that vanished would leave whoever starred it
    # none the wiser. Sessions taken off the agenda are left out.
    if item["cancelled"]:
        title = gettext("Cancelled: %(title)s") % {"title": title}
    title_slug = slugify(item["title"])[:50].strip("-_")
    speakers = item.get("speakers") or []
    return {
        "id": item["id"],
        "guid": _guid(ics_uid("session", item["id"])),
        "date": starts_at.isoformat(),
        "start": starts_at.strftime("%H:%M"),
        "duration": _hhmm(ends_at - starts_at),
        "room": room,
        "slug": "-".join(filter(None, [acronym, str(item["id"]), title_slug])),
        "url": _session_url(conference, item),
        "title": title,
        "subtitle": "",
        "track": item["track"] or None,
        "type": item["kind"],
        # The language the title is shown in (the feed's, where written;
        # else the conference's default), set by `release_snapshot`.
        "language": item.get("language") or settings.LANGUAGE_CODE,
        "abstract": item["description"],
        # Who speaks in which role, in the feed's language.
        "description": _session_description({**item, "description": ""}),
        "recording_license": "",
        # A cancelled session has nothing to record.
        "do_not_record": item["kind"] in NOT_RECORDED_KINDS or item["cancelled"],
        # `name` for today's readers, `public_name` for frab's older ones.
        "persons": [{"name": s["name"], "public_name": s["name"]} for s in speakers],
        "links": [],
        "attachments": [],
    }


def _schedule(conference, release):
    """(rooms, days) of the release's sessions, in the conference's zone."""
    tz = conference.tz
    acronym = _acronym(conference)
    items = selectors.agenda_items(release=release)
    rooms = {}
    # A session with no room (a coffee break) is held across the venue.
    venue = _Room(
        name=conference.venue or gettext("Venue"),
        guid=_guid(ics_uid("venue", conference.pk)),
    )
    for item in sorted(items, key=lambda i: (i.get("room_position", 0), i["room"])):
        if item["room"] and item["room"] not in rooms:
            rooms[item["room"]] = _Room(
                name=item["room"],
                guid=_guid(ics_uid("room", item["room_id"])),
                description=item.get("room_location", ""),
            )
    if any(not item["room"] for item in items):
        rooms.setdefault(venue.name, venue)

    events_by_day = {}
    for item in items:
        local = selectors.session_localise(item, tz)
        event = _event(
            conference,
            item,
            starts_at=local["starts_at"],
            ends_at=local["ends_at"],
            acronym=acronym,
            room=item["room"] or venue.name,
        )
        day = _conference_day(local["starts_at"])
        events_by_day.setdefault(day, []).append((local["starts_at"], event))

    # Every day of the conference has its tab, with sessions or not.
    dates = set(events_by_day)
    day = conference.start_date
    while day <= conference.end_date:
        dates.add(day)
        day += timedelta(days=1)
    days = []
    for index, day in enumerate(sorted(dates), start=1):
        start = datetime.combine(day, DAY_CHANGE, tzinfo=tz)
        # frab and pretalx end a day a minute before the next one starts.
        end = datetime.combine(day + timedelta(days=1), DAY_CHANGE, tzinfo=tz)
        schedule_day = _Day(index=index, day=day, start=start, end=end - timedelta(minutes=1))
        for _starts_at, event in sorted(events_by_day.get(day, []), key=lambda e: e[0]):
            schedule_day.rooms.setdefault(event["room"], []).append(event)
        # Rooms in the agenda's order, each day alike.
        schedule_day.rooms = {
            name: schedule_day.rooms[name] for name in rooms if name in schedule_day.rooms
        }
        days.append(schedule_day)
    return list(rooms.values()), days


def _base_url(conference):
    return f"{settings.SITE_ROOT}{reverse('conference:home', args=[conference.slug])}"


def _version(release):
    return str(release.number if release else 0)


def schedule_json(*, conference, release):
    """The published agenda as frab/c3voc schedule.json (c3voc's published JSON schema)."""
    rooms, days = _schedule(conference, release)
    agenda_path = reverse("sessions_app:agenda", args=[conference.slug])
    data = {
        "$schema": JSON_SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {
            "version": _version(release),
            "base_url": _base_url(conference),
            "conference": {
                "acronym": _acronym(conference),
                "title": str(conference.name),
                "start": min(conference.start_date, days[0].day).isoformat(),
                "end": max(conference.end_date, days[-1].day).isoformat(),
                "daysCount": len(days),
                "timeslot_duration": _hhmm(timedelta(minutes=selectors.GRID_STEP_MINUTES)),
                "time_zone_name": conference.time_zone,
                "url": f"{settings.SITE_ROOT}{agenda_path}",
                "rooms": [
                    {"name": r.name, "guid": r.guid, "description": r.description or None}
                    for r in rooms
                ],
                "days": [
                    {
                        "index": d.index,
                        "date": d.day.isoformat(),
                        "day_start": d.start.isoformat(),
                        "day_end": d.end.isoformat(),
                        "rooms": d.rooms,
                    }
                    for d in days
                ],
            },
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _text(parent, tag, value, **attrs):
    element = ET.SubElement(parent, tag, attrs)
    element.text = "" if value is None else str(value)
    return element


def _xml_event(parent, event):
    element = ET.SubElement(parent, "event", {"id": str(event["id"]), "guid": event["guid"]})
    for tag in (
        "date",
        "start",
        "duration",
        "room",
        "slug",
        "url",
        "title",
        "subtitle",
        "track",
        "type",
        "language",
        "abstract",
        "description",
    ):
        _text(element, tag, event[tag])
    recording = ET.SubElement(element, "recording")
    _text(recording, "license", event["recording_license"])
    _text(recording, "optout", "true" if event["do_not_record"] else "false")
    persons = ET.SubElement(element, "persons")
    for person in event["persons"]:
        _text(persons, "person", person["name"])
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")


def schedule_xml(*, conference, release):
    """
    The published agenda as frab schedule.xml (c3voc's published XSD). The
    XSD has no `url` in the conference element: the address is `base_url`.
    """
    _rooms, days = _schedule(conference, release)
    root = ET.Element("schedule", {f"{{{XSI}}}noNamespaceSchemaLocation": XML_SCHEMA_URL})
    ET.SubElement(root, "generator", {"name": GENERATOR})
    _text(root, "version", _version(release))
    element = ET.SubElement(root, "conference")
    _text(element, "acronym", _acronym(conference))
    _text(element, "title", str(conference.name))
    _text(element, "start", min(conference.start_date, days[0].day).isoformat())
    _text(element, "end", max(conference.end_date, days[-1].day).isoformat())
    _text(element, "days", len(days))
    _text(element, "timeslot_duration", _hhmm(timedelta(minutes=selectors.GRID_STEP_MINUTES)))
    _text(element, "base_url", _base_url(conference))
    _text(element, "time_zone_name", conference.time_zone)
    for day in days:
        day_element = ET.SubElement(
            root,
            "day",
            {
                "index": str(day.index),
                "date": day.day.isoformat(),
                "start": day.start.isoformat(),
                "end": day.end.isoformat(),
            },
        )
        for name, events in day.rooms.items():
            room_element = ET.SubElement(day_element, "room", {"name": name})
            for event in events:
                _xml_event(room_element, event)
    ET.indent(root)
    # The declaration in the form frab and pretalx write.
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
