"""The worker's amplification steps: the Page posts' engagement, and the ambassadors' digests.

One thread of ``relais worker``, apart from publishing: every round it refreshes the
engagement of recent published posts from Graph and sends the digests that are due.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from config.settings import Settings
from regions.db import SessionFactory
from regions.publishing.engagement import refresh_engagement
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher
from service.mail import send_due_digests

log = logging.getLogger("relais.amplification")


def run_round(sessions: SessionFactory, graph: GraphClient, cipher: TokenCipher,
              settings: Settings) -> tuple[int, int]:
    """One round: (posts whose engagement was refreshed, digests sent)."""
    now = datetime.now(UTC)
    refreshed = refresh_engagement(sessions, graph, cipher, now=now,
                                   days=settings.engagement_days)
    sent = send_due_digests(sessions, settings, now=now) if settings.smtp_host else 0
    return refreshed, sent


def run_amplification(sessions: SessionFactory, graph: GraphClient, cipher: TokenCipher,
                      settings: Settings, stop: threading.Event, *,
                      interval: float = 60.0) -> None:
    """Run rounds until ``stop`` is set; a failed round is logged and tried again later."""
    while not stop.is_set():
        try:
            refreshed, sent = run_round(sessions, graph, cipher, settings)
            if refreshed or sent:
                log.info("engagement of %s posts refreshed, %s digests sent", refreshed, sent)
        except Exception:  # a failed round must not end the worker
            log.exception("amplification round failed; retrying later")
        stop.wait(interval)
