"""
The Celery application.

Queues: `mail` (outbox delivery), `default` (sweeps, small jobs) and `long`
(bulk invitations, the B2B scheduler, large exports), so that a slow mail
server never delays the scheduler or the web. Periodic work is short sweeps
run by beat every minute; nothing relies on long ETA tasks, which a Redis
broker would redeliver after its visibility timeout.
"""

import logging.config
import os
from pathlib import Path

from celery import Celery
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
)
from kombu import Queue

from conference.core import beat, logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

app = Celery("conference")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("mail"), Queue("default"), Queue("long"))
app.conf.task_routes = {
    "conference.core.tasks.outbox_deliver": {"queue": "mail"},
    "conference.core.tasks.outbox_deliver_many": {"queue": "mail"},
    "conference.core.tasks.outbox_sweep": {"queue": "mail"},
    "long.*": {"queue": "long"},
    # A second or two of numpy per conference: off the default queue.
    "b2b_meetings.tasks.suggestions_refresh_task": {"queue": "long"},
    # Webhooks (conference/api/tasks.py).
    "conference.api.tasks.webhook_deliver": {"queue": "default"},
    "conference.api.tasks.webhook_sweep": {"queue": "default"},
}
app.conf.beat_schedule = {
    "heartbeat": {"task": "conference.core.tasks.heartbeat", "schedule": 30.0},
    "outbox-sweep": {"task": "conference.core.tasks.outbox_sweep", "schedule": 60.0},
    "b2b-requests-expire": {"task": "b2b_meetings.tasks.requests_expire_sweep", "schedule": 60.0},
    "b2b-meeting-reminders": {
        "task": "b2b_meetings.tasks.meeting_reminders_sweep",
        "schedule": 60.0,
    },
    "b2b-meeting-feedback": {"task": "b2b_meetings.tasks.meeting_feedback_sweep", "schedule": 60.0},
    "invitation-sweep": {"task": "accounts.tasks.invitation_sweep", "schedule": 60.0},
    # Suggested counterparts, precomputed (profile changes also refresh them at once).
    "b2b-suggestions": {"task": "b2b_meetings.tasks.suggestions_sweep", "schedule": 900.0},
    "session-reminders": {"task": "sessions_app.tasks.session_reminder_sweep", "schedule": 60.0},
    # ID document data after the retention period (accounts.services.id_data_purge).
    "id-data-purge": {"task": "accounts.tasks.id_data_purge_sweep", "schedule": 60.0},
    # Due webhook retries, and messages whose worker died or whose task was lost.
    "webhook-sweep": {"task": "conference.api.tasks.webhook_sweep", "schedule": 60.0},
    # Scheduled broadcasts that are due, and runs whose worker died.
    "broadcasts-sweep": {
        "task": "conference.portal.broadcasts.tasks.broadcasts_sweep",
        "schedule": 60.0,
    },
    # Expired export files, and background exports whose task was lost or worker died.
    "exports-sweep": {
        "task": "conference.portal.exports.tasks.export_jobs_sweep",
        "schedule": 60.0,
    },
}
app.autodiscover_tasks()
# Packages inside apps are not searched by default: the B2B scheduler's tasks
# and the background exports'.
app.autodiscover_tasks(["b2b_meetings.scheduler", "conference.portal.exports"])

# The embedded broker is a folder; make sure it exists before anyone uses it.
if app.conf.broker_url.startswith("filesystem://"):
    options = app.conf.broker_transport_options
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)


def broker_declare():
    """
    Declare the queues once, from one process, before the web server, the
    worker and beat start together. kombu's filesystem transport (the
    embedded broker of `make run`) creates an exchange's binding table without
    a lock against a second creator: two processes binding at once can leave
    it corrupt, and the worker then stops with a JSONDecodeError. Once the
    table exists, later bindings update it under a file lock.
    """
    with app.connection_for_write() as connection:
        # app.amqp.queues: the queues as the worker declares them (exchange and key filled in).
        for queue in app.amqp.queues.values():
            queue.bind(connection.default_channel).declare()


@setup_logging.connect
def _logging_from_django_settings(**kwargs):
    """
    Workers and beat log through settings.LOGGING, as the web does (plain or
    JSON, with the request id), instead of Celery's own handlers.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# The id of the request that enqueued a task follows it into the worker
# (conference/core/logs.py). Connected here, where every process that sends
# or runs tasks imports the Celery app.
before_task_publish.connect(logs.task_publish_request_id)
task_prerun.connect(logs.task_request_id_restore)
task_postrun.connect(logs.task_request_id_clear)


@beat.leader_elected.connect
def _first_heartbeat(sender=None, **kwargs):
    """
    Record a heartbeat as soon as a beat leads, not a full interval later.
    Not when beat starts: a standby beat (conference/core/beat.py) sends
    nothing, and its heartbeat would hide a dead leader.
    """
    app.send_task("conference.core.tasks.heartbeat")
