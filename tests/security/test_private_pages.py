"""
What one person sees stays out of shared caches (conference.core.middleware):
every answer to a request with a session says `private, no-store` unless the
view chose its own Cache-Control, and the public pages of an anonymous
visitor stay cacheable. Walked over every URL and persona of the permission
walk, so a new page is covered the day it is added.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.helpers import permission_walk as walk

# `world` (tests/conftest.py): the permission walk's objects, all of them the delegate's or staff's.

pytestmark = pytest.mark.django_db

# The same body for everyone who asks (the published agenda): shared caches may
# keep it, and it is revalidated on every use (sessions_app.views.page_cache.feed_headers).
PUBLIC_FOR_EVERYONE = {
    "manifest",
    "service_worker",
    "sessions_app:agenda_ics",
    "sessions_app:agenda_json",
    "sessions_app:schedule_xml",
    "sessions_app:schedule_json",
    "sessions_app:session_ics",
    "sessions_app:speaker_photo",
}


def cache_control(response):
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize(
    ("persona", "name", "kwargs"),
    [
        ("delegate", "accounts:register", {}),
        ("delegate", "accounts:personal_data", {}),
        ("delegate", "sessions_app:my_schedule", {}),
        ("delegate", "b2b_meetings:requests", {}),
        ("delegate", "b2b_meetings:meeting", {"meeting_id": "meeting"}),
        ("organiser", "accounts:registration", {"registration_id": "registration"}),
        ("organiser", "accounts:registrations", {}),
        ("organiser", "accounts:invitations", {}),
        ("organiser", "conference:outbox_email", {"email_id": "email"}),
        ("security", "conference:gatelist", {}),
        ("checkin", "conference:checkin_arrivals", {}),
    ],
)
def test_a_personal_page_is_private_and_never_stored(world, persona, name, kwargs):
    client = Client()
    client.force_login(world.personas[persona])
    args = {key: getattr(world, value).pk for key, value in kwargs.items()}

    response = client.get(reverse(name, kwargs={"slug": world.conference.slug, **args}))

    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


@pytest.mark.parametrize("action", ["log in", "log out"])
def test_the_answer_that_starts_or_ends_a_session_is_never_stored(world, settings, action):
    client = Client()
    if action == "log in":
        data = {"login": world.personas["delegate"].email, "password": TEST_PASSWORD}
        response = client.post(reverse("account_login"), data)
    else:
        client.force_login(world.personas["delegate"])
        response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("conference:home", {}),
        ("sessions_app:agenda", {}),
        ("sessions_app:session", {"session_id": "session"}),
        ("sessions_app:agenda_ics", {}),
        ("sessions_app:agenda_json", {}),
        ("sessions_app:schedule_xml", {}),
        ("sessions_app:schedule_json", {}),
    ],
)
def test_a_public_page_stays_cacheable_for_an_anonymous_visitor(world, name, kwargs):
    args = {key: getattr(world, value).pk for key, value in kwargs.items()}

    response = Client().get(reverse(name, kwargs={"slug": world.conference.slug, **args}))

    assert response.status_code == 200
    assert not {"no-store", "private"} & cache_control(response), response.get("Cache-Control")


def test_every_page_a_signed_in_person_gets_stays_out_of_shared_caches(world, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    failures = []
    for persona, pattern, _row, url, fetch in walk.pages(world, walk.PERSONAS[1:]):
        response = fetch()
        directives = cache_control(response)
        if pattern.key in PUBLIC_FOR_EVERYONE:
            ok = "public" in directives and "no-cache" in directives
        else:
            ok = bool({"private", "no-store"} & directives) and "public" not in directives
        if not ok:
            failures.append(f"{url} as {persona}: Cache-Control {response.get('Cache-Control')!r}")
    assert not failures, "\n".join(failures)
