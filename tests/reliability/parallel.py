"""
Helpers of the concurrency suite: work run in threads released at one
instant, each thread on its own PostgreSQL connection, and scratch tables
for the control tests.

The control tests run the same check-then-insert logic with the lock or the
constraint taken away, to show that the race they guard against does happen
on this database. They never touch production code or tables: the unlocked
logic lives in the test, and a constraint is taken away by writing to a
scratch table that has the same columns but not the constraint (or has the
production index copied onto it, to show the index alone stops the race).
"""

import contextlib
import re
import threading
import time

from django.db import connection

# How long the unlocked logic of a control test (and the locked logic of the
# matching real test) spends between its check and its write: a request's
# ordinary work, made long enough that every thread has checked before the
# first one writes, whatever the load of the machine.
WINDOW_SECONDS = 0.3


def run_together(work, count, *, refusals=()):
    """
    Run work(i) for i in range(count) in threads started at the same instant;
    return their outcomes: ("ok", value), ("refused", message) for an
    exception of a type in `refusals`, ("crash", repr) for anything else.
    """
    barrier = threading.Barrier(count, timeout=60)
    outcomes = [None] * count

    def target(i):
        try:
            barrier.wait()
            outcomes[i] = ("ok", work(i))
        except refusals as exc:
            outcomes[i] = ("refused", str(exc))
        except Exception as exc:  # anything else is a bug: report it, do not hang
            outcomes[i] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def kinds(outcomes):
    return [kind for kind, _detail in outcomes]


def crashes(outcomes):
    return [detail for kind, detail in outcomes if kind == "crash"]


def slowed(module, name, seconds=WINDOW_SECONDS):
    """
    `module.name` made to wait `seconds` before it runs: called inside a
    locked section, it widens that section as WINDOW_SECONDS widens a control
    test's race window. Use with monkeypatch.setattr.
    """
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    return slow


def _index_definition(index, table):
    """CREATE INDEX for production index `index`, made to apply to `table` instead."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
        (definition,) = cursor.fetchone()
    definition = re.sub(r" ON \S+ USING ", f' ON "{table}" USING ', definition, count=1)
    return definition.replace(f"INDEX {index} ON", f'INDEX "{table}_idx" ON', 1)


@contextlib.contextmanager
def scratch_table(name, columns, *, production_index=None):
    """
    A table `reliability_scratch_<name>` with `columns` (SQL) and no
    constraint; with `production_index`, that production index is created
    on it too (same definition, same columns). Dropped afterwards.
    """
    table = f"reliability_scratch_{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute(f'CREATE TABLE "{table}" ({columns})')
        if production_index:
            cursor.execute(_index_definition(production_index, table))
    try:
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
