"""The wait before a lookup after an unanswered publish call: learnt, bounded."""

from datetime import timedelta

import pytest

from regions.publishing.publisher import PublishingConfig


def test_the_window_is_the_timeout_plus_margin_until_facebook_is_seen_storing_late():
    config = PublishingConfig(graph_timeout=10, settle_margin=20, settle_max=900)
    assert config.settle_window(0) == timedelta(seconds=30)
    assert config.settle_window(4) == timedelta(seconds=30)  # within the timeout anyway
    assert config.settle_window(45) == timedelta(seconds=65)  # seen 45 s late: wait it out


def test_the_learnt_window_is_capped_but_never_below_timeout_plus_margin():
    assert PublishingConfig(graph_timeout=10, settle_margin=20,
                            settle_max=120).settle_window(3600) == timedelta(seconds=120)
    assert PublishingConfig(graph_timeout=10, settle_margin=20,
                            settle_max=5).settle_window(3600) == timedelta(seconds=30)


def test_a_limit_below_one_failure_is_refused():
    with pytest.raises(ValueError, match="max_attempts"):
        PublishingConfig(max_attempts=0)
