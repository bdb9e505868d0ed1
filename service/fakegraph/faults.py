"""Fault injection for the fake Graph API: queued one-off faults and a seeded random rate."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from service.fakegraph import replies
from service.fakegraph.replies import Reply

# Faults answered with an HTTP response; "timeout" and "drop" answer nothing at all.
ANSWERED_KINDS = (
    "html_500",
    "server_error",
    "rate_limit",
    "token_expired",
    "permission",
    "duplicate",
    "invalid_param",
    "blocked",
    "no_content_type",
    "json_without_error",
)
SILENT_KINDS = ("timeout", "drop")
KINDS = SILENT_KINDS + ANSWERED_KINDS
OPERATIONS = ("*", "publish", "list_posts", "get_page", "get_post", "delete_post")
MUTATING_OPERATIONS = ("publish", "delete_post")
RETRYABLE_KINDS = ("timeout", "drop", "html_500", "server_error", "rate_limit")


@dataclass
class Fault:
    """One injected fault for the next ``times`` calls of operation ``op`` (0 = until cleared).

    ``after_commit`` makes a mutating call take effect (the post is stored or deleted) and only
    then fail: the client sees an error or a timeout for something that happened.
    """

    kind: str
    op: str = "*"
    times: int = 1
    after_commit: bool = False
    code: int | None = None  # rate_limit: 4, 17, 32, 613 or 80001 (default)
    status: int | None = None  # overrides the HTTP status of answered kinds
    seconds: float = 30.0  # timeout: how long to hold the request before hanging up
    regain_minutes: float = 1  # rate_limit: estimated_time_to_regain_access
    store_after: float = 0.0  # after_commit publish: Facebook stores the post this much later

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if self.op not in OPERATIONS:
            raise ValueError(f"unknown operation {self.op!r}; choose from {', '.join(OPERATIONS)}")
        if self.times < 0:
            raise ValueError("times must be 0 (until cleared) or more")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Build from a JSON object; unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    def reply(self, page_id: str | None) -> Reply | None:
        """The HTTP answer for this fault; None for the silent kinds."""
        builders = {
            "html_500": replies.html_500,
            "server_error": replies.transient_server_error,
            "token_expired": replies.expired_token,
            "permission": replies.permission_denied,
            "duplicate": replies.duplicate,
            "invalid_param": replies.invalid_parameter,
            "blocked": replies.blocked,
            "no_content_type": replies.no_content_type,
        }
        if self.kind in SILENT_KINDS:
            return None
        if self.kind == "rate_limit":
            code = self.code or 80001
            return replies.rate_limited(code, page_id, self.regain_minutes, self.status or 400)
        if self.kind == "json_without_error":
            return replies.json_without_error(self.status or 502)
        answer = builders[self.kind]()
        if self.status is not None:
            return Reply(self.status, answer.body, answer.content_type, answer.headers)
        return answer


@dataclass
class FaultPlan:
    """Every fault setting at once; the JSON shape of ``/_fake/faults``."""

    latency_ms: int = 0
    random_failure_rate: float = 0.0
    random_kinds: list[str] = field(default_factory=lambda: list(RETRYABLE_KINDS))
    random_after_commit_rate: float = 0.5
    timeout_seconds: float = 30.0  # how long random timeouts hold a request
    random_store_after: float = 0.0  # random after-commit publishes are stored this much later
    seed: int | None = None
    queue: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.random_failure_rate <= 1.0:
            raise ValueError("random_failure_rate must be between 0 and 1")
        if not 0.0 <= self.random_after_commit_rate <= 1.0:
            raise ValueError("random_after_commit_rate must be between 0 and 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.random_store_after < 0:
            raise ValueError("random_store_after must not be negative")
        for kind in self.random_kinds:
            Fault(kind)  # validates the name

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


@dataclass(frozen=True)
class Hold:
    """Facebook throttling a whole scope: every call of the app, or every call on one Page."""

    code: int
    until: float  # epoch seconds, by the server's clock


class FaultInjector:
    """Thread-safe holder of the plan; picks the fault (if any) for each API call.

    It also holds throttled scopes (:meth:`throttle`): while one lasts, every call of that
    scope is answered with its rate-limit error and the time left to regain access.
    """

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._holds: dict[str, Hold] = {}
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._rng = random.Random()
        self.configure(plan or FaultPlan())

    @property
    def latency_seconds(self) -> float:
        """Delay added to every API call."""
        return self._plan.latency_ms / 1000

    def configure(self, plan: FaultPlan) -> None:
        """Replace the whole plan (and reseed); holds end."""
        with self._lock:
            self._holds.clear()
            self._plan = plan
            self._rng = random.Random(plan.seed)

    def update(self, changes: dict[str, Any]) -> FaultPlan:
        """Change some settings; faults listed under ``"faults"`` are appended to the queue."""
        changes = dict(changes)
        queued = [Fault.from_json(item) for item in changes.pop("faults", [])]
        with self._lock:
            current = self._plan.to_json()
            unknown = set(changes) - set(current) - {"queue"}
            if unknown:
                raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
            current.update(changes)
            current["queue"] = list(self._plan.queue) + queued
            plan = FaultPlan(
                **{k: v for k, v in current.items() if k != "queue"},
                queue=[q if isinstance(q, Fault) else Fault(**q) for q in current["queue"]],
            )
            if "seed" in changes:
                self._rng = random.Random(plan.seed)
            self._plan = plan
            return plan

    def throttle(self, scope: str, until: float, *, page_id: str | None = None,
                 code: int | None = None) -> None:
        """Throttle ``"app"`` (code 4 by default) or ``"page"`` ``page_id`` (code 32)."""
        if scope not in ("app", "page") or (scope == "page") != bool(page_id):
            raise ValueError("throttle scope is 'app', or 'page' with a page_id")
        key = "app" if scope == "app" else f"page:{page_id}"
        with self._lock:
            self._holds[key] = Hold(code or (4 if scope == "app" else 32), until)

    def held(self, page_id: str | None, now: float) -> Hold | None:
        """The hold that answers a call on this Page now, if any (the app's first)."""
        with self._lock:
            for key in ("app", f"page:{page_id}"):
                found = self._holds.get(key)
                if found is not None and found.until > now:
                    return found
        return None

    def release(self) -> None:
        """End every hold."""
        with self._lock:
            self._holds.clear()

    def add(self, fault: Fault) -> None:
        """Queue one fault."""
        with self._lock:
            self._plan.queue.append(fault)

    def snapshot(self) -> FaultPlan:
        """A copy of the current plan."""
        with self._lock:
            return FaultPlan(**{**self._plan.to_json(), "queue": list(self._plan.queue)})

    def pick(self, op: str) -> Fault | None:
        """The fault for this call: the first matching queued one, else maybe a random one."""
        with self._lock:
            plan = self._plan
            for index, fault in enumerate(plan.queue):
                if fault.op in ("*", op):
                    if fault.times == 1:
                        del plan.queue[index]
                    elif fault.times > 1:
                        fault.times -= 1
                    return fault
            if plan.random_failure_rate and self._rng.random() < plan.random_failure_rate:
                kind = self._rng.choice(plan.random_kinds)
                after_commit = (
                    op in MUTATING_OPERATIONS and self._rng.random() < plan.random_after_commit_rate
                )
                code = self._rng.choice(replies.THROTTLING_CODES) if kind == "rate_limit" else None
                return Fault(
                    kind,
                    op=op,
                    after_commit=after_commit,
                    code=code,
                    seconds=plan.timeout_seconds,
                    regain_minutes=0,
                    store_after=plan.random_store_after if after_commit else 0.0,
                )
            return None
