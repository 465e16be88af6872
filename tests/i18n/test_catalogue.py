"""
The Japanese catalogue is complete and sound: every string the code marks is
in it, each is translated (none fuzzy, none left in English), placeholders and
markup survive translation, and msgfmt accepts the file.

After marking a new string: `python manage.py makemessages -l ja --ignore=.venv
--ignore=node_modules`, translate it in locale/ja/LC_MESSAGES/django.po, and
`python manage.py compilemessages` (`make run` and `make test` compile too).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.po import entries

BASE_DIR = Path(settings.BASE_DIR)
JA_PO = BASE_DIR / "locale" / "ja" / "LC_MESSAGES" / "django.po"

# The source tree as makemessages reads it, without environments, build output,
# caches and vendored files (static/: scripts take their text from the page).
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "var",
    "static",
    "staticfiles",
    "locale",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "db.sqlite3*",
    "artifacts",
    "results",
)

# Written the same way in Japanese business text.
SAME_IN_JAPANESE = {"CSV", "PDF", "VIP"}

# What has to come through translation unchanged: Python placeholders, HTML tags
# and the counter the selection script replaces.
PRESERVED = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|%%|</?[a-z]+[^>]*>|__N__")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")


@pytest.fixture(scope="module")
def catalogue():
    header, *messages = entries(JA_PO)
    return header, messages


def test_catalogue_is_japanese_with_one_plural_form(catalogue):
    header, _messages = catalogue

    assert "fuzzy" not in header.flags
    assert "Language: ja\n" in header.msgstr[""]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[""]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[""]


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    _header, messages = catalogue

    untranslated = [e.msgid for e in messages if not all(t.strip() for t in e.translations)]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    left_in_english = [
        e.msgid
        for e in messages
        if e.msgid not in SAME_IN_JAPANESE and not JAPANESE.search("".join(e.translations))
    ]

    assert untranslated == []
    assert fuzzy == []
    assert left_in_english == []


def test_plural_messages_have_the_single_japanese_form(catalogue):
    _header, messages = catalogue

    plurals = [e for e in messages if e.msgid_plural is not None]

    assert plurals
    assert [e.msgid for e in plurals if set(e.msgstr) != {"0"}] == []


def test_placeholders_and_markup_survive_translation(catalogue):
    _header, messages = catalogue
    broken = []
    for entry in messages:
        for translation in entry.translations:
            wanted = sorted(PRESERVED.findall(entry.msgid_plural or entry.msgid))
            if sorted(PRESERVED.findall(translation)) != wanted:
                broken.append((entry.msgid, translation))

    assert broken == []


def test_msgfmt_accepts_the_catalogue(tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install gettext (Debian: apt-get install gettext)"

    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(JA_PO)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_makemessages_finds_no_string_missing_from_the_catalogue(tmp_path):
    """A newly marked string fails here until it is in django.po (and translated)."""
    tree = tmp_path / "src"
    shutil.copytree(BASE_DIR, tree, ignore=NOT_SOURCE)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ja",
            "--ignore=.venv",
            "--ignore=node_modules",
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    fresh = {e.key for e in entries(tree / "locale" / "ja" / "LC_MESSAGES" / "django.po")[1:]}
    committed = {e.key for e in entries(JA_PO)[1:]}

    missing = sorted(fresh - committed, key=str)

    assert missing == [], "Run makemessages -l ja and translate: " + "; ".join(
        repr(msgid) for _context, msgid, _plural in missing
    )


def test_scripts_take_their_text_from_the_page():
    """There is no djangojs catalogue: a script calling gettext() would go untranslated."""
    calls = [
        path.name
        for path in (BASE_DIR / "static" / "js").glob("*.js")
        if re.search(r"\b(n|p)?gettext\(|\binterpolate\(", path.read_text(encoding="utf-8"))
    ]

    assert calls == []


def test_compiled_catalogue_is_current():
    """The pages and emails under test read the .mo: `make test` compiles it first."""
    compiled = JA_PO.with_suffix(".mo")

    assert compiled.exists(), "Run `python manage.py compilemessages` (make test does)"
    assert compiled.stat().st_mtime >= JA_PO.stat().st_mtime, (
        "django.mo is older than django.po: run `python manage.py compilemessages`"
    )
