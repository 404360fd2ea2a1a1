"""A webhook receiver on loopback for the tests: a real HTTP server in a thread.

Each path is one endpoint with its secret. Every request is verified with the
``standardwebhooks`` library; a plan per path says how to answer the next requests
(``"ok"``, ``"500"``, ``"timeout"`` (answer after the client gave up), ``"redirect:<url>"``);
without a plan it answers 204, after ``delay_seconds``. ``accepted`` counts, per ``webhook-id``, the requests it
answered with a 2xx, which is what "delivered" means to a sender; ``requests`` counts all.
"""

import contextlib
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, *, slow_seconds: float = 1.0, delay_seconds: float = 0.0) -> None:
        self.secrets: dict[str, str] = {}
        self.plans: dict[str, deque[str]] = defaultdict(deque)
        self.accepted: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.bodies: dict[str, Any] = {}
        self.paths: dict[str, str] = {}
        self.hosts: list[str] = []
        self.bad_signatures = 0
        self.slow_seconds = slow_seconds
        self.delay_seconds = delay_seconds
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = self._handle_error  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, path: str, *answers: str) -> None:
        with self.lock:
            self.plans[path].extend(answers)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a sender was killed mid-request; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            ThreadingHTTPServer.handle_error(self.server, request, client_address)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
                # A sender that died or gave up has closed the connection; nothing to answer.
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    self.close_connection = True  # the sender died mid-request
                    return
                message_id = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.requests[message_id] += 1
                    receiver.hosts.append(self.headers.get("Host", ""))
                    secret = receiver.secrets.get(self.path)
                    plan = receiver.plans[self.path]
                    answer = plan.popleft() if plan else "ok"
                try:
                    if secret is None:
                        raise WebhookVerificationError("no endpoint at this path")
                    payload = Webhook(secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self._answer(401)
                    return
                if answer == "500":
                    self._answer(500)
                elif answer == "timeout":
                    time.sleep(receiver.slow_seconds)
                    self._answer(200)  # too late: the sender gave up, as intended
                elif answer.startswith("redirect:"):
                    self._answer(302, {"Location": answer.removeprefix("redirect:")})
                else:
                    time.sleep(receiver.delay_seconds)  # a receiver's own work
                    with receiver.lock:
                        receiver.accepted[message_id] += 1
                        receiver.bodies[message_id] = payload
                        receiver.paths[message_id] = self.path
                    self._answer(204)

        return Handler
