"""A local debugging SMTP sink (aiosmtpd) for the demo and the tests: it keeps what it gets."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collect:
    """The aiosmtpd handler: every message received, parsed."""

    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message (aiosmtpd's hook name)."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self._sink.received(parsed)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps it in memory."""

    def __init__(self, port: int = 0, *, echo: bool = False) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self._echo = echo
        self._controller = Controller(_Collect(self), hostname="127.0.0.1",
                                      port=port or _free_port())

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._controller.port)

    def received(self, message: EmailMessage) -> None:
        """Keep one message (and print it in the demo)."""
        with self._lock:
            self._messages.append(message)
        if self._echo:
            body = message.get_body(("plain",))
            print(f"--- e-mail to {message['To']}: {message['Subject']}\n"
                  f"{body.get_content() if body else ''}", flush=True)

    def messages(self) -> list[EmailMessage]:
        """Every message received so far."""
        with self._lock:
            return list(self._messages)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()
