"""
A real HTTP receiver for webhook tests: a threaded http.server on 127.0.0.1
that answers with the status codes it is told (200 once the script runs
out), optionally after a pause, and keeps every request it got.
`receiving` is set while a request waits for its answer.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def text(self):
        return self.body.decode()


class Receiver:
    """`with Receiver() as receiver:` ... receiver.url, receiver.requests."""

    def __init__(self, statuses=(), delay=0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.requests = []
        self.receiving = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    delay = receiver.delay
                if delay:
                    receiver.receiving.set()
                    time.sleep(delay)
                    receiver.receiving.clear()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"receiver says no")
                except (BrokenPipeError, ConnectionResetError):
                    # The sender gave up first (the timeout tests): nothing to answer.
                    pass

            def log_message(self, format, *args):
                pass

        return Handler

    def ids(self):
        """The webhook-id of each request, in the order received."""
        with self.lock:
            return [request.headers["webhook-id"] for request in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
