"""
The code version: what cached renderings are keyed by besides their data, so
that a deploy never serves a page rendered with the previous templates,
translations or static file names.

CODE_VERSION (a setting, e.g. the image's git commit) names it; without it,
a digest of the sources that shape a page (Python, templates, compiled
translations, static files) is computed once per process (about 600 files,
a few milliseconds).
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings

SOURCE_DIRS = (
    "accounts",
    "b2b_meetings",
    "conference",
    "sessions_app",
    "templates",
    "locale",
    "static",
)
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".css", ".js", ".svg", ".json"})


def source_digest(base_dir, dirs=SOURCE_DIRS):
    """A short digest of every source file under `dirs` of `base_dir`: names and contents."""
    base = Path(base_dir)
    digest = hashlib.sha256()
    for name in dirs:
        root = base / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if (
                path.suffix in SOURCE_SUFFIXES
                and path.is_file()
                and "__pycache__" not in path.parts
            ):
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def code_version():
    return settings.CODE_VERSION or source_digest(settings.BASE_DIR)
