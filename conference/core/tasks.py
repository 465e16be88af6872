"""
Celery tasks of the core app: thin wrappers that take ids and call services.

`enqueue` is the one way to start a task from a request or a service: it
waits for the transaction to commit, and if the broker is unreachable it logs
and moves on, because the periodic sweeps pick up whatever was not enqueued.
"""

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from conference.core import services

logger = logging.getLogger(__name__)


def _send(task, args, kwargs):
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, ConnectionError, TimeoutError):
        # The broker is down: the sweep will catch up. Errors raised by the
        # task itself (when tasks run inline) are not hidden here.
        logger.warning("Could not enqueue %s%r; the periodic sweep will.", task.name, args)


def enqueue(task, *args, **kwargs):
    """Start `task` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task, args, kwargs))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_deliver(email_id):
    services.outbox_deliver(email_id=email_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_deliver_many(email_ids):
    """Deliver the rows of a bulk send over one SMTP session (email_queue_many)."""
    services.outbox_deliver_many(email_ids=email_ids)


@shared_task
def outbox_sweep():
    """Deliver every due or stuck row, including those the broker never got."""
    for email_id in services.outbox_due_ids():
        _send(outbox_deliver, (email_id,), {})


@shared_task
def heartbeat():
    services.heartbeat_record(name="beat")
