"""The version of what the ward boards show, a counter in the board cache (ward/board_cache.py).

Boards keep their rows for a few seconds under the version they were read at. Every write that
changes what a board shows calls `bump()`: the model saves and deletes (connected in
ward/apps.py) and the bulk updates of notifications/ (deliveries, acknowledgements, escalations,
cancellations). A board read after that misses its copy and reads the database afresh.

`bump()` counts at once and again when the transaction commits. At once, so that a board read
inside the same transaction (a test, a view that saves then shows) sees the change; at commit,
because a board read by another process between the two counts saw the database from before
the commit and may have kept that copy under the first new number.

The counter is one for all wards: writes are rare next to the boards' reads, and one number is
simpler to keep right than one per ward. A cache that cannot be reached never stops a write:
the boards then read the database every time (ward/board_cache.py).
"""

import logging
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY = "version"


def cache():
    return caches["board"]


def enabled() -> bool:
    return settings.BOARD_CACHE_SECONDS > 0


def bump() -> None:
    """Say that what some board shows has changed (now, and again when the transaction commits)."""
    if not enabled():
        return
    count()
    transaction.on_commit(count)


def count() -> None:
    """Count a new version now (only: `bump()` is what a write calls)."""
    try:
        cache().incr(KEY)
    except ValueError:  # no counter yet (a new or emptied cache): any new number will do
        _start()
    except RedisError:
        logger.warning("The board cache cannot be reached: boards read the database every time.")


def _start() -> None:
    try:
        # A random start: a counter lost to eviction never comes back to a number that copies were
        # kept under. add() does nothing if another process started it meanwhile: count on from there.
        if not cache().add(KEY, secrets.randbits(48), timeout=None):
            cache().incr(KEY)
    except (RedisError, ValueError):
        logger.warning("The board cache cannot be reached: boards read the database every time.")


def current() -> int | None:
    """The current version, or None when the cache cannot be reached (then nothing is cached)."""
    try:
        version = cache().get(KEY)
        if version is None:
            _start()
            version = cache().get(KEY)
        return version
    except RedisError:
        logger.warning("The board cache cannot be reached: boards read the database every time.")
        return None
