"""The Redis broker transport, with the one fix that lets a worker outlive a Redis restart.

With celery 5.7.0 and kombu 5.7.0 (the newest on PyPI), a worker whose broker connection drops
cleans up in two steps (`Consumer.on_connection_error_after_connected`): `connection.collect()`
closes the channels and detaches the transport (`transport.client = None`), then
`connection.close()` closes the channels again. If the first step stopped half-way (closing a
channel that holds unacknowledged messages tries to put them back, and Redis is down: a
connection error ends the loop), the second step closes a channel still open, whose pool was
dropped on disconnect; opening a new pool reads `transport.client.hostname`, finds `None`, and
raises AttributeError. Celery ignores connection errors there, not AttributeError, so the worker
logs "Unrecoverable error: AttributeError 'NoneType' object has no attribute 'hostname'" and
exits; nothing is delivered until someone restarts it.

Here a channel whose transport is detached says so with a connection error: celery ignores it,
reconnects with its usual retry, and the worker carries on. The messages that channel could not
put back are still in Redis's unacknowledged set (restored after the visibility timeout) and,
above all, their reminders are still in the outbox: their lease runs out and dispatch claims
them again. Selected by CELERY_BROKER_TRANSPORT in tracker/settings.py.

And a worker that lost the broker tries again every second (Connection below), not at kombu's
growing intervals.
"""

import celery.app.amqp
import kombu
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

RECONNECT_EVERY = 1.0  # seconds between two tries to reach the broker


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("The broker connection was closed after a connection loss.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


class Connection(kombu.Connection):
    """A broker connection that tries to reconnect every second, however long Redis has been away.

    Celery's worker reconnects through `ensure_connection` with kombu's default intervals (2 s, then
    4, 6... up to 30 s between tries): after a 60 s outage a worker could wait 14 s more before it
    tried again. Deliveries must resume within seconds of Redis answering, and a refused connection
    costs nothing, so every try is a second apart.
    """

    def ensure_connection(self, *args, **kwargs):
        if len(args) <= 2:  # (errback, max_retries), as celery calls it; later positions are the intervals
            kwargs.setdefault("interval_start", RECONNECT_EVERY)
            kwargs.setdefault("interval_step", 0)
            kwargs.setdefault("interval_max", RECONNECT_EVERY)
        return super().ensure_connection(*args, **kwargs)


class AMQP(celery.app.amqp.AMQP):
    """Celery's messaging layer with the connection above (`Celery(amqp=...)` in tracker/celery.py)."""

    Connection = Connection
