"""How ``pytest -n`` shares the tests between its workers (decision 0046).

A module with a module-scoped fixture (a seeded database, a served app, a tile set…) is one
unit: all its tests go to one worker, which sets the fixture up once, where plain ``--dist
load`` would split the module and set it up on every worker. Every other test is a unit of
its own, handed to whichever worker is free. The largest units go first, so the workers end
on small tests and finish together.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

MODULE_FIXTURE = re.compile(r"""@pytest\.fixture\([^)]*scope=["']module["']""")


@cache
def _has_module_fixture(path: Path) -> bool:
    try:
        return MODULE_FIXTURE.search(path.read_text(encoding="utf-8")) is not None
    except OSError:
        return False


class ModuleFixtureScheduling(LoadScopeScheduling):
    """``--dist loadscope`` whose scope is the module when it has a module-scoped fixture,
    else the test itself (xdist's scope-size reordering puts the large modules first)."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if _has_module_fixture(Path(self.config.rootpath, module)):
            return module
        return nodeid
