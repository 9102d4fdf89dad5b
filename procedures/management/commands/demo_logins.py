"""Wait until the web server answers, then print where to go and the demo log-ins; stay until stopped.

The last process of `make run` (scripts/run-demo): the log-ins are then the last thing in the
terminal, after the web server's, the worker's and beat's start-up lines. It stays up because honcho
stops every process as soon as one ends, and it ends quietly on SIGTERM or Ctrl-C.
"""

import signal
import sys
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from procedures.management.commands.seed_demo import DEMO_STAFF
from procedures.models import Staff

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Print the demo log-ins once the web server on --port answers, then wait until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--timeout", type=float, default=120, help="Seconds to wait for the web server.")

    def handle(self, *args, port: int, timeout: float, **options):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        base = f"http://127.0.0.1:{port}/"
        try:
            wait_for(f"{base}accounts/login/", timeout)
            self.stdout.write(f"Ready: open {base} (Ctrl-C stops everything).")
            self.stdout.write(f"Admin at {base}admin/. Messages to patients are printed by the worker (console).")
            for username, password, role, _name in DEMO_STAFF:
                self.stdout.write(f"  log in as {username} / {password} ({Staff.Role(role).label})")
            self.stdout.flush()
            while True:
                signal.pause()
        except KeyboardInterrupt:
            return


def wait_for(url: str, timeout: float) -> None:
    """Return once `url` gives any HTTP answer (even 503: the server is up, a service may not be yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError as error:
            if time.monotonic() > deadline:
                raise CommandError(f"The web server did not answer at {url} within {timeout:.0f} s: {error}") from None
            time.sleep(POLL_SECONDS)
