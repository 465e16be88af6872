"""
Content in several languages in stored data: the migration keeps every
existing text (as the text in the site's language), and the demo gives its
plenaries, panels, tracks and key organisations Japanese.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conference.core.models import Conference, Organisation
from conference.portal.demo import data
from sessions_app.models import Session, Track

BEFORE = [
    ("conference", "0009_job_message_parts"),
    ("sessions_app", "0003_speaker_photo_and_organisation"),
]
AFTER = [("conference", "0010_content_languages"), ("sessions_app", "0004_content_languages")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_texts_as_the_site_language_and_back():
    apps = _migrate(BEFORE)
    conference = apps.get_model("conference", "Conference").objects.create(
        name="Battery Conference",
        slug="old",
        start_date="2026-12-24",
        end_date="2026-12-25",
    )
    track = apps.get_model("sessions_app", "Track").objects.create(
        conference_id=conference.pk, name="Recycling & circularity"
    )
    apps.get_model("sessions_app", "Session").objects.create(
        conference_id=conference.pk,
        track_id=track.pk,
        title="Opening plenary: “trusted” supply",
        description="",
        starts_at="2026-12-24T04:00:00Z",
        ends_at="2026-12-24T05:00:00Z",
    )

    try:
        _migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("SELECT title, description FROM sessions_app_session")
            title, description = cursor.fetchone()
        assert json.loads(title) == {"en": "Opening plenary: “trusted” supply"}
        assert description == ""  # empty stays empty: nothing to translate
        session = Session.objects.get(conference__slug="old")
        assert session.title.data == {"en": "Opening plenary: “trusted” supply"}
        assert str(Track.objects.get(pk=track.pk).name) == "Recycling & circularity"
        assert Conference.objects.get(slug="old").content_locales == ["en", "ja"]

        apps = _migrate(BEFORE)
        old = apps.get_model("sessions_app", "Session").objects.get()
        assert old.title == "Opening plenary: “trusted” supply"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_demo_gives_plenaries_panels_tracks_and_organisations_japanese():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # a re-run finds the rows and adds none

    conference = Conference.objects.get(slug="bcmec")
    assert conference.name.localize("ja") == "電池・重要鉱物エコシステム会議"
    key = Session.objects.filter(
        conference=conference, kind__in=[Session.Kind.PLENARY, Session.Kind.PANEL]
    )
    assert key.count() >= 6
    assert all(session.title.data.get("ja") for session in key)
    assert all(track.name.data.get("ja") for track in conference.tracks.all())
    assert Session.objects.filter(conference=conference).count() == len(data.SESSIONS)
    assert Organisation.objects.exclude(offers_ja="").count() >= 5
    release = conference.releases.order_by("-number").first()
    plenary = next(item for item in release.snapshot if item["kind"] == "plenary")
    assert plenary["title"]["ja"]  # the published agenda has the Japanese too
