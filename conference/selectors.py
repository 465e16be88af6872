"""Reads of the core app, always scoped to one conference."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from conference.models import AuditLog, Conference, Heartbeat, OutgoingEmail


def conference_list_upcoming():
    today = timezone.localdate()
    return Conference.objects.filter(end_date__gte=today - timedelta(days=30)).order_by(
        "start_date"
    )


def count_by(queryset, field):
    """{value of `field`: number of rows} in one query."""
    rows = queryset.values(field).annotate(n=Count("pk")).order_by()
    return {row[field]: row["n"] for row in rows}


def outbox_status_counts(*, conference):
    counts = dict.fromkeys(OutgoingEmail.Status.values, 0)
    counts.update(count_by(OutgoingEmail.objects.filter(conference=conference), "status"))
    return counts


def audit_latest(*, conference, limit=10, actions=None):
    entries = AuditLog.objects.filter(conference=conference).select_related("actor")
    if actions:
        entries = entries.filter(action__in=actions)
    return entries[:limit]


def health_status():
    """The state of each dependency for /healthz: ({name: detail}, healthy)."""
    checks = {}
    healthy = True

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        healthy = False

    if settings.REDIS_URL:
        try:
            cache.set("healthz", "1", timeout=10)
            ok = cache.get("healthz") == "1"
            checks["redis"] = {"ok": ok}
        except Exception as exc:
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
            ok = False
        healthy = healthy and ok
    else:
        checks["redis"] = {"ok": True, "detail": "not configured (embedded mode)"}

    if checks["database"]["ok"]:
        beat = Heartbeat.objects.filter(name="beat").first()
        if beat is None:
            checks["beat"] = {"ok": False, "age_seconds": None}
            healthy = False
        else:
            age = (timezone.now() - beat.beat_at).total_seconds()
            ok = age <= settings.HEARTBEAT_MAX_AGE_SECONDS
            checks["beat"] = {"ok": ok, "age_seconds": round(age, 1)}
            healthy = healthy and ok
    else:
        checks["beat"] = {"ok": False, "age_seconds": None}
    return checks, healthy
