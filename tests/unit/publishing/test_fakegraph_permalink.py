"""The fake Page's permalink says when a post went out in the reader's time, zone named."""

from __future__ import annotations

import pytest

from service.fakegraph.permalink import page, shown_time


@pytest.mark.parametrize(("created", "shown"), [
    ("2026-12-01T17:11:05+0000", "01/12/2026 à 18:11 (heure de Paris, 17:11 UTC)"),
    ("2026-07-14T22:30:00+0000", "15/07/2026 à 00:30 (heure de Paris, 22:30 UTC)"),
])
def test_the_time_is_paris_time_with_utc_beside_it(created, shown):
    assert shown_time(created) == shown


def test_the_page_shows_the_local_time_and_keeps_the_machine_time():
    reply = page(({"id": "1_2", "message": "Bonjour", "created_time": "2026-12-01T17:11:05+0000"},
                  "Énergie Commune Lyon"), "1_2")
    text = reply.body.decode()
    assert '<time datetime="2026-12-01T17:11:05+0000">01/12/2026 à 18:11 (heure de Paris, ' \
           "17:11 UTC)</time>" in text
