"""Post tiles kept in each worker, reused while the posts' change counter stays the same.

A tile is keyed by the caller's scope (role, territories, status filter: what it may see) and
its z/x/y, and stored with the counter it was built at. The tile query is asked with that
counter as ``known``: when no post changed since, PostgreSQL answers with the counter alone
(one index lookup) and the stored bytes are served. So a tile is never served stale, and
a cached answer costs what a 304 costs. Least recently used tiles go first, within a byte budget.
"""

from __future__ import annotations

from collections import OrderedDict

Key = tuple[str, int, int, int]


class TileCache:
    """A byte-bounded LRU of ``key -> (counter, tile)``."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.size = 0
        self._tiles: OrderedDict[Key, tuple[int, bytes]] = OrderedDict()

    def get(self, key: Key) -> tuple[int, bytes] | None:
        """The stored counter and tile, if any (marks it recently used)."""
        entry = self._tiles.get(key)
        if entry is not None:
            self._tiles.move_to_end(key)
        return entry

    def put(self, key: Key, counter: int, tile: bytes) -> None:
        """Store a tile built at ``counter``; evict the least recently used over budget."""
        if len(tile) > self.budget // 8:
            return  # a few huge tiles would flush everything else
        old = self._tiles.pop(key, None)
        if old is not None:
            self.size -= len(old[1])
        self._tiles[key] = (counter, tile)
        self.size += len(tile)
        while self.size > self.budget:
            _, (_, evicted) = self._tiles.popitem(last=False)
            self.size -= len(evicted)
