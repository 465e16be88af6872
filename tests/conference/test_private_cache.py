"""
Signed-in pages kept per session (conference/core/private_cache.py): a
second visit is answered from the copy with no rendering, and any write
anywhere (another process's commit, a queryset update, raw SQL, a role
taken away) is seen at the next visit. Writes come from other threads with
their own connections, committed, as other web processes and workers make
them; the control test shows the visit would be stale if writes were not
watched.
"""

import threading

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conference.core import private_cache
from conference.core.models import ConferenceRole, Organisation, Role
from tests.factories import OrganisationFactory
from tests.helpers import listed, login, production_env, run_python, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kept(settings):
    settings.PRIVATE_PAGE_CACHE = True
    private_cache.new_version()


@pytest.fixture
def lohum(conference):
    organisation = OrganisationFactory(name="Lohum Cleantech")
    listed(conference, organisation=organisation)
    return organisation


def elsewhere(work):
    """Runs `work` in another thread, on its own connection, committed when it returns."""
    failures = []

    def run():
        try:
            work()
        except Exception as error:  # reported in the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not failures, failures


def directory(client, conference):
    response = client.get(url(conference, "b2b/"))
    assert response.status_code == 200
    return response.content.decode()


def visited_twice(client, conference):
    """
    The directory seen (and kept) and seen again from the copy. Before, a first
    visit gets the CSRF cookie: a page with a token of a secret the browser
    does not have yet is not kept.
    """
    directory(client, conference)
    first = directory(client, conference)
    assert directory(client, conference) == first
    return first


def test_a_second_visit_comes_from_the_copy_without_the_view(
    conference, delegate, lohum, django_assert_max_num_queries
):
    client = login(delegate)
    directory(client, conference)  # the CSRF cookie
    first = directory(client, conference)
    assert "Lohum Cleantech" in first
    # Only the user's row, which the navigation header reads; no permission
    # lookup, no directory query.
    with django_assert_max_num_queries(1):
        assert directory(client, conference) == first


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda org: Organisation.objects.filter(pk=org.pk).update(name="Lohum Metals"),
            id="queryset-update",
        ),
        pytest.param(lambda org: _save_name(org, "Lohum Metals"), id="save"),
        pytest.param(lambda org: _raw_sql(org, "Lohum Metals"), id="raw-sql"),
    ],
)
def test_a_write_committed_elsewhere_shows_at_the_next_visit(conference, delegate, lohum, write):
    client = login(delegate)
    visited_twice(client, conference)
    elsewhere(lambda: write(lohum))
    page = directory(client, conference)
    assert "Lohum Metals" in page
    assert "Lohum Cleantech" not in page


def test_control_without_watching_writes_the_copy_would_be_stale(
    conference, delegate, lohum, monkeypatch
):
    monkeypatch.setattr(private_cache, "_after_write", lambda connection: None)
    client = login(delegate)
    visited_twice(client, conference)
    elsewhere(lambda: _save_name(lohum, "Lohum Metals"))
    assert "Lohum Cleantech" in directory(client, conference)


def test_a_page_rendered_before_a_transaction_commits_is_not_served_after(
    conference, delegate, lohum
):
    client = login(delegate)
    visited_twice(client, conference)
    written, rendered = threading.Event(), threading.Event()

    def slow_transaction():
        with transaction.atomic():
            _save_name(lohum, "Lohum Metals")
            written.set()
            assert rendered.wait(30)

    thread = threading.Thread(target=lambda: (slow_transaction(), connection.close()))
    thread.start()
    assert written.wait(30)
    # Not committed yet: this visit renders the old name (and keeps that copy).
    assert "Lohum Cleantech" in directory(client, conference)
    rendered.set()
    thread.join(30)
    assert "Lohum Metals" in directory(client, conference)


def test_each_session_has_its_own_copy(conference, delegate, other_delegate):
    mine, theirs = login(delegate), login(other_delegate)
    mine.get(url(conference, "me/"))
    me = mine.get(url(conference, "me/")).content.decode()
    assert mine.get(url(conference, "me/")).content.decode() == me
    them = theirs.get(url(conference, "me/")).content.decode()
    assert delegate.get_full_name() in me
    assert delegate.get_full_name() not in them
    assert other_delegate.get_full_name() in them


