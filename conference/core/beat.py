"""
Celery beat with a leader lock, so that beat is no single point of failure.

Run two `celery beat` processes (docker-compose.yml does). Each asks
PostgreSQL for the same session-level advisory lock; only the holder, the
leader, sends periodic tasks, and the other, the standby, asks again every
CELERY_BEAT_LEADER_RETRY_SECONDS. The lock belongs to the leader's database
session: when the leader's process dies, its connection closes and
PostgreSQL drops the lock at once, so the standby leads within one retry
interval. A machine that vanishes without closing its connection is noticed
through TCP keepalives (set on the session below) after about 25 seconds.

The leader runs a query on its session before every tick, so a leader whose
session ended (a database restart, a cut network) stops sending before it
sends again, and stands by until it wins the lock back.

Without PostgreSQL (SQLite under `make run`, with one beat inside the
worker) there is nothing to lock against: the one beat always leads. A
session lock needs a real session: connect beat to PostgreSQL directly, or
through a pooler in session mode, never in transaction mode.
"""

import contextlib
import logging

from celery.beat import PersistentScheduler
from celery.utils.dispatch import Signal
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

logger = logging.getLogger(__name__)

# Sent each time this process becomes the leader. A standby schedules nothing,
# so anything done "when beat starts" belongs here (conference/celery.py sends
# the first heartbeat on it), or a standby would hide a dead leader.
leader_elected = Signal(name="leader_elected")

# Advisory lock keys are per database; this one is used nowhere else.
LOCK_KEY = int.from_bytes(b"cel-beat", "big")

_SESSION_SETUP = (
    "SET application_name = 'celery beat'",
    # The server ends the session, and so frees the lock, about 10 + 3 * 5
    # seconds after the leader's machine stops answering.
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


def _lock_alias():
    """The connection the lock is held on: PostgreSQL itself, never a transaction pooler."""
    return "direct" if "direct" in settings.DATABASES else DEFAULT_DB_ALIAS


class LeaderScheduler(PersistentScheduler):
    """Celery's PersistentScheduler that sends only while it holds the leader lock."""

    def __init__(self, *args, **kwargs):
        self.is_leader = False
        self._connection = None
        # Creating the wrapper does not connect.
        self._locking = connections.create_connection(_lock_alias()).vendor == "postgresql"
        super().__init__(*args, **kwargs)
        self.retry_seconds = float(self.app.conf.get("beat_leader_retry_seconds") or 5)

    def setup_schedule(self):
        # Only the leader opens the schedule file (again at each election, in
        # _lead): beats on one machine may share its path, and a new leader
        # goes on from the run times the last one saved there.
        if self.is_leader:
            super().setup_schedule()

    def tick(self, *args, **kwargs):
        if not self._lead():
            return min(self.retry_seconds, self.max_interval)
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            # Ending the session frees the lock: a standby takes over at its next try.
            self._disconnect()

    def _lead(self):
        was_leader = self.is_leader
        try:
            self.is_leader = self._hold_lock()
        except Error as exc:
            self.is_leader = False
            self._disconnect()
            logger.warning("beat: the leader lock is out of reach (%s); standing by.", exc)
        if self.is_leader and not was_leader:
            logger.info("beat: holds the leader lock; sending periodic tasks.")
            self.setup_schedule()
            leader_elected.send(sender=self)
        elif was_leader and not self.is_leader:
            logger.warning("beat: lost the leader lock; no longer sending periodic tasks.")
            self._close_schedule()
        return self.is_leader

    def _close_schedule(self):
        if self._store is not None:
            try:
                self._store.close()  # saves the run times first
            except Exception:
                logger.exception("beat: could not save the schedule file.")
            self._store = None
        self._heap = None

    def _hold_lock(self):
        if not self._locking:
            return True
        if self._connection is None:
            self._connection = self._connect()
        with self._connection.cursor() as cursor:
            if self.is_leader:
                # The lock lasts as long as the session: a query that succeeds proves both.
                cursor.execute("SELECT 1")
                return True
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            return cursor.fetchone()[0]

    @staticmethod
    def _connect():
        # A connection of its own, apart from the one Django hands out per
        # thread: nothing else may close it, or reuse its session.
        # Past a transaction pooler (DATABASE_POOLER) the lock needs a session of its own.
        connection = connections.create_connection(_lock_alias())
        try:
            with connection.cursor() as cursor:
                for statement in _SESSION_SETUP:
                    cursor.execute(statement)
                if connection.pg_version >= 140000:
                    # An idle session must not be ended while it holds the lock.
                    cursor.execute("SET idle_session_timeout = 0")
        except Error:
            connection.close()
            raise
        return connection

    def _disconnect(self):
        if self._connection is not None:
            with contextlib.suppress(Error):
                self._connection.close()
            self._connection = None
