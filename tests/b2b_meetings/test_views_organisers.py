"""The B2B pages through HTTP: the organisers' flows (grid, conflicts, locks, rules, stats)."""

import pytest

from b2b_meetings.models import Meeting, Unavailability
from tests.helpers import book_meeting, listed, login, send_request, url

pytestmark = pytest.mark.django_db


# Organisers' flows -------------------------------------------------------------------


def test_the_grid_shows_every_meeting_to_organisers(
    conference, tables, slots, recycler, oem, financier, organiser
):
    book_meeting(conference, slots[0], [recycler, oem])
    book_meeting(conference, slots[1], [financier, oem], table=tables[2])

    html = login(organiser).get(url(conference, "manage/b2b/")).content.decode()

    for person in (recycler, oem, financier):
        assert person.user.display_name in html


def test_organisers_see_conflicts_before_booking_and_must_confirm_warnings(
    conference, tables, slots, recycler, oem, organiser
):
    Unavailability.objects.create(registration=oem, slot=slots[0])
    client = login(organiser)
    form = url(conference, "manage/b2b/meetings/new/")
    data = {"first": recycler.pk, "second": oem.pk, "slot": slots[0].pk, "table": tables[0].pk}

    warned = client.post(form, data)
    assert warned.status_code == 200
    assert "marked this slot unavailable" in warned.content.decode()
    assert not Meeting.objects.exists()

    booked = client.post(form, {**data, "confirm": "on"})
    assert booked.status_code == 302
    assert Meeting.objects.get().created_by == organiser


def test_organisers_are_refused_hard_conflicts(
    conference, tables, slots, recycler, oem, financier, organiser
):
    book_meeting(conference, slots[0], [recycler, oem], table=tables[0])
    data = {
        "first": financier.pk,
        "second": oem.pk,
        "slot": slots[0].pk,
        "table": tables[0].pk,
        "confirm": "on",
    }

    response = login(organiser).post(url(conference, "manage/b2b/meetings/new/"), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "already has a meeting in this slot" in html and "is taken in this slot" in html
    assert Meeting.objects.count() == 1


def test_organisers_see_an_organisation_at_its_meeting_limit_before_saving(
    conference, tables, slots, recycler, oem, financier, organiser
):
    conference.b2b_max_meetings_per_organisation = 1
    conference.save()
    book_meeting(conference, slots[0], [recycler, oem], table=tables[0])
    colleague = listed(conference, organisation=recycler.organisation)
    data = {
        "first": colleague.pk,
        "second": financier.pk,
        "slot": slots[1].pk,
        "table": tables[0].pk,
        "confirm": "on",
    }

    response = login(organiser).post(url(conference, "manage/b2b/meetings/new/"), data)

    assert response.status_code == 409
    assert f"{recycler.organisation.name} has reached its limit of 1 meetings" in (
        response.content.decode()
    )
    assert Meeting.objects.count() == 1


def test_a_drop_on_the_grid_shows_the_move_with_its_conflicts_before_saving(
    conference, tables, slots, recycler, oem, organiser
):
    meeting = book_meeting(conference, slots[0], [recycler, oem], table=tables[0])
    Unavailability.objects.create(registration=recycler, slot=slots[2])
    client = login(organiser)
    move = url(conference, f"manage/b2b/meetings/{meeting.pk}/move/")

    preview = client.get(move, {"slot": slots[2].pk, "table": tables[1].pk})
    assert "marked this slot unavailable" in preview.content.decode()
    meeting.refresh_from_db()
    assert meeting.slot == slots[0]

    client.post(move, {"slot": slots[2].pk, "table": tables[1].pk, "confirm": "on"})
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.sequence) == (slots[2], tables[1], 1)


def test_organisers_lock_a_meeting(conference, tables, slots, recycler, oem, organiser):
    meeting = book_meeting(conference, slots[0], [recycler, oem])

    login(organiser).post(
        url(conference, f"manage/b2b/meetings/{meeting.pk}/lock/"), {"locked": "1"}
    )

    meeting.refresh_from_db()
    assert meeting.locked
    response = login(oem.user).post(
        url(conference, f"b2b/meetings/{meeting.pk}/reschedule/"), {"slot": slots[3].pk}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.slot == slots[0]


def test_organisers_save_the_b2b_rules(conference, organiser):
    response = login(organiser).post(
        url(conference, "manage/b2b/setup/"),
        {
            "b2b_slot_minutes": 15,
            "b2b_request_expiry_hours": 48,
            "b2b_max_meetings_per_delegate": 8,
            "b2b_max_meetings_per_organisation": 20,
            "b2b_max_pending_requests": 10,
            "b2b_reminder_minutes": 20,
            "kind_pairs": ["recycler:oem", "recycler:financier"],
        },
    )

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.b2b_slot_minutes == 15
    assert conference.b2b_max_meetings_per_organisation == 20
    assert conference.b2b_kind_rules == [["recycler", "oem"], ["recycler", "financier"]]


def test_organisers_add_tables_and_create_slots_from_the_pages(conference, room, organiser):
    from tests.factories import SessionFactory, local_time

    SessionFactory(
        conference=conference,
        kind="b2b_block",
        starts_at=local_time(conference, 15),
        ends_at=local_time(conference, 16),
    )
    client = login(organiser)

    client.post(
        url(conference, "manage/b2b/setup/tables/"),
        {
            "mode": "bulk",
            "bulk-room": room.pk,
            "bulk-prefix": "B",
            "bulk-first": 1,
            "bulk-count": 4,
            "bulk-seats": 4,
        },
    )
    client.post(url(conference, "manage/b2b/setup/slots/"), {"action": "generate"})

    assert sorted(conference.tables.values_list("label", flat=True)) == [
        "B01",
        "B02",
        "B03",
        "B04",
    ]
    assert conference.meeting_slots.count() == 3


def test_the_stats_page_counts_requests_meetings_and_delegates_without_one(
    conference, tables, slots, recycler, oem, financier, organiser
):
    book_meeting(conference, slots[0], [recycler, oem])
    send_request(conference, financier, oem)

    response = login(organiser).get(url(conference, "manage/b2b/stats/"))

    stats = response.context["stats"]
    assert stats["meetings"] == 1
    assert stats["requests"]["pending"] == 1
    assert [r.pk for r in stats["without_list"]] == [financier.pk]
    assert stats["utilisation"] == round(100 * 1 / (3 * 6))
