"""
Metrics in Prometheus's text format, served at /metrics (conference/portal/views/ops.py).

Two kinds:

- Per request, counted by the process that served it: the latency of each
  view as a histogram, labelled by the route's name (never the raw path, so
  the label set stays bounded), the method and the status class
  (`RequestMetricsMiddleware`).
- Per scrape, read from the database and the broker by whichever process
  answers (`PortalCollector`): the outbox backlog, its failed rows and the
  age of the oldest unsent email; the Celery queues' lengths; the age of each
  heartbeat. A few cheap queries, whatever the size of the conference. Apps
  above the core add their own through `metrics_collect` (the API's
  webhooks: conference/api/metrics.py).

gunicorn runs several processes, each with its own counters. With
PROMETHEUS_MULTIPROC_DIR set (to an empty directory, wiped when gunicorn
starts, before prometheus_client is imported) every process writes its
request metrics there and a scrape adds them up (prometheus_client's
multiprocess mode); without it, a scrape reports the process that answered.
"""

import logging
import os
import time

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.dispatch import Signal
from django.utils import timezone
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from conference.core.models import Heartbeat, OutgoingEmail

logger = logging.getLogger(__name__)

# Sent at each scrape with no arguments; a receiver returns an iterable of
# metric families (prometheus_client.core.*MetricFamily). Receivers run in the
# scrape's request: keep them to a query or two.
metrics_collect = Signal()

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_DURATION = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status class.",
    ["view", "method", "status"],
    # 0.5 s: the target p95 of every logged-in page.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def route_name(request):
    """
    The label of a request's view: its URL name with namespace
    ("conference:home"), or for a route without a name its view's dotted
    path. Requests answered before URL resolution (static files, HTTPS
    redirects) or by no route (404) share one label each.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    shared = getattr(request, "shared_page_view", None)  # conference/core/shared_cache.py
    if shared is not None:
        return shared
    if request.path.startswith(settings.STATIC_URL):
        return "<static>"
    return "<unresolved>"


# One line per request (route name, never the address: it may hold a token).
# Logged at INFO; settings.LOGGING shows it only with LOG_FORMAT=json, where it
# is the access log that the request id ties to the rest.
access_logger = logging.getLogger("conference.requests")


class RequestMetricsMiddleware:
    """Times each request, from the outermost middleware to the response, and logs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        view = route_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_DURATION.labels(
            view=view, method=method, status=f"{response.status_code // 100}xx"
        ).observe(duration)
        access_logger.info(
            "%s %s %s",
            method,
            view,
            response.status_code,
            extra={
                "view": view,
                "method": method,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
            },
        )
        return response


# Read at scrape time ----------------------------------------------------------------

OUTBOX_BACKLOG = (
    OutgoingEmail.Status.QUEUED,
    OutgoingEmail.Status.SENDING,
    OutgoingEmail.Status.RETRY,
)
# kombu's Redis transport keeps a queue's messages of priority n in the list
# "<queue>\x06\x16<n>" (n = 3, 6, 9) and those of priority 0 in "<queue>".
_KOMBU_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def _source_up(source, ok):
    family = GaugeMetricFamily(
        "portal_metrics_source_up",
        "Whether the scrape could read a source (1) or not (0).",
        labels=["source"],
    )
    family.add_metric([source], 1 if ok else 0)
    return family


