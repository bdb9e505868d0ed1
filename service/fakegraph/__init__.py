"""A fake Graph API on 127.0.0.1: Pages, posts and fault injection for tests and the demo."""

from service.fakegraph.faults import KINDS, OPERATIONS, Fault, FaultPlan
from service.fakegraph.server import FakeGraphServer, serve
from service.fakegraph.state import FakePage

__all__ = ["KINDS", "OPERATIONS", "FakeGraphServer", "FakePage", "Fault", "FaultPlan", "serve"]
