"""
Every response carries a Permissions-Policy that turns off the browser
features no page uses (conference.core.middleware). The check-in desk scans badges
with the device camera (static/js/checkin.js), so its pages, and only they,
let this origin use the camera.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import permission_walk as walk

# `world` (tests/conftest.py): the permission walk's objects, all of them the delegate's or staff's.

pytestmark = pytest.mark.django_db

OFF = ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"]
CHECKIN_PAGES = {
    "conference:checkin",
    "conference:checkin_search",
    "conference:checkin_scan",
    "conference:checkin_person",
}


def policy(response):
    header = response.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/healthz", "/no-such-page/", "/static/js/portal.js"]
)
def test_every_response_turns_off_the_features_no_page_uses(client, path):
    response = client.get(path)

    features = policy(response)
    assert {name: features.get(name) for name in OFF} == dict.fromkeys(OFF, "()")


def test_the_checkin_desk_may_use_the_camera_and_nothing_more(world):
    client = Client()
    client.force_login(world.personas["checkin"])

    response = client.get(reverse("conference:checkin", args=[world.conference.slug]))

    assert response.status_code == 200
    features = policy(response)
    assert features["camera"] == "(self)"
    assert {name: features[name] for name in OFF if name != "camera"} == {
        name: "()" for name in OFF if name != "camera"
    }


def test_only_the_checkin_pages_may_use_the_camera(world, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    wrong = []
    personas = ("anonymous", "delegate", "checkin", "organiser")
    for persona, pattern, row, url, fetch in walk.pages(world, personas, get_only=False):
        response = fetch()
        camera = policy(response).get("camera")
        allowed = response.status_code == 200 and pattern.key in CHECKIN_PAGES
        if camera != ("(self)" if allowed else "()"):
            wrong.append(f"{row.method.upper()} {url} as {persona}: camera={camera}")
    assert not wrong, "\n".join(wrong)
