"""A local HTTP server that records what it is sent: the far end of webhooks and alerts.

``HttpSink`` runs ``http.server`` on 127.0.0.1 in a thread; each request's path, headers
and body are kept in ``received``; ``answers`` (a list of status codes) is consumed one per
request, then 200.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class HttpSink:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int] = []
        self.reply = b"ok"
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                sink.received.append(Received(self.path, headers, body))
                status = sink.answers.pop(0) if sink.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", str(len(sink.reply)))
                self.end_headers()
                self.wfile.write(sink.reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} request(s), got {len(self.received)}")
            time.sleep(0.02)
        return self.received

    async def arrived(self, count: int, within: float = 10.0) -> list[Received]:
        """``wait_for`` for async tests: the loop keeps running (it may be the sender)."""
        deadline = time.monotonic() + within
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} request(s), got {len(self.received)}")
            await asyncio.sleep(0.02)
        return self.received

    def __enter__(self) -> HttpSink:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
