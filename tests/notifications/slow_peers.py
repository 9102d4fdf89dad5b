"""Peers that are too slow, on real sockets in threads: an HTTP server that answers one byte at a time,
and an SMTP server that accepts the connection and then says nothing (or one byte now and then).

Each records when every request began and ended, so that a test can see whether two sends of one
reminder ever overlapped.
"""

import contextlib
import itertools
import json
import select
import socket
import threading
import time


class SlowPeer:
    """A listening socket on a free port; each connection is handled in its own thread."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.requests: list[dict] = []  # {"key", "began", "ended"}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self.stopped.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (a close alone leaves it listening)
        self.listener.close()
        self.thread.join(timeout=5)

    def serve(self) -> None:
        while not self.stopped.is_set():
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.handle_and_close, args=(peer,), daemon=True).start()

    def handle_and_close(self, peer: socket.socket) -> None:
        request = {"key": None, "began": time.time(), "ended": None}
        with self.lock:
            self.requests.append(request)
        try:
            self.handle(peer, request)
        except OSError:
            pass  # the sender hung up: what a deadline does
        finally:
            request["ended"] = time.time()
            peer.close()

    def dribble(self, peer: socket.socket, data: bytes, every: float) -> None:
        """Send `data` one byte every `every` seconds; stop as soon as the sender hangs up."""
        for byte in data:
            readable, _, _ = select.select([peer], [], [], every)
            if self.stopped.is_set() or (readable and not peer.recv(1)):
                return
            peer.sendall(bytes([byte]))

    def handle(self, peer: socket.socket, request: dict) -> None:
        raise NotImplementedError

    def overlapping(self) -> list[str]:
        """Keys sent again while an earlier send of the same key was still going on."""
        by_key: dict[str, list[dict]] = {}
        for request in self.requests:
            by_key.setdefault(request["key"], []).append(request)
        overlaps = []
        for key, requests in by_key.items():
            requests.sort(key=lambda r: r["began"])
            for earlier, later in itertools.pairwise(requests):
                if later["began"] < (earlier["ended"] or float("inf")):
                    overlaps.append(key)
        return overlaps


class DribblingHTTPServer(SlowPeer):
    """Reads a whole POST, then answers 200 one byte every `every` seconds (a long answer); once
    `slow` is set to False, answers 202 at once, and the request's `accepted` is True."""

    def __init__(self, every: float = 0.2, body_bytes: int = 10_000):
        super().__init__()
        self.every, self.body_bytes = every, body_bytes
        self.slow = True
        self.url = f"http://127.0.0.1:{self.port}/tracker-events"

    def accepted(self) -> list[str]:
        return [request["key"] for request in self.requests if request.get("accepted")]

    def handle(self, peer, request):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = peer.recv(65536)
            if not chunk:
                return
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += peer.recv(65536)
        request["key"] = json.loads(body)["key"]
        if not self.slow:
            peer.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            request["accepted"] = True
            return
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % self.body_bytes
        self.dribble(peer, answer + b"x" * self.body_bytes, self.every)


class HangingSMTPServer(SlowPeer):
    """Accepts the connection, then says nothing; with `every`, its greeting comes one byte at a time, for ever."""

    def __init__(self, every: float | None = None):
        super().__init__()
        self.every = every

    def handle(self, peer, request):
        if self.every:
            self.dribble(peer, b"220" + b"-" * 100_000, self.every)  # a greeting line that never ends
        else:
            self.stopped.wait()
