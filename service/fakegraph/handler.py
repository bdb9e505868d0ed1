"""HTTP handling of the fake Graph API: routing, parsing, faults, logging without tokens."""

from __future__ import annotations

import json
import logging
import math
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from service.fakegraph import permalink, replies
from service.fakegraph.faults import MUTATING_OPERATIONS, Fault, FaultPlan
from service.fakegraph.replies import Reply
from service.fakegraph.state import FakePage

if TYPE_CHECKING:
    from service.fakegraph.server import FakeGraphHTTPServer

log = logging.getLogger("relais.fakegraph")
_VERSION = re.compile(r"v\d+\.\d+")
_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"']+")
ADMIN_PREFIX = "/_fake/"


def scrub(text: str) -> str:
    """Replace every ``access_token=...`` value in ``text``."""
    return _TOKEN_IN_TEXT.sub(r"\1[redacted]", text)


class GraphRequestHandler(BaseHTTPRequestHandler):
    """One request to the fake: admin paths under ``/_fake/``, Graph paths otherwise."""

    server: FakeGraphHTTPServer
    server_version = "FakeGraph/1.0"
    _token_in: str | None = None  # where the call's token came: query, body or header

    def do_GET(self) -> None:  # noqa: D102 - the verb handlers are self-explanatory
        self._dispatch()

    def do_POST(self) -> None:  # noqa: D102
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: D102
        self._dispatch()

    # --- plumbing ----------------------------------------------------------------------

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith(ADMIN_PREFIX):
            self._send(self._admin(url.path[len(ADMIN_PREFIX) :], params, body))
            return
        if self.command == "GET" and url.path == permalink.FAVICON_PATH:
            self._send(permalink.favicon())
            return
        if self.command == "GET" and (shown := permalink.PERMALINK_PATH.fullmatch(url.path)):
            page_id, number = shown["page"], int(shown["number"])
            post = self.server.state.shown_at(page_id, number)
            self._send(permalink.page(post, f"{page_id}_{number}"))
            return
        form = self._form(body)
        self._token_in = ("query" if "access_token" in params else
                          "body" if "access_token" in form else
                          "header" if self._bearer() else None)
        params.update(form)
        token = params.pop("access_token", None) or self._bearer()
        self.server.calling(+1)
        self._counted = True
        try:
            self._graph(url.path, params, token)
        finally:
            self._answered()

    def _answered(self) -> None:
        """Count the Graph call out, once, as its answer leaves.

        Before the client can act on it: a test watching what the client does during calls
        must not count what it does after.
        """
        if getattr(self, "_counted", False):
            self._counted = False
            self.server.calling(-1)

    def _form(self, body: bytes) -> dict[str, str]:
        if not body:
            return {}
        if "json" in (self.headers.get("Content-Type") or ""):
            data = json.loads(body)
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    def _bearer(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() in ("bearer", "oauth") and value else None

    def _send(self, reply: Reply, note: str = "") -> None:
        # Recorded before the answer leaves, so a client that has its answer sees it logged.
        self._record(reply.status, note)
        self._answered()
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _hang_up(self, note: str) -> None:
        self.close_connection = True
        self._record(None, note)

    def _record(self, status: int | None, note: str) -> None:
        path = urlsplit(self.path).path
        self.server.record({"method": self.command, "path": path, "status": status, "note": note,
                            "token_in": self._token_in})
        log.info("%s %s -> %s%s", self.command, path, status or "no answer", note and f" ({note})")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """Route the stdlib's own messages (errors) to logging, scrubbed."""
        log.warning("%s", scrub(format % args))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silence the stdlib's access line: :meth:`_record` logs a token-free one."""

    # --- the Graph API -----------------------------------------------------------------

    def _graph(self, path: str, params: dict[str, str], token: str | None) -> None:
        parts = [part for part in path.split("/") if part]
        if parts and _VERSION.fullmatch(parts[0]):
            parts = parts[1:]
        state = self.server.state
        route = _route(self.command, parts)
        if route is None:
            self._send(replies.unknown_path(path))
            return
        op, node = route
        self._wait(self.server.faults.latency_seconds)
        page_id = state.page_of(node)
        hold = self.server.faults.held(page_id, state.clock())
        if hold is not None:
            regain = math.ceil(max(hold.until - state.clock(), 0) / 60)
            self._send(replies.rate_limited(hold.code, page_id, regain), f"throttled {hold.code}")
            return
        fault = self.server.faults.pick(op)
        if fault is not None and not (fault.after_commit and op in MUTATING_OPERATIONS):
            self._fail(fault, page_id, "fault")
            return
        late = fault.store_after if fault is not None and op == "publish" else 0.0
        reply = self._checked_call(op, node, page_id, parts, params, token, late)
        if fault is not None:
            stored = f"stored in {late:g} s" if late else "real answer"
            self._fail(fault, page_id, f"fault after commit, {stored} {reply.status}")
            return
        self._send(reply)

    def _checked_call(
        self,
        op: str,
        node: str,
        page_id: str | None,
        parts: list[str],
        params: dict[str, str],
        token: str | None,
        late: float = 0.0,
    ) -> Reply:
        """Graph's checks in Graph's order (token, object, permission), then the call.

        ``late`` > 0 stores an accepted publish that many seconds later, as Facebook may do
        for a call whose client has already given up.
        """
        state = self.server.state
        if denied := state.authorize(token, None):
            return denied
        if page_id is None or (op in ("get_page", "publish", "list_posts")) != (page_id == node):
            return replies.unsupported(self.command, node)
        if denied := state.authorize(token, page_id):
            return denied
        if late > 0:
            self.server.store_later(late, lambda: state.publish(node, params))
            return replies.ok({"id": "pending"})
        return self._call(op, node, parts, params)

    def _call(self, op: str, node: str, parts: list[str], params: dict[str, str]) -> Reply:
        state = self.server.state
        if op == "publish":
            return state.publish(node, params)
        if op == "list_posts":
            return state.list_posts(node, parts[1], params, self.server.base_url)
        if op == "get_page":
            return state.get_page(node, params)
        if op == "get_post":
            return state.get_post(node, params)
        return state.delete(node)

    def _fail(self, fault: Fault, page_id: str | None, note: str) -> None:
        note = f"{note} {fault.kind}"
        reply = fault.reply(page_id)
        if reply is not None:
            self._send(reply, note)
            return
        if fault.kind == "timeout":
            self._wait(fault.seconds)
        self._hang_up(note)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.server.stopping.wait(seconds)

    # --- the admin API -----------------------------------------------------------------

    def _admin(self, path: str, params: dict[str, str], body: bytes) -> Reply:
        state, faults, method = self.server.state, self.server.faults, self.command
        try:
            data = json.loads(body) if body else {}
            if path == "posts" and method == "GET":
                return replies.ok({"data": state.all_posts(params.get("page_id"))})
            if path == "engagement" and method == "POST":
                if not state.set_engagement(str(data["post_id"]), data):
                    return replies.ok({"error": "no such post"}, status=404)
                return replies.ok({"success": True})
            if path == "posts" and method == "DELETE":
                state.clear_posts()
                return replies.ok({"success": True})
            if path == "pages" and method == "GET":
                return replies.ok({"data": state.pages()})
            if path == "pages" and method == "POST":
                tokens = set(data.get("tokens", []))
                tokens |= {data["token"]} if "token" in data else set()
                state.add_page(FakePage(str(data["id"]), data.get("name", ""), tokens))
                return replies.ok({"success": True}, status=201)
            if path == "faults" and method == "GET":
                return replies.ok(faults.snapshot().to_json())
            if path == "faults" and method == "POST":
                return replies.ok(faults.update(data).to_json())
            if path == "faults" and method == "DELETE":
                faults.configure(FaultPlan())
                return replies.ok({"success": True})
            if path == "throttle" and method == "POST":
                until = state.clock() + float(data.get("seconds", 60))
                faults.throttle(str(data["scope"]), until, page_id=data.get("page_id"),
                                code=data.get("code"))
                return replies.ok({"success": True, "until": until})
            if path == "requests" and method == "GET":
                return replies.ok({"data": self.server.recorded()})
            if path == "reset" and method == "POST":
                self.server.reset()
                return replies.ok({"success": True})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return replies.ok({"error": f"bad admin request: {exc}"}, status=400)
        return replies.ok({"error": f"no admin route {method} /_fake/{path}"}, status=404)


def _route(method: str, parts: list[str]) -> tuple[str, str] | None:
    """The operation and node id for a Graph path, or None for an unknown path."""
    if len(parts) == 1:
        node = parts[0]
        post = "_" in node
        if method == "GET":
            return ("get_post" if post else "get_page"), node
        if method == "DELETE":
            return "delete_post", node
    if len(parts) == 2 and parts[1] == "feed" and method == "POST":
        return "publish", parts[0]
    if len(parts) == 2 and parts[1] in ("feed", "scheduled_posts") and method == "GET":
        return "list_posts", parts[0]
    return None
