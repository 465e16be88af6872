"""
SSRF: a webhook URL must be http(s) without credentials and resolve only to
public addresses, unless WEBHOOK_ALLOWED_NETWORKS names the network.
"""

import socket

import pytest
from django.core.exceptions import ValidationError

from conference.api.models import WebhookEndpoint
from conference.api.webhooks import services
from conference.api.webhooks.urls import url_check


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hooks", "a loopback address"),
        ("http://127.1/hooks", "a loopback address"),
        ("http://2130706433/hooks", "a loopback address"),
        ("http://localhost:8000/hooks", "a loopback address"),
        ("http://[::1]/hooks", "a loopback address"),
        ("http://[::ffff:127.0.0.1]/hooks", "a loopback address"),
        ("http://10.1.2.3/hooks", "a private address"),
        ("https://192.168.1.10/hooks", "a private address"),
        ("http://172.16.0.1/hooks", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "a cloud metadata address"),
        ("http://169.254.10.10/", "a link-local address"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://100.64.0.1/", "a carrier-grade NAT address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://240.0.0.1/", "a reserved address"),
        ("http://[fc00::1]/", "a private address"),
    ],
)
def test_urls_that_resolve_inside_the_network_are_refused(url, reason):
    with pytest.raises(ValidationError) as refused:
        url_check(url)
    assert reason in refused.value.messages[0]
    assert "only sent to public addresses" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/hooks", "Use an http:// or https:// URL."),
        ("file:///etc/passwd", "Use an http:// or https:// URL."),
        ("gopher://93.184.216.34/", "Use an http:// or https:// URL."),
        ("http://user:secret@93.184.216.34/", "Leave the user name and password out"),
        ("http:///hooks", "The URL has no host name."),
        ("http://93.184.216.34:99999/", "This is not a valid URL."),
        ("http://no-such-host.invalid/", "does not resolve"),
    ],
)
def test_urls_that_are_not_plain_http_are_refused(url, message):
    with pytest.raises(ValidationError) as refused:
        url_check(url)
    assert message in refused.value.messages[0]


def test_a_public_address_is_accepted_and_pinned():
    target = url_check("https://93.184.216.34:8443/hooks?x=1")
    assert target.address == "93.184.216.34"
    assert target.pinned_url == "https://93.184.216.34:8443/hooks?x=1"
    assert target.host_header == "93.184.216.34:8443"


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(ValidationError, match=r"10\.0\.0\.7, a private address"):
        url_check("https://hooks.example.org/")


def test_the_allow_list_lets_its_networks_through_and_no_others(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd12::/16"]

    assert url_check("http://10.1.2.3/hooks").address == "10.1.2.3"
    assert url_check("http://[fd12::5]/hooks").pinned_url == "http://[fd12::5]:80/hooks"
    for url in ("http://127.0.0.1/", "http://192.168.1.1/", "http://169.254.169.254/"):
        with pytest.raises(ValidationError):
            url_check(url)


def test_registering_a_refused_url_creates_nothing(conference, organiser):
    with pytest.raises(ValidationError, match="a cloud metadata address"):
        services.endpoint_create(
            conference=conference,
            actor=organiser,
            url="http://169.254.169.254/latest/meta-data/",
            event_types=["meeting.booked"],
        )
    assert not WebhookEndpoint.objects.exists()
