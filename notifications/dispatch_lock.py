"""One dispatch loop at a time, however many beats or dispatch workers are running.

Two beats (a common deployment mistake: one per host) start two dispatch tasks a second. Each
loop claims with SKIP LOCKED, so they never claim the same reminder, but two loops at once only
compete for the same rows and, before dispatch had its own queue, held two delivery processes.
A dispatch task therefore takes a PostgreSQL advisory lock for the length of its loop; a task
that finds it taken returns at once: the loop already running covers that second.

The lock belongs to the database session, so a dispatcher that dies (or whose connection is
killed) releases it with its connection. SQLite (`make run`, one host, one beat) has no advisory
locks: there the lock is always granted.
"""

import contextlib
import logging
from collections.abc import Iterator

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# Any 64-bit number unique among this database's advisory locks: "dispatch" in ASCII.
DISPATCH_LOCK_KEY = 0x6469737061746368


@contextlib.contextmanager
def dispatch_lock() -> Iterator[bool]:
    """Yield True if this process holds the dispatch lock (and release it afterwards), False if another does."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DISPATCH_LOCK_KEY])
        (held,) = cursor.fetchone()
    try:
        yield held
    finally:
        if held:
            release()


def release() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [DISPATCH_LOCK_KEY])
    except DatabaseError:
        # The connection is gone, and the lock went with it.
        logger.warning("Dispatch lock not released: the database connection was lost (the lock goes with it).")
