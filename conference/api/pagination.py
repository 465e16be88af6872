"""
Sync-friendly lists: cursor pagination over a stable order, `updated_since`.

A list is ordered by (updated_at, id) (or by id alone for resources that do
not change), and the cursor is the sort key of the last row of the page, so
rows written while a client pages through never shift a page or repeat one.
A client that keeps the greatest `updated_at` it has seen asks next time
with `updated_since` for what changed since.
"""

import base64
import json
import re
from datetime import datetime

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Schema

from conference.api.errors import invalid

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    updated_since: str | None = None


def _encode(values):
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor, size):
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise invalid(_("The cursor is not one this API gave out.")) from exc
    if not isinstance(values, list) or len(values) != size:
        raise invalid(_("The cursor is not one this API gave out."))
    return values


def _key(row, field):
    value = row[field] if isinstance(row, dict) else getattr(row, field)
    return value.isoformat() if isinstance(value, datetime) else value


def _aware(text):
    """`text` as an aware datetime, or None (parse_datetime raises for a 13th month)."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def since(value):
    """`updated_since` as an aware datetime (422 if it is not ISO 8601 with an offset)."""
    if value:
        # An unencoded "+05:30" in a query string arrives as " 05:30".
        value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value)
    moment = _aware(value) if value else None
    if moment is None:
        raise invalid(
            _("updated_since must be an ISO 8601 date and time with an offset, e.g. %(ex)s.")
            % {"ex": "2026-11-05T09:30:00+05:30"}
        )
    return moment


def _check_limit(page):
    if not 1 <= page.limit <= MAX_LIMIT:
        raise invalid(_("limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT})


def _cursor_values(page, order):
    """The sort key after which the page starts, or None for the first page."""
    if not page.cursor:
        return None
    values = _decode(page.cursor, len(order))
    # A forged cursor must be a 422, not a query the database refuses.
    if not isinstance(values[-1], int) or isinstance(values[-1], bool):
        raise invalid(_("The cursor is not one this API gave out."))
    if len(order) == 2:
        moment = _aware(values[0]) if isinstance(values[0], str) else None
        if moment is None:
            raise invalid(_("The cursor is not one this API gave out."))
        values[0] = moment
    return values


def _page(request, rows, page, order):
    following = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        query = request.GET.copy()
        query["cursor"] = _encode([_key(rows[-1], field) for field in order])
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"results": rows, "next": following}


def cursor_page(request, queryset, page, *, order=("updated_at", "id")):
    """
    One page of `queryset` as {"results": rows, "next": url-or-None}, where
    rows are model instances (the caller's schema serialises them), or dicts
    for a `values()` queryset. One query: the page and one row more, to know
    whether another page follows.
    `updated_since` filters on the order's time (`updated_at`, or e.g. a
    release's `published_at`).
    """
    _check_limit(page)
    if page.updated_since:
        field = order[0] if len(order) == 2 else "updated_at"
        queryset = queryset.filter(**{f"{field}__gt": since(page.updated_since)})
    values = _cursor_values(page, order)
    if values is not None:
        if len(order) == 2:
            first, last_id = values
            queryset = queryset.filter(
                Q(**{f"{order[0]}__gt": first}) | Q(**{order[0]: first, "id__gt": last_id})
            )
        else:
            queryset = queryset.filter(id__gt=values[0])
    rows = list(queryset.order_by(*order)[: page.limit + 1])
    return _page(request, rows, page, order)


def cursor_page_items(request, items, page):
    """
    `cursor_page` for a list already in memory (dicts with "updated_at" and
    "id", such as the published agenda's sessions), with the same cursors
    and `updated_since`.
    """
    _check_limit(page)
    order = ("updated_at", "id")
    keys = [(item["updated_at"], item["id"]) for item in items]
    after = _cursor_values(page, order)
    moment = since(page.updated_since) if page.updated_since else None
    rows = [
        item
        for key, item in sorted(zip(keys, items, strict=True), key=lambda pair: pair[0])
        if (moment is None or key[0] > moment) and (after is None or key > tuple(after))
    ]
    return _page(request, rows[: page.limit + 1], page, order)
