"""Cached pages are keyed by the code version, so a deploy never serves the previous templates."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conference.core import release
from sessions_app import selectors


def test_the_digest_follows_every_source_file(tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "agenda.html"
    page.write_text("<h1>Agenda</h1>")
    first = release.source_digest(tmp_path, dirs=("templates",))
    assert release.source_digest(tmp_path, dirs=("templates",)) == first
    page.write_text("<h1>Programme</h1>")
    assert release.source_digest(tmp_path, dirs=("templates",)) != first
    (tmp_path / "templates" / "notes.bak").write_text("ignored")
    second = release.source_digest(tmp_path, dirs=("templates",))
    (tmp_path / "templates" / "new.html").write_text("")
    assert release.source_digest(tmp_path, dirs=("templates",)) != second


@pytest.fixture
def version(settings):
    """Set CODE_VERSION for the test (the digest is computed once per process)."""

    def set_version(value):
        settings.CODE_VERSION = value
        release.code_version.cache_clear()

    yield set_version
    release.code_version.cache_clear()


@pytest.mark.django_db
def test_the_agenda_cache_key_names_the_code_version(conference, version):
    from zoneinfo import ZoneInfo

    def key():
        return selectors.agenda_cache_key(
            conference=conference, release=None, language="en", tz=ZoneInfo("UTC"), part="page"
        )

    version("1111aaaa")
    before = key()
    version("2222bbbb")
    assert "2222bbbb" in key() and key() != before


@pytest.mark.django_db
def test_after_a_deploy_the_agenda_is_rendered_anew(conference, version, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    url = reverse("sessions_app:agenda", args=[conference.slug])
    version("1111aaaa")
    Client().get(url)
    cached = {key for key in cache._cache if "agenda:" in key}
    assert cached and all("1111aaaa" in key for key in cached)
    version("2222bbbb")
    Client().get(url)
    assert any("2222bbbb" in key for key in cache._cache)
