"""Test doubles: an SMS backend that is slow on purpose, and a fake Twilio on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from notifications.channels.sms import FileSmsBackend


class SlowFileSmsBackend(FileSmsBackend):
    """Holds the line long enough for a second, concurrent delivery to try its claim."""

    def send(self, to: str, text: str) -> str:
        time.sleep(0.3)
        return super().send(to, text)


class FakeTwilio:
    """Answers POST .../Messages.json with the queued (status, body) pairs, then 201s."""

    def __init__(self) -> None:
        self.responses: list[tuple[int, dict]] = []
        self.requests: list[dict] = []
        self.base_url = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                fake.requests.append(
                    {"path": self.path, "form": {k: v[0] for k, v in form.items()}}
                )
                status, body = (
                    fake.responses.pop(0)
                    if fake.responses
                    else (201, {"sid": f"SM{len(fake.requests):032d}"})
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
