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

import functools
import logging
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY = "tracker:board-version"
UNREACHABLE = "The board cache cannot be reached: boards read the database every time."


def cache():
    """Where the boards are kept (a Django cache, in Redis)."""
    return caches["board"]


@functools.cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.5)


def counter() -> Redis:
    """The counter is read and counted on the cache's Redis directly: one round trip a count."""
    return _redis(settings.CACHES["board"]["LOCATION"])


def enabled() -> bool:
    return settings.BOARD_CACHE_SECONDS > 0


def bump() -> None:
    """Say that what some board shows has changed (now, and again when the transaction commits)."""
    if not enabled():
        return
    count()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(count)


def count() -> None:
    """Count a new version now (only: `bump()` is what a write calls)."""
    try:
        if counter().incr(KEY) == 1:
            # There was no counter (a new or emptied Redis): on to a random number, so that a counter
            # lost to eviction never comes back to a number that copies were kept under.
            counter().incrby(KEY, secrets.randbits(48))
    except RedisError:
        logger.warning(UNREACHABLE)


def current() -> int | None:
    """The current version, or None when the cache cannot be reached (then nothing is cached)."""
    try:
        version = counter().get(KEY)
        if version is None:
            count()
            version = counter().get(KEY)
    except RedisError:
        logger.warning(UNREACHABLE)
        return None
    return int(version) if version is not None else None