def test_an_organiser_whose_role_is_taken_away_is_refused_at_once(conference, organiser):
    client = login(organiser)
    assert client.get(url(conference, "manage/")).status_code == 200
    assert client.get(url(conference, "manage/")).status_code == 200
    elsewhere(lambda: ConferenceRole.objects.filter(user=organiser, role=Role.ORGANISER).delete())
    assert client.get(url(conference, "manage/")).status_code == 403


def test_after_logout_the_copy_is_not_served(conference, delegate, lohum):
    client = login(delegate)
    visited_twice(client, conference)
    client.post("/accounts/logout/")
    response = client.get(url(conference, "b2b/"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_message_waiting_is_shown_and_that_page_is_not_kept(
    conference, delegate, lohum, rf, django_assert_max_num_queries
):
    client = login(delegate)
    kept_page = visited_twice(client, conference)
    # What a view's messages.success() leaves for the next page (in a cookie).
    client.cookies[CookieStorage.cookie_name] = CookieStorage(rf.get("/"))._encode(
        [Message(messages.SUCCESS, "Your request was sent.")]
    )
    assert "Your request was sent." in directory(client, conference)
    with django_assert_max_num_queries(1):
        assert directory(client, conference) == kept_page


def test_an_htmx_request_goes_to_the_view(conference, delegate, lohum):
    client = login(delegate)
    visited_twice(client, conference)
    with CaptureQueriesContext(connection) as queries:
        client.get(url(conference, "b2b/"), headers={"HX-Request": "true"})
    assert len(queries) > 1  # more than the user's row: the view ran


def test_the_copy_follows_the_address_and_language(conference, delegate, lohum):
    client = login(delegate)
    visited_twice(client, conference)
    other = OrganisationFactory(name="Toyota Tsusho")
    listed(conference, organisation=other)  # a write: every copy goes
    found = client.get(url(conference, "b2b/?q=Toyota")).content.decode()
    assert "Toyota Tsusho" in found
    assert "Lohum Cleantech" not in found
    client.cookies["django_language"] = "ja"
    japanese = client.get(url(conference, "b2b/")).content.decode()
    assert 'lang="ja"' in japanese


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "x"."id" FROM "x"', False),
        ("  select 1", False),
        ('SELECT "x"."id" FROM "x" FOR UPDATE', False),
        ('SAVEPOINT "s1"', False),
        ('RELEASE SAVEPOINT "s1"', False),
        ("SET TIME ZONE 'UTC'", False),
        ('INSERT INTO "django_session" ("session_key") VALUES (%s)', False),
        ('UPDATE "django_session" SET "expire_date" = %s', False),
        ('INSERT INTO "conference_heartbeat" ("name") VALUES (%s)', False),
        ('INSERT INTO "conference_organisation" ("name") VALUES (%s)', True),
        ('UPDATE "accounts_registration" SET "status" = %s', True),
        ('DELETE FROM "conference_conferencerole" WHERE "id" = %s', True),
        ("update accounts_user set is_active = false", True),
        ('WITH gone AS (DELETE FROM "x" RETURNING 1) SELECT count(*) FROM gone', True),
        ('CREATE TABLE "y" ("id" integer)', True),
        ("TRUNCATE accounts_user", True),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert private_cache.is_write(sql) is writes


def _save_name(organisation, name):
    organisation = Organisation.objects.get(pk=organisation.pk)
    organisation.name = name
    organisation.save()


def _raw_sql(organisation, name):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Organisation._meta.db_table} SET name = %s WHERE id = %s",
            [name, organisation.pk],
        )


def test_writes_move_the_version_where_pages_are_not_kept_too(settings, lohum):
    # A worker started with PRIVATE_PAGE_CACHE=0 still tells the web nodes.
    settings.PRIVATE_PAGE_CACHE = False
    before = private_cache.data_version()
    Organisation.objects.filter(pk=lohum.pk).update(name="Lohum Metals")
    assert private_cache.data_version() != before


def test_kept_pages_without_redis_are_refused_at_start():
    env = production_env(PRIVATE_PAGE_CACHE="1", REDIS_URL="")
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "PRIVATE_PAGE_CACHE needs REDIS_URL" in result.stderr
