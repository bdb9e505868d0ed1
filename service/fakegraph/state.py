"""Pages and posts of the fake Graph API, kept in memory behind one lock (and on disk if asked).

With a ``store`` path, the posts (and the Pages' names, never their tokens) are written to one
JSON file after every change, atomically, and read back on start: a restarted fake keeps its
posts, so the permalinks Relais stored keep opening.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from service.fakegraph import replies, store
from service.fakegraph.replies import Reply

POST_FIELDS = frozenset(
    {
        "id",
        "message",
        "created_time",
        "updated_time",
        "permalink_url",
        "is_published",
        "scheduled_publish_time",
        "place",
        "link",
        "targeting",
        "feed_targeting",
        "from",
        "reactions",
        "comments",
        "shares",
    }
)
PAGE_FIELDS = frozenset({"id", "name", "link", "category"})
DEFAULT_POST_FIELDS = "id,message,created_time"
SCHEDULE_MIN_SECONDS = 10 * 60
SCHEDULE_MAX_SECONDS = 75 * 24 * 3600
DUPLICATE_WINDOW_SECONDS = 24 * 3600
FACEBOOK_URL = "https://www.facebook.com/"


@dataclass
class FakePage:
    """A Page the fake knows, with the tokens allowed to act on it."""

    id: str
    name: str = ""
    tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.name = self.name or f"Page {self.id}"

    def public(self) -> dict[str, Any]:
        """Description without tokens (for the admin API)."""
        return {"id": self.id, "name": self.name, "token_count": len(self.tokens)}


@dataclass
class FakePost:
    """One stored post."""

    id: str
    page_id: str
    number: int
    created_at: float
    message: str | None = None
    link: str | None = None
    place: str | None = None
    targeting: dict[str, Any] | None = None
    feed_targeting: dict[str, Any] | None = None
    is_published: bool = True
    scheduled_publish_time: int | None = None
    reactions: int = 0
    comments: int = 0
    shares: int = 0

    def permalink_path(self) -> str:
        """Where the post's page is, relative to the server's root (as on Facebook)."""
        return f"{self.page_id}/posts/{self.number}"

    def field(self, name: str, page_name: str, site: str = FACEBOOK_URL) -> Any:
        """The value Graph would give for ``fields=name``; permalinks lead to ``site``."""
        values: dict[str, Any] = {
            "id": self.id,
            "message": self.message,
            "created_time": _graph_time(self.created_at),
            "updated_time": _graph_time(self.created_at),
            "permalink_url": f"{site}{self.permalink_path()}",
            "is_published": self.is_published,
            "scheduled_publish_time": self.scheduled_publish_time,
            "place": {"id": self.place} if self.place else None,
            "link": self.link,
            "targeting": self.targeting,
            "feed_targeting": self.feed_targeting,
            "from": {"id": self.page_id, "name": page_name},
            # Edges asked with .summary(total_count).limit(0), as Relais does; Graph leaves
            # ``shares`` out when nobody shared the post.
            "reactions": {"data": [], "summary": {"total_count": self.reactions}},
            "comments": {"data": [], "summary": {"total_count": self.comments,
                                                 "can_comment": True}},
            "shares": {"count": self.shares} if self.shares else None,
        }
        return values[name]

    def everything(self, site: str = FACEBOOK_URL) -> dict[str, Any]:
        """All fields plus ``page_id`` (for ``GET /_fake/posts``)."""
        data = {name: self.field(name, "", site) for name in sorted(POST_FIELDS - {"from"})}
        return {**data, "page_id": self.page_id}


class GraphState:
    """The fake's data and the Graph semantics of each call; answers are :class:`Reply`."""

    def __init__(
        self,
        pages: Iterable[FakePage] = (),
        *,
        reject_duplicates: bool = False,
        clock: Callable[[], float] = time.time,
        store: Path | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, FakePage] = {}
        self._posts: dict[str, FakePost] = {}
        self._store = store
        self.site = FACEBOOK_URL  # the server sets its own address: permalinks lead there
        self.reject_duplicates = reject_duplicates
        self.clock = clock
        self._load()
        # Numbered from the clock (ms), so a restarted fake never reuses a post id, as Facebook.
        newest = max((post.number for post in self._posts.values()), default=0)
        self._numbers = itertools.count(max(int(clock() * 1000), newest + 1))
        for page in pages:
            self.add_page(page)

    def add_page(self, page: FakePage) -> None:
        """Register a Page or replace its name and tokens."""
        with self._lock:
            self._pages[page.id] = FakePage(page.id, page.name, set(page.tokens))
            self._save()

    def pages(self) -> list[dict[str, Any]]:
        """Every Page, without tokens."""
        with self._lock:
            return [page.public() for page in self._pages.values()]

    def all_posts(self, page_id: str | None = None) -> list[dict[str, Any]]:
        """Every stored post in creation order, optionally for one Page."""
        with self._lock:
            self._publish_due()
            return [
                post.everything(self.site)
                for post in sorted(self._posts.values(), key=lambda p: p.number)
                if page_id is None or post.page_id == page_id
            ]

    def set_engagement(self, post_id: str, counts: Mapping[str, object]) -> bool:
        """Set a post's reactions, comments and shares (the admin API); False if unknown."""
        with self._lock:
            post = self._posts.get(post_id)
            if post is None:
                return False
            for name in ("reactions", "comments", "shares"):
                value = counts.get(name, getattr(post, name))
                setattr(post, name, int(value) if isinstance(value, int | str) else 0)
            self._save()
            return True

    def clear_posts(self) -> None:
        """Forget every post."""
        with self._lock:
            self._posts.clear()
            self._save()

    def page_of(self, node_id: str) -> str | None:
        """The Page a node belongs to (itself for a Page), if the node exists."""
        with self._lock:
            if node_id in self._pages:
                return node_id
            post = self._posts.get(node_id)
            return post.page_id if post else None

    # --- Graph calls -------------------------------------------------------------------

    def authorize(self, token: str | None, page_id: str | None) -> Reply | None:
        """Graph's order: token known at all (190), object exists (100/33), token's Page (200)."""
        if not token:
            return replies.missing_token()
        with self._lock:
            if not any(token in page.tokens for page in self._pages.values()):
                return replies.unknown_token()
            if page_id is not None and token not in self._pages[page_id].tokens:
                return replies.permission_denied()
        return None

    def get_page(self, page_id: str, params: Mapping[str, str]) -> Reply:
        """``GET /{page-id}``."""
        wanted = _fields(params, "id,name")
        with self._lock:
            page = self._pages[page_id]
        for name in wanted:
            if name not in PAGE_FIELDS:
                return replies.nonexisting_field(name, "Page")
        values = {
            "id": page.id,
            "name": page.name,
            "category": "Community",
            "link": f"https://www.facebook.com/{page.id}",
        }
        return replies.ok({name: values[name] for name in ["id", *wanted] if name in values})

    def get_post(self, post_id: str, params: Mapping[str, str]) -> Reply:
        """``GET /{post-id}``."""
        wanted = _fields(params, DEFAULT_POST_FIELDS)
        if bad := [name for name in wanted if name not in POST_FIELDS]:
            return replies.nonexisting_field(bad[0], "Post")
        with self._lock:
            self._publish_due()
            post = self._posts.get(post_id)
            if post is None:
                return replies.unsupported("GET", post_id)
            return replies.ok(self._render(post, ["id", *wanted]))

    def list_posts(self, page_id: str, edge: str, params: Mapping[str, str], base: str) -> Reply:
        """``GET /{page-id}/feed`` (published) or ``/scheduled_posts``, newest first."""
        wanted = _fields(params, DEFAULT_POST_FIELDS)
        if bad := [name for name in wanted if name not in POST_FIELDS]:
            return replies.nonexisting_field(bad[0], "Post")
        try:
            limit = min(int(params.get("limit", 25)), 100)
            since = float(params.get("since", "-inf"))
            until = float(params.get("until", "inf"))
            after = int(base64.urlsafe_b64decode(params["after"])) if "after" in params else None
        except ValueError:
            return replies.invalid_parameter("(#100) Invalid paging or time parameter")
        with self._lock:
            self._publish_due()
            posts = sorted(
                (
                    p
                    for p in self._posts.values()
                    if p.page_id == page_id
                    and p.is_published == (edge == "feed")
                    and since <= p.created_at <= until
                    and (after is None or p.number < after)
                ),
                key=lambda p: p.number,
                reverse=True,
            )
            window = posts[:limit]
            data = [self._render(post, ["id", *wanted]) for post in window]
        body: dict[str, Any] = {"data": data}
        if window:
            cursors = {"before": _cursor(window[0].number), "after": _cursor(window[-1].number)}
            body["paging"] = {"cursors": cursors}
            if len(posts) > limit:
                query = {k: v for k, v in params.items() if k not in ("access_token", "after")}
                query["after"] = cursors["after"]
                body["paging"]["next"] = f"{base}{page_id}/{edge}?{urlencode(query)}"
        return replies.ok(body)

    def publish(self, page_id: str, params: Mapping[str, str]) -> Reply:
        """``POST /{page-id}/feed``: validate like Graph, then store."""
        fields_or_error = self._validate_post(params)
        if isinstance(fields_or_error, Reply):
            return fields_or_error
        with self._lock:
            if self.reject_duplicates and self._is_duplicate(page_id, fields_or_error):
                return replies.duplicate()
            number = next(self._numbers)
            post = FakePost(
                id=f"{page_id}_{number}",
                page_id=page_id,
                number=number,
                created_at=self.clock(),
                **fields_or_error,
            )
            self._posts[post.id] = post
            self._save()
        return replies.ok({"id": post.id})

    def delete(self, post_id: str) -> Reply:
        """``DELETE /{post-id}``."""
        with self._lock:
            if self._posts.pop(post_id, None) is None:
                return replies.unsupported("DELETE", post_id)
            self._save()
        return replies.ok({"success": True})

    def shown_at(self, page_id: str, number: int) -> tuple[dict[str, Any], str] | None:
        """The post a permalink shows (every field) and its Page's name, if it exists."""
        with self._lock:
            self._publish_due()
            post = self._posts.get(f"{page_id}_{number}")
            if post is None:
                return None
            page = self._pages.get(page_id)
            return post.everything(self.site), page.name if page else f"Page {page_id}"

    # --- on disk -----------------------------------------------------------------------

    def _load(self) -> None:
        """Read the posts and Page names a previous run left (nothing without a store)."""
        data = store.read(self._store) if self._store is not None else {}
        for page_id, name in data.get("pages", {}).items():
            self._pages[page_id] = FakePage(page_id, name)
        for item in data.get("posts", []):
            post = FakePost(**item)
            self._posts[post.id] = post

    def _save(self) -> None:
        """Write the posts and Page names (never tokens) to the store, if any (lock held)."""
        if self._store is not None:
            store.write(self._store, {
                "pages": {page.id: page.name for page in self._pages.values()},
                "posts": [asdict(post) for post in self._posts.values()]})

    # --- helpers -----------------------------------------------------------------------

    def _validate_post(self, params: Mapping[str, str]) -> dict[str, Any] | Reply:
        message, link, place = params.get("message"), params.get("link"), params.get("place")
        if not message and not link:
            return replies.invalid_parameter("(#100) Missing message or attachment")
        if link and not link.startswith(("http://", "https://")):
            return replies.invalid_parameter("(#100) The parameter link must be a valid URL")
        if place and not place.isdigit():
            return replies.invalid_parameter("(#100) Param place must be a valid place ID")
        targets: dict[str, Any] = {}
        for name in ("targeting", "feed_targeting"):
            if params.get(name):
                try:
                    targets[name] = json.loads(params[name])
                except ValueError:
                    targets[name] = None
                if not isinstance(targets[name], dict):
                    return replies.invalid_parameter(f"(#100) Param {name} must be a JSON object")
        published = params.get("published", "true").lower()
        if published not in ("true", "false", "1", "0"):
            return replies.invalid_parameter("(#100) Param published must be a boolean")
        is_published = published in ("true", "1")
        scheduled = params.get("scheduled_publish_time")
        when: int | None = None
        if scheduled:
            if is_published:
                return replies.invalid_parameter(
                    "(#100) Cannot specify a scheduled publish time on a published post"
                )
            ahead = (int(scheduled) if scheduled.isdigit() else -1) - self.clock()
            if not SCHEDULE_MIN_SECONDS <= ahead <= SCHEDULE_MAX_SECONDS:
                return replies.invalid_parameter(
                    "(#100) The specified scheduled publish time is invalid."
                )
            when = int(scheduled)
        return {
            "message": message,
            "link": link,
            "place": place,
            "is_published": is_published,
            "scheduled_publish_time": when,
            **targets,
        }

    def _is_duplicate(self, page_id: str, new: Mapping[str, Any]) -> bool:
        horizon = self.clock() - DUPLICATE_WINDOW_SECONDS
        return any(
            p.page_id == page_id
            and p.message == new["message"]
            and p.link == new["link"]
            and p.created_at >= horizon
            for p in self._posts.values()
        )

    def _publish_due(self) -> None:
        """Scheduled posts go live at their time, as on a real Page (lock held)."""
        now = self.clock()
        for post in self._posts.values():
            if post.scheduled_publish_time is not None and post.scheduled_publish_time <= now:
                post.is_published = True

    def _render(self, post: FakePost, names: list[str]) -> dict[str, Any]:
        page_name = self._pages[post.page_id].name if post.page_id in self._pages else ""
        values = {name: post.field(name, page_name, self.site) for name in dict.fromkeys(names)}
        return {name: value for name, value in values.items() if value is not None}


def _fields(params: Mapping[str, str], default: str) -> list[str]:
    raw = params.get("fields") or default
    # ``place{name}`` and ``reactions.summary(total_count).limit(0)`` ask for place, reactions.
    return [name.split("{", 1)[0].split(".", 1)[0].strip() for name in raw.split(",")
            if name.strip()]


def _graph_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(number: int) -> str:
    return base64.urlsafe_b64encode(str(number).encode()).decode()
