"""
Anonymous visitors' shared copies of the agenda and its feeds
(conference/core/shared_cache.py): answered without the database, with the
same headers, and never a copy of another release, language, address or
code version.
"""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conference.core import release as code_release
from sessions_app.models import Session
from tests.helpers import login, publish, url

pytestmark = pytest.mark.django_db

LIVE = {"X-Request-ID", "Set-Cookie", "Date"}


def get(client, conference, path="agenda/", **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(conference, path), **extra)
    return response, len(queries)


def token_of(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_second_visitor_gets_the_shared_copy_with_no_query_and_the_same_headers(
    conference, agenda
):
    first, first_queries = get(Client(), conference)
    second, second_queries = get(Client(), conference)

    assert first_queries > 0 and second_queries == 0
    assert second.status_code == 200
    assert {k: v for k, v in second.headers.items() if k not in LIVE} == {
        k: v for k, v in first.headers.items() if k not in LIVE
    }
    for name in ("Content-Security-Policy", "Vary", "Content-Language", "X-Frame-Options"):
        assert second[name] == first[name]
    assert second["X-Request-ID"] != first["X-Request-ID"]
    # Each visitor their own CSRF token and cookie, as from the view.
    assert token_of(first.content.decode()) != token_of(second.content.decode())
    assert second.cookies["csrftoken"].value
    assert agenda["panel"].title in second.content.decode()


def test_the_token_of_a_shared_copy_is_accepted_with_the_visitors_cookie(conference, agenda):
    get(Client(), conference)
    visitor = Client(enforce_csrf_checks=True)
    response, queries = get(visitor, conference)
    switched = visitor.post(
        "/i18n/setlang/",
        {"language": "ja", "csrfmiddlewaretoken": token_of(response.content.decode()), "next": "/"},
    )

    assert queries == 0
    assert switched.status_code == 302


def test_a_publish_is_seen_by_the_next_anonymous_visitor(conference, organiser, agenda):
    get(Client(), conference)
    Session.objects.filter(pk=agenda["panel"].pk).update(title="Offtake finance, renamed")
    stale, _ = get(Client(), conference)
    publish(conference, organiser)
    fresh, queries = get(Client(), conference)

    assert "Offtake finance, renamed" not in stale.content.decode()
    assert "Offtake finance, renamed" in fresh.content.decode()
    assert queries > 0  # the first after the publish renders it


def test_a_copy_whose_generation_is_gone_is_not_served(conference, agenda):
    get(Client(), conference)
    cache.delete(f"shared-gen:{conference.slug}")  # expired, or Redis restarted

    _response, queries = get(Client(), conference)

    assert queries > 0


def test_each_language_address_and_time_zone_has_its_own_copy(conference, agenda):
    get(Client(), conference)
    japanese, ja_queries = get(Client(), conference, HTTP_ACCEPT_LANGUAGE="ja")
    by_cookie = Client()
    by_cookie.cookies["django_language"] = "ja"
    cookie_ja, cookie_queries = get(by_cookie, conference)
    tokyo, tz_queries = get(Client(), conference, data={"tz": "Asia/Tokyo"})

    assert ja_queries > 0 and japanese["Content-Language"] == "ja"
    assert cookie_queries == 0 and cookie_ja["Content-Language"] == "ja"
    assert 'lang="ja"' in cookie_ja.content.decode()
    assert tz_queries > 0 and "Asia/Tokyo" in tokyo.content.decode()


def test_a_new_code_version_never_gets_the_previous_copy(conference, agenda, settings):
    get(Client(), conference)
    settings.CODE_VERSION = "next-release"
    code_release.code_version.cache_clear()
    try:
        _response, queries = get(Client(), conference)
    finally:
        code_release.code_version.cache_clear()

    assert queries > 0


def test_signed_in_people_and_sessions_never_get_or_make_a_shared_copy(
    conference, agenda, delegate
):
    get(Client(), conference)
    mine, queries = get(login(delegate), conference)
    with_messages = Client()
    with_messages.cookies["messages"] = "x"
    _other, other_queries = get(with_messages, conference)
    after, _ = get(Client(), conference)

    assert queries > 0 and delegate.display_name in mine.content.decode()
    assert other_queries > 0
    assert delegate.display_name not in after.content.decode()


def test_a_bearer_token_is_never_answered_from_the_shared_copy(conference, agenda):
    get(Client(), conference, "agenda.json")
    _response, queries = get(
        Client(), conference, "agenda.json", HTTP_AUTHORIZATION="Bearer not-a-real-token"
    )

    assert queries > 0


@pytest.mark.parametrize("path", ["agenda.ics", "agenda.json"])
def test_feeds_from_the_shared_copy_keep_their_etag_and_answer_304(conference, agenda, path):
    first, _ = get(Client(), conference, path)
    second, queries = get(Client(), conference, path)
    unchanged, unchanged_queries = get(Client(), conference, path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert queries == unchanged_queries == 0
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] and second["Cache-Control"] == first["Cache-Control"]
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == first["ETag"]


def test_an_error_page_is_never_shared(client, conference, agenda):
    missing = url(conference, "agenda/sessions/999999/")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(missing).status_code == 404
        assert len(queries) > 0
