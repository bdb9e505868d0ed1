"""An actor read without its territories (``scope=False``) can never pass for one without any."""

from __future__ import annotations

import pytest

from regions.actors import SCOPE_NOT_READ, Actor, ScopeNotRead
from regions.models import Role


def _scopeless() -> Actor:
    return Actor(user_id=1, email="a@example.test", role=Role.REGIONAL_EDITOR,
                 territory_ids=SCOPE_NOT_READ)


@pytest.mark.parametrize("use", [
    lambda ids: 3 in ids,
    lambda ids: list(ids),
    lambda ids: len(ids),
    lambda ids: bool(ids),
    lambda ids: ids == frozenset(),
    lambda ids: hash(ids),
    lambda ids: sorted(ids),
    lambda ids: frozenset(ids),
])
def test_every_use_of_territories_not_read_raises(use):
    with pytest.raises(ScopeNotRead):
        use(_scopeless().territory_ids)


@pytest.mark.parametrize("use", [
    lambda ids: ids & {1}, lambda ids: {1} & ids, lambda ids: ids | {1}, lambda ids: {1} - ids,
])
def test_set_operations_on_territories_not_read_raise(use):
    with pytest.raises((ScopeNotRead, TypeError)):
        use(_scopeless().territory_ids)


def test_an_actor_says_whether_its_territories_were_read():
    assert not _scopeless().scope_read
    assert Actor(user_id=1, email="a@example.test", role=Role.VIEWER).scope_read
    assert Actor(user_id=1, email="a@example.test", role=Role.VIEWER,
                 territory_ids=frozenset({2})).scope_read
    assert "not read" in repr(_scopeless())
