"""
The permission walk: every URL of the project, requested as each persona,
answers with the status the table in tests/helpers/permission_walk.py
expects (how to add a URL's row is explained there).

Every request runs in a savepoint that is rolled back, with a fresh client,
so a POST in one row cannot change what another row sees.
"""

import copy
import logging

import pytest
from django.db import transaction
from django.test import Client

from tests.helpers.permission_walk import (
    EXPECTATIONS,
    PERSONAS,
    all_patterns,
    row_for,
    url_for,
)

# The API's URLs (ninja's namespace "api", under /api/v1/) answer to bearer
# tokens, not to a persona's session: tests/api/test_permission_walk_api.py
# walks every one of them with a token of each scope, of another conference,
# revoked, expired and none.
API_NAMESPACE = "api:"


def walked_patterns():
    return [p for p in all_patterns() if not p.namespace.startswith(API_NAMESPACE)]


def test_every_url_has_an_expectation_for_every_persona():
    missing = [p.key for p in walked_patterns() if row_for(p) is None]
    assert not missing, (
        "These URLs have no row in EXPECTATIONS (tests/helpers/permission_walk.py); "
        "add one saying what each persona gets:\n  " + "\n  ".join(missing)
    )
    incomplete = [key for key, row in EXPECTATIONS.items() if set(row.expect) != set(PERSONAS)]
    assert not incomplete, incomplete


def test_no_expectation_is_left_for_a_url_that_no_longer_exists():
    keys = {p.key for p in walked_patterns()}
    namespaces = {f"{p.namespace}*" for p in walked_patterns() if p.namespace}
    assert not set(EXPECTATIONS) - keys - namespaces


@pytest.mark.django_db
def test_every_url_answers_each_persona_as_expected(world, caplog):
    # Hundreds of expected 403s and 404s: keep their log lines out of the report.
    caplog.set_level(logging.ERROR, logger="django.request")
    clients, cookies = {}, {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if world.personas[persona] is not None:
            clients[persona].force_login(world.personas[persona])
        cookies[persona] = copy.deepcopy(clients[persona].cookies)
    failures = []
    for pattern in walked_patterns():
        row = row_for(pattern)
        if row is None:
            continue  # reported by the test above
        url = url_for(pattern, world)
        for persona in PERSONAS:
            client = clients[persona]
            # A log-out or a message in one request must not carry over.
            client.cookies = copy.deepcopy(cookies[persona])
            with transaction.atomic():
                response = getattr(client, row.method)(url)
                transaction.set_rollback(True)
            expected = row.expect[persona]
            if response.status_code != expected:
                failures.append(
                    f"{row.method.upper()} {url} ({pattern.key}) as {persona}: "
                    f"expected {expected}, got {response.status_code}"
                )
    assert not failures, f"{len(failures)} unexpected answers:\n" + "\n".join(failures)


# Past PostgreSQL's bigint: an id no row can have, which the database refuses to compare.
HUGE_ID = 2**64


@pytest.mark.django_db
def test_an_id_beyond_the_database_range_is_a_404_not_a_server_error(world, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    failures, checked = [], set()
    for persona in ("delegate", "organiser"):
        client = Client(raise_request_exception=False)
        client.force_login(world.personas[persona])
        for pattern in walked_patterns():
            ints = [n for n, c in pattern.converters.items() if c.regex == "[0-9]+"]
            if not ints or pattern.namespace.startswith("admin:"):
                continue
            row = row_for(pattern)
            url = url_for(pattern, world, override=dict.fromkeys(ints, HUGE_ID))
            checked.add(pattern.key)
            with transaction.atomic():
                response = getattr(client, row.method)(url)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append(f"{row.method.upper()} {url} as {persona}: {response.status_code}")
    assert len(checked) > 20, checked  # the walk found the id-taking URLs
    assert not failures, "\n".join(failures)
