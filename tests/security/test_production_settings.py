"""
With production settings (DEBUG off, a long random SECRET_KEY, ALLOWED_HOSTS
set) each in a fresh process: `check --deploy` is silent, cookies are
Secure, HttpOnly where scripts need not read them, SameSite, and every
response carries HSTS, nosniff, a Referrer-Policy, the strict CSP and a
Permissions-Policy.
"""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import production_env, run_python

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = """
import json

import django

django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# The test's factory hashes passwords with MD5 (fast); production verifies with PBKDF2.
override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()
client = Client(HTTP_HOST="portal.example.org")
page = client.get("/accounts/login/", secure=True)
login = client.post(
    "/accounts/login/",
    {"login": "%(email)s", "password": "%(password)s"},
    secure=True,
)
language = client.post("/i18n/setlang/", {"language": "ja", "next": "/"}, secure=True)


def cookie(morsel):
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }


print(json.dumps({
    "login": login.status_code,
    "session": cookie(login.cookies[settings.SESSION_COOKIE_NAME]),
    "csrf": cookie(page.cookies[settings.CSRF_COOKIE_NAME]),
    "language": cookie(language.cookies[settings.LANGUAGE_COOKIE_NAME]),
    "headers": {name: page.headers.get(name) for name in (
        "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy",
        "Cross-Origin-Opener-Policy", "X-Frame-Options", "Content-Security-Policy",
        "Permissions-Policy",
    )},
}))
"""


def test_deploy_check_has_nothing_to_say_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_the_development_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = run_python("import django; django.setup()", env)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_cookies_and_headers():
    user = UserFactory(email="prod.probe@example.org")
    code = PROBE % {"email": user.email, "password": TEST_PASSWORD}

    result = run_python(code, production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["login"] == 302
    assert probe["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie stays readable: static/js/agenda-manage.js sends it with
    # fetch(), and HttpOnly would add nothing as the same token is in every form.
    assert probe["csrf"]["secure"] is True
    assert probe["csrf"]["samesite"] == "Lax"
    assert probe["language"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in headers["Permissions-Policy"]
