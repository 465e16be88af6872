"""
allauth's rate limits (settings.ACCOUNT_RATE_LIMITS) on log-in, password
reset and sign-up: kept in Redis, per account where an account is the
target, and not reset by headers a client can forge.

Each test sends from its own client address and for its own accounts, so
counters other tests leave in Redis (for 127.0.0.1) never count here.
"""

import itertools
import uuid

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
TOO_MANY = "Too many failed login attempts"
_addresses = itertools.count(1)


def fresh_address():
    """A client address (TEST-NET-3) no other test in this run has used."""
    n = next(_addresses) + uuid.uuid4().int % 200 * 250
    return f"203.0.{113 + n // 250 % 10}.{n % 250 + 1}"


def fresh_user():
    return UserFactory(email=f"rl-{uuid.uuid4().hex[:10]}@example.org")


def log_in(client, email, password, **extra):
    return client.post(LOGIN_URL, {"login": email, "password": password}, **extra)


def logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_the_sixth_failed_login_for_one_account_is_refused_even_with_the_right_password():
    user = fresh_user()
    # Five wrong passwords, each from a different address: the limit is the account's.
    for _attempt in range(5):
        response = log_in(Client(REMOTE_ADDR=fresh_address()), user.email, "wrong")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()

    response = log_in(Client(REMOTE_ADDR=fresh_address()), user.email, TEST_PASSWORD)

    assert not logged_in(response)
    assert TOO_MANY in response.content.decode()


def test_four_failures_do_not_lock_the_account():
    user = fresh_user()
    for _attempt in range(4):
        log_in(Client(REMOTE_ADDR=fresh_address()), user.email, "wrong")

    assert logged_in(log_in(Client(REMOTE_ADDR=fresh_address()), user.email, TEST_PASSWORD))


def test_the_failed_login_counters_live_in_redis_for_five_minutes():
    user = fresh_user()
    address = fresh_address()
    for _attempt in range(2):
        log_in(Client(REMOTE_ADDR=address), user.email, "wrong")

    server = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(server.scan_iter(f"{prefix}:*:allauth:rl:allauth.account:login_failed:*"))
    per_account = [k for k in keys if b"/300.0/key:" in k]
    per_address = [k for k in keys if k.endswith(f":ip:{address}".encode())]
    assert settings.CACHES["default"]["BACKEND"] == "conference.core.cache.ForgivingRedisCache"
    assert per_account and per_address, keys
    assert all(0 < server.ttl(k) <= 300 for k in per_account)


def test_a_forged_x_forwarded_for_does_not_reset_the_account_limit():
    user = fresh_user()
    client = Client(REMOTE_ADDR=fresh_address())
    for n in range(5):
        log_in(client, user.email, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")

    response = log_in(client, user.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert not logged_in(response)
    assert TOO_MANY in response.content.decode()


def test_without_trusted_proxies_a_forged_x_forwarded_for_does_not_reset_the_address_limit():
    """10 failures a minute per address: with a new account and a new XFF each time."""
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    client = Client(REMOTE_ADDR=fresh_address())
    for n in range(10):
        response = log_in(
            client, fresh_user().email, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}"
        )
        assert TOO_MANY not in response.content.decode()

    user = fresh_user()
    response = log_in(client, user.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")

    assert not logged_in(response)
    assert TOO_MANY in response.content.decode()
    # The same account from another address is not affected.
    assert logged_in(log_in(Client(REMOTE_ADDR=fresh_address()), user.email, TEST_PASSWORD))


def test_behind_one_trusted_proxy_only_the_last_hop_is_the_client(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from the proxy
    client_address = fresh_address()
    for n in range(10):
        # The client forges a first entry; the proxy appends the address it saw.
        log_in(
            proxy,
            fresh_user().email,
            "wrong",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, {client_address}",
        )

    user = fresh_user()
    forged = log_in(
        proxy, user.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"192.0.2.200, {client_address}"
    )
    other_client = log_in(
        proxy, user.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"{fresh_address()}"
    )

    assert TOO_MANY in forged.content.decode()
    assert not logged_in(forged)
    assert logged_in(other_client)


@pytest.mark.parametrize(
    "last_host", ["localhost:8099", "127.0.0.1"], ids=["another port", "another host name"]
)
def test_another_host_header_does_not_reset_the_account_limit(last_host):
    """Regression: the per-account key was the Host header (port included) plus the login."""
    user = fresh_user()
    for port in range(8001, 8006):
        client = Client(REMOTE_ADDR=fresh_address())
        log_in(client, user.email, "wrong", HTTP_HOST=f"localhost:{port}")

    response = log_in(
        Client(REMOTE_ADDR=fresh_address()), user.email, TEST_PASSWORD, HTTP_HOST=last_host
    )

    assert not logged_in(response)
    assert TOO_MANY in response.content.decode()


def test_the_sixth_password_reset_for_one_address_in_a_minute_is_refused():
    user = fresh_user()
    url = reverse("account_reset_password")
    for _attempt in range(5):
        response = Client(REMOTE_ADDR=fresh_address()).post(url, {"email": user.email})
        assert response.status_code == 302

    response = Client(REMOTE_ADDR=fresh_address()).post(url, {"email": user.email.upper()})

    assert response.status_code == 429


def test_password_resets_from_one_client_address_are_limited():
    client = Client(REMOTE_ADDR=fresh_address())
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": fresh_user().email}).status_code for _n in range(21)]

    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_sign_ups_from_one_client_address_are_limited():
    client = Client(REMOTE_ADDR=fresh_address())
    invitation = InvitationFactory(email=f"rl-{uuid.uuid4().hex[:8]}@example.org")
    client.get(reverse("invitation", args=[invitation.token]))
    url = reverse("account_signup")
    data = {"given_name": "A", "password1": "x", "password2": "y"}  # refused by the form
    statuses = [
        client.post(url, data, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(21)
    ]

    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
