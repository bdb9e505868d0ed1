"""The demo's child processes start in an order where each finds what it talks to."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from service import cli_publishing


class _Child:
    def __init__(self, name: str) -> None:
        self.name = name


def test_the_mail_sink_listens_before_the_worker_starts(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Any) -> None:
    # The worker's first round sends the digests that are due: a sink not yet listening
    # logged « digest to user 9 not sent: ConnectionRefusedError » on the demo's first start.
    steps: list[str] = []

    def start(*args: str, env: dict[str, str]) -> _Child:
        steps.append(f"start {args[0]}")
        return _Child(args[0])

    monkeypatch.setattr(cli_publishing, "_relais", start)
    monkeypatch.setattr(cli_publishing, "_wait_listening",
                        lambda port, child, name: steps.append(f"listening {child.name}"))
    monkeypatch.setattr(cli_publishing, "_seed_demo_world", lambda *a, **k: None)
    monkeypatch.setattr(cli_publishing, "_stop", lambda child: None)
    settings = Settings(data_dir=tmp_path, database_url="postgresql://demo")
    with cli_publishing.demo_publishing(settings):
        pass
    assert steps == ["start fake-graph", "listening fake-graph", "start mail-sink",
                     "listening mail-sink", "start worker"]
