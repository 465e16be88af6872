"""
The agenda builder as a new organiser finds it: new sessions say when they
become public, the publish panel never claims "Nothing to publish" while
sessions are left out, length changes are listed as such, and an empty cell
of the timetable opens the new-session form at its place.
"""

import pytest

from sessions_app import services
from sessions_app.models import Session
from tests.factories import ConferenceFactory, RoomFactory, SessionFactory, local_time
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def new_session_data(conference, room, **fields):
    return {
        "title": "Joint R&D",
        "kind": "workshop",
        "room": room.pk,
        "starts_at": local_time(conference, 14).strftime(LOCAL),
        "ends_at": local_time(conference, 15).strftime(LOCAL),
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        **fields,
    }


def builder_html(client, conference):
    return client.get(url(conference, "manage/agenda/")).content.decode()


def test_the_new_session_form_starts_marked_published(conference, organiser):
    response = login(organiser).get(url(conference, "manage/agenda/sessions/new/"))

    assert response.context["form"]["published"].value() is True


def test_a_new_session_is_announced_as_not_yet_public_until_the_agenda_is_published(
    conference, organiser
):
    room = RoomFactory(conference=conference)
    client = login(organiser)

    response = client.post(
        url(conference, "manage/agenda/sessions/new/"),
        new_session_data(conference, room, published="on"),
        follow=True,
    )

    html = response.content.decode()
    assert "“Joint R&amp;D” is saved. Not yet public: publish the agenda" in html
    assert "Not yet public: 1 change since the last version" in html
    assert "Publish the agenda" in html
    assert "Nothing to publish" not in html
    assert "not yet public" in html  # the block in the timetable says so too

    publish(conference, organiser)
    html = builder_html(client, conference)
    assert "Nothing to publish: the agenda matches version 1." in html
    assert "not yet public" not in html


def test_an_unmarked_session_is_named_instead_of_nothing_to_publish(conference, organiser):
    room = RoomFactory(conference=conference)
    client = login(organiser)
    SessionFactory(conference=conference, room=room, title="Opening plenary")
    publish(conference, organiser)

    response = client.post(
        url(conference, "manage/agenda/sessions/new/"),
        new_session_data(conference, room, title="Hidden workshop"),  # "published" unticked
        follow=True,
    )

    html = response.content.decode()
    assert "It is not marked “published”, so delegates will not see it" in html
    assert "Nothing to publish" not in html
    assert "1 session is not marked “published”: publishing leaves it out" in html
    hidden = Session.objects.get(title__contains="Hidden workshop")
    assert f'href="/events/{conference.slug}/manage/agenda/sessions/{hidden.pk}/"' in html


def test_the_refreshed_panel_after_a_drag_keeps_the_unmarked_note(conference, organiser):
    room = RoomFactory(conference=conference)
    hidden = SessionFactory(conference=conference, room=room, title="Hidden", published=False)

    response = login(organiser).post(
        url(conference, f"manage/agenda/sessions/{hidden.pk}/move/"),
        {
            "room": room.pk,
            "starts_at": local_time(conference, 11).strftime(LOCAL),
            "ends_at": local_time(conference, 12).strftime(LOCAL),
        },
        headers={"Accept": "application/json"},
    )

    changes_html = response.json()["changes_html"]
    assert "Nothing to publish" not in changes_html
    assert "1 session is not marked “published”" in changes_html


def test_a_length_change_is_listed_with_start_and_end_on_both_sides(conference, organiser):
    session = SessionFactory(conference=conference, title="Offtake panel")  # 09:30–10:30
    publish(conference, organiser)
    services.session_move(
        session=session,
        room=session.room,
        starts_at=session.starts_at,
        ends_at=local_time(conference, 10, 45),
        actor=organiser,
    )

    html = builder_html(login(organiser), conference)

    assert "Length changed" in html
    assert "09:30–10:30 → 09:30–10:45" in html


def test_a_move_lists_start_and_end_on_both_sides(conference, organiser):
    session = SessionFactory(conference=conference, title="Offtake panel")  # 09:30–10:30
    publish(conference, organiser)
    services.session_move(
        session=session,
        room=session.room,
        starts_at=local_time(conference, 15, 15),
        ends_at=local_time(conference, 16, 30),
        actor=organiser,
    )

    html = builder_html(login(organiser), conference)

    day = local_time(conference, 9).strftime("%a")
    assert "Length changed" not in html
    assert f"{day} 09:30–10:30 → {day} 15:15–16:30" in html


def test_an_empty_cell_opens_the_new_session_form_at_its_place(conference, organiser):
    room = RoomFactory(conference=conference, name="Lotus Room")
    starts = local_time(conference, 10, 15)

    response = login(organiser).get(
        url(conference, "manage/agenda/sessions/new/"),
        {"room": room.pk, "starts_at": starts.strftime(LOCAL)},
    )

    initial = response.context["form"].initial
    assert initial["room"] == room.pk
    assert initial["starts_at"] == starts
    assert initial["ends_at"] == local_time(conference, 11, 15)  # an hour by default
    html = response.content.decode()
    assert f'value="{starts.strftime(LOCAL)}"' in html
    assert f'value="{local_time(conference, 11, 15).strftime(LOCAL)}"' in html
    assert f'<option value="{room.pk}" selected>' in html


def test_a_room_of_another_conference_or_a_bad_time_prefills_nothing(conference, organiser):
    theirs = RoomFactory(conference=ConferenceFactory())
    client = login(organiser)
    new = url(conference, "manage/agenda/sessions/new/")

    for query in (
        {"room": theirs.pk, "starts_at": local_time(conference, 10).strftime(LOCAL)},
        {"room": "", "starts_at": "tomorrow at ten"},
        {
            "starts_at": local_time(conference, 10).strftime(LOCAL),
            "ends_at": local_time(conference, 9).strftime(LOCAL),
        },
    ):
        response = client.get(new, query)
        assert response.status_code == 200
        initial = response.context["form"].initial
        assert initial["room"] is None, query
        assert initial["starts_at"] is None, query


def test_the_timetable_offers_empty_cells_and_a_length_grip(conference, organiser):
    SessionFactory(conference=conference)

    html = builder_html(login(organiser), conference)

    assert f'data-new-url="/events/{conference.slug}/manage/agenda/sessions/new/"' in html
    assert 'class="tt-resize"' in html
    assert "Click an empty slot to add a session there." in html
