"""Real HTTP servers on localhost for the channels to talk to: one speaking Twilio's Messages API,
one receiving webhooks. Each records what it received and can be told to answer errors."""

import base64
import email.utils
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json$")


class RecordingServer:
    """A threaded HTTP server; subclasses answer in `answer(handler, body) -> (status, headers, body)`."""

    def __init__(self):
        self.received: list[dict] = []
        self.failures: list[tuple[int, dict]] = []  # answered, in order, before any success
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = peer.answer(self, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, payload: dict | None = None, times: int = 1) -> None:
        self.failures.extend([(status, payload or {})] * times)

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError


class FakeTwilio(RecordingServer):
    """Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`: Basic auth, form body, 201 + a message."""

    def __init__(self, account_sid: str, auth_token: str):
        super().__init__()
        self.credentials = f"{account_sid}:{auth_token}"

    def answer(self, handler, body):
        match = MESSAGES_PATH.match(handler.path)
        if not match:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        auth = handler.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(self.credentials.encode()).decode():
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        if self.failures:
            status, payload = self.failures.pop(0)
            return status, {"code": 0, "message": "scripted failure", "status": status} | payload
        if not E164.match(form.get("To", "")):
            return 400, {"code": 21211, "message": f"The 'To' number {form.get('To')} is not valid.", "status": 400}
        if not form.get("Body"):
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        self.received.append(form)
        sid = "SM" + uuid.uuid4().hex
        now = email.utils.formatdate(usegmt=True)
        return 201, {
            "sid": sid, "account_sid": match["account"], "to": form["To"], "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"], "status": "queued",
            "num_segments": "1", "direction": "outbound-api", "date_created": now, "date_updated": now,
            "uri": f"/2010-04-01/Accounts/{match['account']}/Messages/{sid}.json",
        }  # fmt: skip


class WebhookReceiver(RecordingServer):
    """An interface engine's endpoint: keeps each request's headers and JSON body."""

    def answer(self, handler, body):
        self.received.append({"headers": dict(handler.headers), "body": body})
        if self.failures:
            return self.failures.pop(0)
        return 202, {"accepted": True}
