"""The one command line the suite starts Celery workers with."""

import sys


def celery_worker_argv(*, hostname=None, program=None):
    """
    A Celery worker on every queue with the solo pool, as docker-compose.yml
    starts it (without beat). `program` replaces `python -m celery`, e.g. a
    `python -c` wrapper that patches a setting before Celery starts.
    """
    return [
        *(program or [sys.executable, "-m", "celery"]),
        "-A",
        "conference",
        "worker",
        "--queues=mail,default,long",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *([f"--hostname={hostname}"] if hostname else []),
        "--loglevel=INFO",
    ]
