"""A real SMTP server for delivery tests: aiosmtpd on 127.0.0.1, a free port."""

import contextlib
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.helpers.processes import free_port


class SmtpSink:
    """
    An aiosmtpd handler that keeps every accepted message. Set `answer` to an
    SMTP reply such as "451 4.3.0 Try again later" to refuse the next ones.
    """

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.answer = None
        self.messages = []
        self.refused = 0
        self._lock = threading.Lock()

    def reset(self):
        with self._lock:
            self.answer = None
            self.messages = []
            self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.answer:
                self.refused += 1
                return self.answer
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": message_from_bytes(envelope.content, policy=policy.default),
                }
            )
        return "250 2.0.0 OK"


@contextlib.contextmanager
def running_smtp_sink(host="127.0.0.1"):
    sink = SmtpSink(host, free_port(host))
    controller = Controller(sink, hostname=host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
