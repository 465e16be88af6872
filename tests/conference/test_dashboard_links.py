"""The dashboard's number tiles link to the lists they count."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_each_number_tile_links_to_the_list_it_counts(conference, organiser, delegate):
    client = Client()
    client.force_login(organiser)
    page = client.get(reverse("conference:dashboard", args=[conference.slug])).content.decode()
    tiles = re.findall(r'<a class="stat-card stat-link" href="([^"]+)">', page)
    registrations = reverse("accounts:registrations", args=[conference.slug])
    assert tiles == [
        registrations,
        f"{registrations}?status=approved",
        reverse("b2b_meetings:manage_stats", args=[conference.slug]),
        reverse("b2b_meetings:manage", args=[conference.slug]),
    ]
    for url in tiles:
        assert client.get(url).status_code == 200
    approved = client.get(f"{registrations}?status=approved").content.decode()
    assert delegate.email in approved or delegate.display_name in approved
