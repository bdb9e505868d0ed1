"""``relais mail-sink``: a local debugging SMTP server that prints what it receives."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click


@click.command("mail-sink")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
def mail_sink(port: int) -> None:
    """Receive e-mail on 127.0.0.1 and print it (demo, development): nothing is delivered."""
    from service.mailsink import MailSink

    stop = threading.Event()

    def ask_to_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    with MailSink(port, echo=True):
        click.echo(f"Mail sink on 127.0.0.1:{port}: e-mails are printed here, not delivered.")
        stop.wait()