def outbox_families():
    """The outbox by status (rows still to send, and failed ones), and the oldest unsent."""
    backlog = Q(status__in=OUTBOX_BACKLOG)
    totals = OutgoingEmail.objects.filter(
        status__in=[*OUTBOX_BACKLOG, OutgoingEmail.Status.FAILED]
    ).aggregate(
        **{
            status.value: Count("id", filter=Q(status=status))
            for status in [*OUTBOX_BACKLOG, OutgoingEmail.Status.FAILED]
        },
        oldest=Min("created_at", filter=backlog),
    )
    emails = GaugeMetricFamily(
        "portal_outbox_emails",
        "Outbox rows still to send (queued, sending, retry) and failed ones, by status.",
        labels=["status"],
    )
    for status in [*OUTBOX_BACKLOG, OutgoingEmail.Status.FAILED]:
        emails.add_metric([status.value], totals[status.value])
    backlog_total = sum(totals[status.value] for status in OUTBOX_BACKLOG)
    oldest = totals["oldest"]
    yield emails
    yield GaugeMetricFamily(
        "portal_outbox_backlog",
        "Outbox rows not yet sent (queued, sending or waiting to retry).",
        value=backlog_total,
    )
    yield GaugeMetricFamily(
        "portal_outbox_failed",
        "Outbox rows that failed for good (shown in the staff outbox).",
        value=totals[OutgoingEmail.Status.FAILED.value],
    )
    yield GaugeMetricFamily(
        "portal_outbox_oldest_unsent_age_seconds",
        "Age of the oldest outbox row not yet sent; 0 when there is none.",
        value=(timezone.now() - oldest).total_seconds() if oldest else 0,
    )


def heartbeat_families():
    ages = GaugeMetricFamily(
        "portal_heartbeat_age_seconds",
        "Seconds since a periodic process (beat) last recorded its heartbeat. "
        "Absent when it never has.",
        labels=["name"],
    )
    now = timezone.now()
    for name, beat_at in Heartbeat.objects.values_list("name", "beat_at"):
        ages.add_metric([name], (now - beat_at).total_seconds())
    yield ages


def celery_queue_names():
    from celery import current_app

    queues = current_app.conf.task_queues or ()
    names = sorted(queue.name for queue in queues)
    return names or [settings.CELERY_TASK_DEFAULT_QUEUE]


_redis_clients = {}


def _broker_redis():
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        _redis_clients[url] = client
    return client


def celery_queue_families():
    """Messages waiting in each Celery queue (a Redis broker only: `make run`'s folder has none)."""
    client = _broker_redis()
    if client is None:
        return
    names = celery_queue_names()
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            for suffix in _KOMBU_PRIORITY_SUFFIXES:
                pipe.llen(name + suffix)
        sizes = pipe.execute()
    lengths = GaugeMetricFamily(
        "portal_celery_queue_length",
        "Messages waiting in a Celery queue of the Redis broker (not yet taken by a worker).",
        labels=["queue"],
    )
    step = len(_KOMBU_PRIORITY_SUFFIXES)
    for index, name in enumerate(names):
        lengths.add_metric([name], sum(sizes[index * step : (index + 1) * step]))
    yield lengths


class PortalCollector:
    """
    The gauges computed at each scrape. A source that cannot be read (the
    database or Redis is down) is reported by `portal_metrics_source_up`
    instead of failing the scrape, which still serves the request metrics.
    """

    def collect(self):
        try:
            families = [*outbox_families(), *heartbeat_families()]
        except DatabaseError:
            logger.warning("Metrics: the database could not be read.", exc_info=True)
            yield _source_up("database", False)
        else:
            yield from families
            yield _source_up("database", True)

        try:
            families = list(celery_queue_families())
        except redis.RedisError:
            logger.warning("Metrics: the broker could not be read.", exc_info=True)
            yield _source_up("broker", False)
        else:
            yield from families
            if families:
                yield _source_up("broker", True)

        for receiver, result in metrics_collect.send_robust(sender=None):
            if isinstance(result, Exception):
                logger.warning("Metrics: %s failed.", receiver.__qualname__, exc_info=result)
                continue
            yield from result


class _ThisProcess:
    """The metrics this process holds (prometheus_client's default registry)."""

    def collect(self):
        return PROCESS_REGISTRY.collect()


def metrics_render():
    """The text of a scrape: request metrics (every process's, in multiprocess mode) and gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(PortalCollector())
    return generate_latest(registry)
