"""
Sync-friendly lists: cursor pages that never repeat or skip a row while
rows are written between pages, `updated_since` for what changed, and ETags
that let an unchanged page come back as a bodiless 304.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Registration
from conference.api.scopes import Scope
from tests.api.client import ApiClient
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(conference):
    return ApiClient.for_scopes(conference, Scope.REGISTRATIONS_READ)


def test_paging_through_while_rows_are_added_and_changed_misses_none_and_repeats_none(
    api, conference
):
    registrations = [RegistrationFactory(conference=conference) for _ in range(7)]
    seen = []
    page = api.get_json("registrations/", {"limit": 3})
    seen.extend(row["id"] for row in page["results"])
    # Between pages: a new registration, and a change to one not yet seen.
    added = RegistrationFactory(conference=conference)
    unseen = next(r for r in registrations if r.pk not in seen)
    unseen.job_title = "Chief executive"
    unseen.save()
    while page["next"]:
        page = api.get_json(page["next"])
        seen.extend(row["id"] for row in page["results"])

    assert len(seen) == len(set(seen))
    assert set(seen) == {r.pk for r in registrations} | {added.pk}
    # The changed row moved to the end, with the new one: both in the last pages.
    assert seen[-2:] == [added.pk, unseen.pk] or seen[-2:] == [unseen.pk, added.pk]


def test_the_next_link_keeps_the_filters(api, conference):
    for _ in range(3):
        RegistrationFactory(conference=conference, status=Registration.Status.APPROVED)
    RegistrationFactory(conference=conference, status=Registration.Status.PENDING)

    page = api.get_json("registrations/", {"status": "approved", "limit": 2})
    rows = api.all_pages("registrations/", {"status": "approved", "limit": 2})

    assert "status=approved" in page["next"] and "limit=2" in page["next"]
    assert len(rows) == 3 and {row["status"] for row in rows} == {"approved"}


def test_updated_since_gives_only_what_changed_after_it(api, conference):
    old = RegistrationFactory(conference=conference)
    changed = RegistrationFactory(conference=conference)
    long_ago = timezone.now() - datetime.timedelta(days=2)
    Registration.objects.filter(pk__in=[old.pk, changed.pk]).update(updated_at=long_ago)
    mark = long_ago + datetime.timedelta(days=1)
    changed.job_title = "Head of procurement"
    changed.save()

    rows = api.get_json("registrations/", {"updated_since": mark.isoformat()})["results"]

    assert [row["id"] for row in rows] == [changed.pk]


def test_the_greatest_updated_at_of_a_sync_asks_for_nothing_more(api, conference):
    for _ in range(3):
        RegistrationFactory(conference=conference)
    rows = api.all_pages("registrations/")
    newest = max(row["updated_at"] for row in rows)

    again = api.get_json("registrations/", {"updated_since": newest})

    # Times keep their microseconds: the newest row is not sent again.
    assert again["results"] == []


def test_an_unchanged_list_answers_304_to_its_etag(api, conference):
    registration = RegistrationFactory(conference=conference)
    first = api.get("registrations/")
    etag = first["ETag"]

    unchanged = api.get("registrations/", headers={"HTTP_IF_NONE_MATCH": etag})
    registration.job_title = "Changed"
    registration.save()
    changed = api.get("registrations/", headers={"HTTP_IF_NONE_MATCH": etag})

    assert etag.startswith('"') and etag.endswith('"')
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_api_answers_are_kept_out_of_shared_caches(api):
    response = api.get("registrations/")

    assert "private" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]
