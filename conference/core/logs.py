"""
Logs that operations can follow: a request id on every line, JSON on demand,
and optional error reports to Sentry.

A request's id is taken from the proxy's `X-Request-ID` when it is a sane
token (else a new one), echoed in the response and kept in a context
variable for as long as the request runs. A task enqueued meanwhile carries
it in its message headers (`task_publish_request_id`, connected to Celery's
`before_task_publish` in conference/celery.py) and the worker restores it
while the task runs (`task_request_id_restore`). `RequestIdFilter` puts it on
every log record, whichever logger wrote it.

With LOG_FORMAT=json each line is one JSON object (`JsonFormatter`); the
default stays the plain text that `make run` prints.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# The task header that carries the id from the web process to the worker.
TASK_HEADER = "x_request_id"
# A proxy's id (nginx's $request_id, haproxy's unique-id, a UUID) is echoed
# into logs and a response header: anything else (spaces, quotes, control
# characters, kilobytes) is replaced, not trusted.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_new():
    return uuid.uuid4().hex


def request_id_from_header(value):
    """The proxy's id if it is a sane token, else a new one."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return request_id_new()


class RequestIdMiddleware:
    """
    Gives each request its id (see the module docstring) and sends it back as
    `X-Request-ID`. First in MIDDLEWARE, so every line logged while the
    request runs carries it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request or a task) to every record."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """
    One JSON object per line: time (ISO 8601, UTC), level, logger, message,
    request_id, and the extra fields a caller passed, except Django's
    `request` object (its text is the full address, query string included,
    which may hold a token).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)


# Celery signal receivers (connected in conference/celery.py) -----------------------


def task_publish_request_id(headers=None, **kwargs):
    """before_task_publish: the current request's id travels in the task's headers."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def task_request_id_restore(task=None, **kwargs):
    """
    task_prerun: a worker runs the task under the id it was published with
    (or none: a beat sweep, a task sent outside a request). A task run inline
    (eager) is already inside its caller's context and keeps its id.
    """
    if task is None or task.request.is_eager:
        return
    request_id_var.set(getattr(task.request, TASK_HEADER, None))


def task_request_id_clear(task=None, **kwargs):
    """task_postrun: the worker's next task does not inherit this one's id."""
    if task is None or task.request.is_eager:
        return
    request_id_var.set(None)


# Sentry ------------------------------------------------------------------------------


def sentry_init(dsn, *, environment=None, release=None):
    """
    Error reports to Sentry, from the web and the workers. Called by settings
    only when SENTRY_DSN is set, so without it sentry_sdk is never imported.
    No personal data is sent (no user, no cookies, no IP address), and each
    event is tagged with the request id, to find its log lines.
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def tag_request_id(event, hint):
        request_id = request_id_var.get()
        if request_id:
            event.setdefault("tags", {})["request_id"] = request_id
        return event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=tag_request_id,
    )
