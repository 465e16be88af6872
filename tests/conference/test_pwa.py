"""
The installable web app: /manifest.webmanifest, /sw.js, its icons, the
X-Portal-User header the service worker files pages under, and the badge page
it keeps offline. The worker itself runs in Chromium: tests/e2e/test_offline.py.
"""

import io
import json
import re
from html import unescape
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from conference.portal.badges import badge_qr
from conference.portal.management.commands.pwa_icons import ICONS as DRAWN_ICONS
from conference.portal.management.commands.pwa_icons import icon_draw
from conference.portal.middleware import USER_HEADER
from conference.portal.views.pwa import worker_config
from tests.helpers.web import login, url


def _static_file(src):
    path = finders.find(src.removeprefix(settings.STATIC_URL))
    assert path, f"{src} is not a static file"
    return Path(path)


def _worker_config(body):
    match = re.search(r"^const CONFIG = (\{.*\});$", body, re.MULTILINE)
    assert match, "the worker carries no CONFIG line"
    return json.loads(match.group(1))


def _printed(code):
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _kept(path):
    return any(re.search(pattern, path) for pattern in worker_config()["offlinePages"])


# The manifest -------------------------------------------------------------------


def test_manifest_is_served_from_the_root_as_a_web_app_manifest(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "public, no-cache"
    manifest = json.loads(response.content)
    assert manifest["name"] == settings.SITE_NAME
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    # The portal's navy (static/css/portal.css --portal-navy).
    assert manifest["theme_color"] == "#0b2545"
    assert "--portal-navy: #0b2545" in _static_file("/static/css/portal.css").read_text()


def test_manifest_icons_exist_at_their_declared_sizes_with_a_maskable_one(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)

    sizes = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        with Image.open(_static_file(icon["src"])) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
            if icon["purpose"] == "maskable":
                # Full bleed: launchers cut the corners themselves.
                assert image.convert("RGBA").getpixel((0, 0))[3] == 255
            else:
                assert image.convert("RGBA").getpixel((0, 0))[3] == 0
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_committed_icons_are_what_the_generator_draws():
    """static/img/icons/ comes from `manage.py pwa_icons`: rerun it after changing the favicon."""
    for name, (size, maskable) in DRAWN_ICONS.items():
        committed = Image.open(_static_file(f"/static/img/icons/{name}")).convert("RGBA")
        drawn = icon_draw(size, maskable=maskable)
        buffer = io.BytesIO()
        drawn.save(buffer, format="PNG")
        assert committed.tobytes() == Image.open(buffer).convert("RGBA").tobytes(), name


def test_manifest_speaks_the_visitors_language(client):
    response = client.get("/manifest.webmanifest", headers={"accept-language": "ja"})

    manifest = json.loads(response.content)
    assert manifest["lang"] == "ja"


# The service worker --------------------------------------------------------------


def test_service_worker_is_javascript_from_the_root_revalidated_on_every_check(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "public, no-cache"
    # Its own fetches are held to the site: the policy of the worker is its response's.
    policy = response["Content-Security-Policy"]
    assert "connect-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy


def test_service_worker_config_names_the_logout_and_only_hashable_static_files(client):
    config = _worker_config(client.get("/sw.js").content.decode())

    assert config["logoutPath"] == reverse("account_logout")
    assert config["staticUrl"] == settings.STATIC_URL
    for src in config["precache"]:
        _static_file(src)


def test_pages_policy_allows_the_manifest_and_worker_from_the_site_only(client, conference):
    policy = client.get(url(conference, "agenda/"))["Content-Security-Policy"]

    assert "manifest-src 'self'" in policy
    assert "worker-src 'self'" in policy


def test_every_page_links_the_manifest_and_loads_the_worker_registration_as_a_file(
    client, conference
):
    html = client.get(url(conference)).content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<script src="/static/js/pwa\.js" data-worker="/sw\.js"[^>]* defer>', html)
    assert "data-offline-banner hidden" in html


def test_worker_keeps_the_agenda_schedule_badge_and_meetings(conference):
    for path in [
        url(conference),
        url(conference, "agenda/"),
        url(conference, "agenda/sessions/7/"),
        url(conference, "me/"),
        url(conference, "me/badge/"),
        url(conference, "b2b/requests/"),
        url(conference, "b2b/meetings/12/"),
    ]:
        assert _kept(path), path


def test_worker_keeps_no_staff_page_admin_api_feed_or_download(conference):
    for path in [
        url(conference, "manage/"),
        url(conference, "manage/agenda/"),
        url(conference, "manage/registrations/"),
        url(conference, "manage/exports/gatelist/"),
        url(conference, "manage/checkin/"),
        url(conference, "manage/outbox/"),
        url(conference, "me/badge.pdf"),
        url(conference, "me/meetings.csv"),
        url(conference, "me/calendar/abc.ics"),
        url(conference, "agenda.ics"),
        url(conference, "agenda.json"),
        url(conference, "register/"),
        url(conference, "b2b/requests/3/accept/"),
        "/admin/",
        "/api/v1/",
        "/accounts/login/",
        "/accounts/logout/",
    ]:
        assert not _kept(path), path


# Whose page it is ---------------------------------------------------------------


def test_pages_of_a_signed_in_person_name_them_for_the_worker(conference, delegate, other_delegate):
    mine = login(delegate).get(url(conference, "me/"))
    theirs = login(other_delegate).get(url(conference, "me/"))
    mine_again = login(delegate).get(url(conference, "agenda/"))

    assert mine.status_code == theirs.status_code == 200
    assert mine[USER_HEADER] == mine_again[USER_HEADER]
    assert mine[USER_HEADER] != theirs[USER_HEADER]
    # Not the database id.
    assert str(delegate.pk) not in mine[USER_HEADER]


def test_anonymous_pages_and_downloads_carry_no_person(conference, delegate):
    assert USER_HEADER not in login(None).get(url(conference, "agenda/"))
    assert USER_HEADER not in login(delegate).get(url(conference, "agenda.ics"))


# The badge page ----------------------------------------------------------------


def test_badge_page_shows_my_qr_code_and_code_not_anyone_elses(
    conference, delegate, other_delegate
):
    response = login(delegate).get(url(conference, "me/badge/"))

    assert response.status_code == 200
    html = response.content.decode()
    assert _printed(delegate.registration.badge_code) in html
    assert _printed(other_delegate.registration.badge_code) not in html
    # The QR code of the badge PDF and the check-in desk: the badge code itself.
    qr = re.search(r'<img[^>]+src="(data:image/svg\+xml[^"]+)"', html)
    assert qr
    assert unescape(qr.group(1)) == badge_qr(delegate.registration.badge_code).svg_data_uri(
        scale=8, border=4
    )


def test_badge_page_is_for_delegates_only(client, conference, organiser):
    assert client.get(url(conference, "me/badge/")).status_code == 302
    assert login(organiser).get(url(conference, "me/badge/")).status_code == 403
