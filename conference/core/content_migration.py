"""
The data step of the migrations that made texts translatable (conference
0010, sessions_app 0004): a plain text becomes the text in the site's
language (LANGUAGE_CODE), and back again when unapplied. Raw SQL, so that no
field conversion runs. Migrations import it: keep it as it is.
"""

import json

from django.conf import settings


def texts_rewrite(schema_editor, table, columns, change):
    """Rewrite the raw text of `columns` in `table` with `change` (raw SQL: no field conversion)."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)}")  # noqa: S608
        rows = cursor.fetchall()
        for pk, *values in rows:
            changed = [change(value) for value in values]
            if changed != values:
                assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
                cursor.execute(
                    f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                    [*changed, pk],
                )


def wrapped(value):
    """A plain text as written before: now the text in the site's language."""
    if not value:
        return value
    try:
        if isinstance(json.loads(value), dict):
            return value
    except ValueError:
        pass
    return json.dumps({settings.LANGUAGE_CODE: value}, ensure_ascii=False)


def unwrapped(value):
    try:
        data = json.loads(value) if value else None
    except ValueError:
        return value
    if not isinstance(data, dict):
        return value
    return data.get(settings.LANGUAGE_CODE) or next((v for v in data.values() if v), "")


def text_steps(texts):
    """The forward and backward RunPython steps for `texts` ({table: [columns]})."""

    def forward(apps, schema_editor):
        for table, columns in texts.items():
            texts_rewrite(schema_editor, table, columns, wrapped)

    def backward(apps, schema_editor):
        for table, columns in texts.items():
            texts_rewrite(schema_editor, table, columns, unwrapped)

    return forward, backward
