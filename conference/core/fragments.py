"""
Repeated fragments (the directory's cards) rendered once per distinct content.

A page of 24 cards spent more time in the template engine than in the
database. Each card is a plain dict of exactly what its template reads
(nothing else can reach the template), so the dict's digest, with the
language and the code version, is a key that can never name an outdated
rendering: whatever changes what a card shows changes its key. Unused
renderings age out of the cache.
"""

import hashlib
import json

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from conference.core.release import code_version

FRAGMENT_SECONDS = 6 * 60 * 60


def fragment_key(template_name, data):
    content = json.dumps([template_name, data], sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    return f"fragment:{code_version()}:{get_language()}:{digest}"


def render_each(template_name, name, items):
    """
    `template_name` rendered with each of `items` (dicts) as `name`: one
    cache round trip for all of them, the template engine only for misses.
    """
    keys = [fragment_key(template_name, item) for item in items]
    found = cache.get_many(keys)
    template = None
    rendered, missing = [], {}
    for key, item in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(template_name)
            html = missing[key] = template.render({name: item})
        # Rendered by the template engine, escaped as it always is.
        rendered.append(mark_safe(html))  # noqa: S308
    if missing:
        cache.set_many(missing, FRAGMENT_SECONDS)
    return rendered
