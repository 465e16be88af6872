"""
A GET changes nothing. Mail security scanners, link previews and browsers
that prefetch follow links on their own, so a state that a GET could flip
(an invitation marked opened, a meeting accepted from an email link) would
record what no person did. Every URL of the permission walk is fetched as
each persona and the SQL it ran is read: no INSERT, UPDATE or DELETE, except
in the tables listed below, each with its reason.
"""

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import permission_walk as walk

# `world` (tests/conftest.py): the permission walk's objects, all of them the delegate's or staff's.

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(\w+)"', re.IGNORECASE)

# Writes a GET may make.
ALLOWED = {
    # Per-browser state, not the portal's data: the invitation page remembers
    # its token for sign-up; allauth keeps its log-in stages there.
    "django_session": "*",
    # Reading personal data is itself recorded: every export and the gate list
    # write an audit row before their first byte.
    "conference_auditlog": "*",
    # allauth's email page records the login address the account already has
    # as its first address row (allauth.account.utils.sync_user_email_addresses).
    "account_emailaddress": {"account_email"},
}


def writes(queries):
    for query in queries:
        match = WRITE.match(query["sql"])
        if match:
            yield match.group(1)


@pytest.mark.django_db
def test_no_get_changes_anything_for_any_persona(world, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    failures, walked = [], 0
    for persona, pattern, _row, url, fetch in walk.pages(world, walk.PERSONAS):
        with CaptureQueriesContext(connection) as captured:
            fetch()
        walked += 1
        for table in writes(captured.captured_queries):
            allowed = ALLOWED.get(table, ())
            if allowed != "*" and pattern.key not in allowed:
                failures.append(f"GET {url} ({pattern.key}) as {persona} wrote to {table}")
    assert walked > 400, walked  # the walk found the pages
    assert not failures, "\n".join(failures)
