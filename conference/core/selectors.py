"""Reads of the core app, always scoped to one conference."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from conference.core.models import (
    AuditLog,
    Conference,
    Heartbeat,
    OutgoingEmail,
)


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


def audit_latest(*, conference, limit=10, actions=None, exclude_prefixes=()):
    entries = AuditLog.objects.filter(conference=conference).select_related("actor")
    if actions:
        entries = entries.filter(action__in=actions)
    for prefix in exclude_prefixes:
        entries = entries.exclude(action__startswith=prefix)
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
        try:
            beat = Heartbeat.objects.filter(name="beat").first()
        except Exception as exc:
            checks["beat"] = {"ok": False, "error": type(exc).__name__}
            return checks, False
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


def outbox_list(*, conference, status="", query=""):
    """One conference's emails for the staff outbox page, newest first (bodies deferred)."""
    emails = OutgoingEmail.objects.filter(conference=conference).defer(
        "body_text", "body_html", "ics"
    )
    if status:
        emails = emails.filter(status=status)
    if query:
        emails = emails.filter(Q(recipient__icontains=query) | Q(subject__icontains=query))
    return emails.order_by("-created_at", "-pk")


def outbox_get(*, conference, email_id):
    return get_object_or_404(OutgoingEmail, conference=conference, pk=email_id)
