"""A total deadline for one send: connect, write and read together, whatever the channel does inside.

Per-operation timeouts (requests', smtplib's) restart with every byte: a server that answers one
byte a second holds a send for ever, longer than its lease, and the reminder is then claimed and
sent again while the first send still runs. The deadline is an interval timer (SIGALRM) that
interrupts whatever call is blocking; it needs the main thread (a Celery prefork child, the test
runner). Elsewhere the channels' own per-operation timeouts are all there is.
"""

import contextlib
import signal
import threading

from django.conf import settings

# Time kept in every lease beyond the longest send: to settle the outcome, retrying on a new
# database connection after a blip (notifications.dispatch.SETTLE_PATIENCE). Checked at start-up.
SEND_MARGIN_SECONDS = 3


class SendDeadlineExceeded(BaseException):
    """The send took longer than its channel's deadline.

    A BaseException, so that no library's `except Exception` on the way up swallows it.
    """


def deadline_for(channel: str) -> float:
    """Seconds one send on `channel` may take, from start to finish (settings, per channel)."""
    deadlines = {
        "sms": settings.SMS_TIMEOUT_SECONDS,
        "email": settings.EMAIL_TIMEOUT,
        "webhook": settings.WEBHOOK_TIMEOUT_SECONDS,
    }
    # The ward inbox and the console leave nothing to wait for; the longest covers any stand-in.
    return deadlines.get(channel, max(deadlines.values()))


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise SendDeadlineExceeded in the block once `seconds` have passed (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise SendDeadlineExceeded(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
