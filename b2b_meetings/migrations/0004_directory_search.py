"""
The directory's text search (b2b_meetings/selectors/directory.py) on
PostgreSQL: the pg_trgm extension and GIN trigram indexes on the columns it
searches. They serve both `ILIKE '%word%'` and the word-similarity operator
`%>`, so a search stays an index scan as the directory grows instead of
reading every organisation and person. SQLite (`make run`) has neither: the
search falls back to substring matching there, and this migration only
records itself.

The indexes are plain SQL rather than model `Meta.indexes`: they sit on
tables of other apps (conference, accounts) and exist on PostgreSQL only.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index name, table, indexed expression). Django's icontains is
# `UPPER(column) LIKE UPPER(%s)`: the upper() indexes serve it. The trigram
# word-similarity operator (`column %> q`) compares names only: indexes on
# the plain columns serve it.
SEARCHED = {
    "conference_organisation": ["name", "description", "offers", "seeks", "offers_ja", "seeks_ja"],
    "accounts_user": ["given_name", "family_name"],
    "accounts_registration": ["job_title"],
    "b2b_meetings_delegateprofile": ["bio", "offers", "seeks"],
}
SHORT = {
    "conference_organisation": "org",
    "accounts_user": "user",
    "accounts_registration": "reg",
    "b2b_meetings_delegateprofile": "profile",
}
SIMILAR = {"conference_organisation": ["name"], "accounts_user": ["given_name", "family_name"]}
TRIGRAM_INDEXES = [
    (f"directory_{SHORT[table]}_{column}_upper_trgm", table, f'UPPER("{column}")')
    for table, columns in SEARCHED.items()
    for column in columns
] + [
    (f"directory_{SHORT[table]}_{column}_trgm", table, f'"{column}"')
    for table, columns in SIMILAR.items()
    for column in columns
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for name, table, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"USING gin (({expression}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_release_unverified_addresses"),
        ("b2b_meetings", "0003_matchmaking"),
        ("conference", "0003_organisation_profile"),
    ]

    operations = [
        # A no-op on other databases (CreateExtension checks the vendor itself).
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
