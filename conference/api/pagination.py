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
    value = getattr(row, field)
    return value.isoformat() if isinstance(value, datetime) else value


def since(value):
    """`updated_since` as an aware datetime (422 if it is not ISO 8601 with an offset)."""
    moment = parse_datetime(value) if value else None
    if moment is None or moment.tzinfo is None:
        raise invalid(
            _("updated_since must be an ISO 8601 date and time with an offset, e.g. %(ex)s.")
            % {"ex": "2026-11-05T09:30:00+05:30"}
        )
    return moment


def cursor_page(request, queryset, page, *, order=("updated_at", "id")):
    """
    One page of `queryset` as {"results": rows, "next": url-or-None}, where
    rows are model instances (the caller's schema serialises them). One
    query: the page and one row more, to know whether another page follows.
    """
    limit = page.limit
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(_("limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT})
    if page.updated_since:
        queryset = queryset.filter(updated_at__gt=since(page.updated_since))
    if page.cursor:
        values = _decode(page.cursor, len(order))
        if len(order) == 2:
            first, last_id = values
            if isinstance(first, str):
                first = parse_datetime(first)
            queryset = queryset.filter(
                Q(**{f"{order[0]}__gt": first}) | Q(**{order[0]: first, "id__gt": last_id})
            )
        else:
            queryset = queryset.filter(id__gt=values[0])
    rows = list(queryset.order_by(*order)[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        query = request.GET.copy()
        query["cursor"] = _encode([_key(rows[-1], field) for field in order])
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"results": rows, "next": following}
