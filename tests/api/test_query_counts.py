"""
Every list of the API costs the same number of queries at 3 rows as at 30:
the number is pinned per list. Each count follows a warm-up request: the
token's lookup is then cached, its last use is written at most once a
minute, and the published agenda is built once per release.
"""

import pytest
from django.utils import timezone

from accounts.models import Invitation, Registration
from conference.api.scopes import Scope
from sessions_app.models import SessionSpeaker
from tests.api.client import ApiClient
from tests.factories import (
    ConferenceFactory,
    InvitationFactory,
    MeetingFactory,
    MeetingSeatFactory,
    OrganisationFactory,
    RegistrationFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TableFactory,
    TrackFactory,
)
from tests.helpers import make_slots, publish

pytestmark = pytest.mark.django_db


def rooms(conference, n):
    for _ in range(n):
        RoomFactory(conference=conference)


def tracks(conference, n):
    for _ in range(n):
        TrackFactory(conference=conference)


def sessions(conference, n):
    track = TrackFactory(conference=conference)
    for _ in range(n):
        session = SessionFactory(conference=conference, track=track)
        for speaker in SpeakerFactory.create_batch(2, conference=conference):
            SessionSpeaker.objects.create(session=session, speaker=speaker)
    publish(conference)


def releases(conference, n):
    for i in range(n):
        SessionFactory(conference=conference, title=f"Added before release {i}")
        publish(conference)


def registrations(conference, n):
    for i in range(n):
        RegistrationFactory(conference=conference, approved=i % 2 == 0)


def invitations(conference, n):
    for i in range(n):
        InvitationFactory(
            conference=conference,
            status=Invitation.Status.SENT,
            organisation=OrganisationFactory() if i % 2 else None,
        )


def slots(conference, n):
    make_slots(conference, n)


def tables(conference, n):
    for _ in range(n):
        TableFactory(conference=conference)


def meetings(conference, n):
    for slot in make_slots(conference, n):
        meeting = MeetingFactory(conference=conference, slot=slot)
        for _ in range(2):
            MeetingSeatFactory(meeting=meeting, slot=slot)


def arrivals(conference, n):
    registrations(conference, n)
    Registration.objects.filter(conference=conference).update(checked_in_at=timezone.now())


# (path, scopes, build, queries), with the token's lookup cached.
LISTS = [
    ("rooms/", [Scope.AGENDA_READ], rooms, 1),
    ("tracks/", [Scope.AGENDA_READ], tracks, 1),
    ("sessions/", [Scope.AGENDA_READ], sessions, 1),
    ("releases/", [Scope.AGENDA_READ], releases, 1),
    ("organisations/", [Scope.REGISTRATIONS_READ], registrations, 1),
    ("registrations/", [Scope.REGISTRATIONS_READ], registrations, 1),
    # The ID data read is audited: a savepoint around the audit entry.
    ("registrations/", [Scope.REGISTRATIONS_ID_DATA], registrations, 4),
    ("invitations/", [Scope.INVITATIONS_WRITE], invitations, 1),
    ("meeting-slots/", [Scope.MEETINGS_READ], slots, 1),
    ("meeting-tables/", [Scope.MEETINGS_READ], tables, 1),
    ("meetings/", [Scope.MEETINGS_READ], meetings, 2),
    ("checkins/", [Scope.CHECKIN_WRITE], arrivals, 1),
]


@pytest.mark.parametrize(
    ("path", "scopes", "build", "queries"),
    LISTS,
    ids=[f"{path}{'+'.join(scopes)}" for path, scopes, _b, _q in LISTS],
)
def test_a_list_costs_the_same_queries_whatever_its_size(
    path, scopes, build, queries, django_assert_num_queries
):
    counted = []
    for size in (3, 30):
        conference = ConferenceFactory()
        build(conference, size)
        api = ApiClient.for_scopes(conference, *scopes)
        warm_up = api.get_json(path, {"limit": 100})
        assert len(warm_up["results"]) >= size // 2, path  # the rows are really listed
        with django_assert_num_queries(queries) as captured:
            api.get_json(path, {"limit": 100})
        counted.append(len(captured))
    assert counted == [queries, queries]


def test_the_whole_list_is_covered():
    """A new list endpoint of the API needs its row in LISTS."""
    from conference.api.api import api

    schema = api.get_openapi_schema(path_prefix="/")
    components = schema["components"]["schemas"]

    def is_list(operation):
        content = operation["responses"][200].get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        return "results" in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})

    lists = {
        path.removeprefix("/events/{slug}/")
        for path, operations in schema["paths"].items()
        if "get" in operations
        and is_list(operations["get"])
        # The webhooks' lists are pinned by tests/api/webhooks/.
        and "/webhooks/" not in path
    }
    assert lists == {path for path, *_rest in LISTS}
