"""Graph API adapter: the one place that knows facebook-sdk 3.1.0 and its quirks.

Every call goes through :meth:`GraphClient._call`, which builds a ``facebook.GraphAPI``
with the configured version, base URL and timeout, and turns *every* failure into a
:class:`GraphError` with a stable ``code``, a ``retryable`` flag and, for rate limits,
``retry_after`` seconds. Token values never reach an exception text, a repr or a log line.

Exactly once: Facebook has no idempotency key, so a publish whose answer was lost (timeout,
dropped connection, a 5xx after the post was stored) must never be retried blindly. The worker
records an attempt (with its start time) before calling :meth:`GraphClient.publish_feed_post`,
and before any retry calls :meth:`GraphClient.find_posts_by_message` to look for a post with
the same text created since that start. We match on the exact (normalised) text rather than an
embedded marker so the approved wording reaches the Page unchanged; see
``docs/decisions/0006-graph-adapter-and-fake-server.md``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import facebook
import requests

from regions.publishing.graph_errors import (
    CapturedResponse,
    GraphError,
    MalformedResponse,
    TokenInvalid,
    error_from_exception,
    error_from_http_status,
)

DEFAULT_BASE_URL = "https://graph.facebook.com/"
DEFAULT_VERSION = "v21.0"
DEFAULT_TIMEOUT_SECONDS = 10.0
# Graph stamps created_time in whole seconds by its own clock; widen the lookup window so a
# post made in the attempt's first second, or under a little clock skew, is still found.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=2)
LOOKUP_FIELDS = "id,message,created_time,permalink_url"

log = logging.getLogger(__name__)


# --- transport -----------------------------------------------------------------------------


class _RebasingSession(requests.Session):
    """Session that sends facebook-sdk's calls to our base URL and remembers each answer.

    facebook-sdk puts the token in the query string of GET and DELETE calls, where urllib3's
    debug log, proxies and access logs would record it; with ``token_in_header`` it travels in
    an ``Authorization: Bearer`` header instead. POST bodies keep it (bodies are not logged).
    """

    def __init__(self, base_url: str, timeout: float, token_in_header: bool) -> None:
        super().__init__()
        self._base_url = base_url
        self._timeout = timeout
        self._token_in_header = token_in_header
        self._local = threading.local()

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the Graph host to the base URL, enforce a timeout, capture the answer."""
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(facebook.FACEBOOK_GRAPH_URL):
            text = self._base_url + text[len(facebook.FACEBOOK_GRAPH_URL) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        params = kwargs.get("params")
        if self._token_in_header and isinstance(params, dict) and "access_token" in params:
            params = dict(params)
            headers = dict(kwargs.get("headers") or {})
            headers["Authorization"] = f"Bearer {params.pop('access_token')}"
            kwargs.update(params=params, headers=headers)
        response = super().request(method, text, *args, **kwargs)
        self._local.last = CapturedResponse(response.status_code, dict(response.headers))
        return response

    def forget(self) -> None:
        """Drop this thread's captured answer before a new call."""
        self._local.last = None

    def last(self) -> CapturedResponse | None:
        """Return the answer this thread captured last, if the call got one."""
        captured: CapturedResponse | None = getattr(self._local, "last", None)
        return captured


# --- the adapter ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphPost:
    """A Facebook post as far as Relais needs it; fields the call did not return are None."""

    id: str
    message: str | None = None
    created_time: datetime | None = None
    permalink_url: str | None = None

    @property
    def page_id(self) -> str:
        """The Page id part of a ``{page_id}_{post_number}`` post id."""
        return self.id.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class GraphPage:
    """A Facebook Page: the answer to "check connection"."""

    id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class GraphEngagement:
    """A post's own engagement: reactions, comments and shares (Graph omits zero shares)."""

    reactions: int
    comments: int
    shares: int


ENGAGEMENT_FIELDS = ("reactions.summary(total_count).limit(0),"
                     "comments.summary(total_count).limit(0),shares")


class GraphClient:
    """Thread-safe Graph API client for Page publishing; tokens are passed per call.

    ``token_in_header=False`` sends read and delete tokens in the query string, as
    facebook-sdk does, for a Graph-compatible server that ignores the Authorization header.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = DEFAULT_VERSION,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        token_in_header: bool = True,
    ) -> None:
        if urlparse(base_url).scheme not in {"http", "https"}:
            raise ValueError(f"Graph base URL must be http(s), not {base_url!r}")
        if not re.fullmatch(r"v\d+\.\d+", version):
            raise ValueError(f"Graph version must look like 'v21.0', not {version!r}")
        if timeout <= 0:
            raise ValueError("Graph timeout must be positive")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.version = version
        self.timeout = timeout
        self.token_in_header = token_in_header
        self._session = _RebasingSession(self.base_url, timeout, token_in_header)

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.base_url!r}, version={self.version!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def publish_feed_post(
        self,
        page_id: str,
        token: str,
        message: str,
        *,
        link: str | None = None,
        place: str | None = None,
        targeting: Mapping[str, Any] | None = None,
        feed_targeting: Mapping[str, Any] | None = None,
        published: bool = True,
        scheduled_publish_time: datetime | None = None,
    ) -> GraphPost:
        """``POST /{page-id}/feed``; returns the new post's id (fetch the permalink after).

        A ``scheduled_publish_time`` (aware datetime, 10 min to 75 days ahead) always sends
        ``published=false``, as Graph requires. On *any* error the post may still exist:
        reconcile with :meth:`find_posts_by_message` before publishing again.
        """
        data: dict[str, str] = {"message": message}
        if link:
            data["link"] = link
        if place:
            data["place"] = place
        if targeting:
            data["targeting"] = json.dumps(targeting, separators=(",", ":"))
        if feed_targeting:
            data["feed_targeting"] = json.dumps(feed_targeting, separators=(",", ":"))
        if scheduled_publish_time is not None:
            data["scheduled_publish_time"] = str(int(_aware(scheduled_publish_time).timestamp()))
            published = False
        if not published:
            data["published"] = "false"
        result = self._call(token, "POST", f"{page_id}/feed", post_args=data)
        return GraphPost(id=_require_id(result))

    def get_page(self, page_id: str, token: str, fields: str = "name") -> GraphPage:
        """``GET /{page-id}?fields=...``: proves the token works for this Page."""
        result = self._call(token, "GET", page_id, args={"fields": fields})
        name = result.get("name")
        return GraphPage(id=_require_id(result), name=name if isinstance(name, str) else None)

    def get_post(
        self, post_id: str, token: str, fields: str = "id,permalink_url,created_time"
    ) -> GraphPost:
        """``GET /{post-id}?fields=...``."""
        return _post_from(self._call(token, "GET", post_id, args={"fields": fields}))

    def get_engagement(self, post_id: str, token: str) -> GraphEngagement:
        """``GET /{post-id}?fields=reactions.summary…,comments.summary…,shares``."""
        result = self._call(token, "GET", post_id, args={"fields": ENGAGEMENT_FIELDS})
        return GraphEngagement(reactions=_total(result.get("reactions")),
                               comments=_total(result.get("comments")),
                               shares=_count(result.get("shares")))

    def delete_post(self, post_id: str, token: str) -> None:
        """``DELETE /{post-id}``; raises unless Facebook confirms the deletion."""
        result = self._call(token, "DELETE", post_id)
        if result.get("success") is not True:
            raise MalformedResponse("Graph API did not confirm the deletion")

    def find_posts_by_message(
        self,
        page_id: str,
        token: str,
        message: str,
        since: datetime,
        *,
        edge: str = "feed",
        page_size: int = 100,
    ) -> list[GraphPost]:
        """Posts on the Page with this exact text created since ``since``, newest first.

        ``since`` is when the publish attempt started (our clock); the window is widened by
        :data:`CLOCK_SKEW_ALLOWANCE`. Text is compared after Unicode NFC, newline and
        outer-whitespace normalisation. Use ``edge="scheduled_posts"`` for scheduled posts,
        which ``/feed`` does not list. Every listing page is read back to ``since``, however
        many there are: stopping early could miss our post and publish it twice. More than
        one match means the caller must choose (the one no other Relais post has claimed).
        """
        wanted = _normalise(message)
        if not wanted:
            raise ValueError("Cannot look a post up by an empty message")
        floor = _aware(since) - CLOCK_SKEW_ALLOWANCE
        return [post for post in self.list_posts(page_id, token, floor, edge=edge,
                                                 page_size=page_size)
                if _normalise(post.message) == wanted]

    def list_posts(
        self,
        page_id: str,
        token: str,
        since: datetime,
        *,
        edge: str = "feed",
        fields: str = LOOKUP_FIELDS,
        page_size: int = 100,
    ) -> Iterator[GraphPost]:
        """Every post of a Page edge created at or after ``since``, newest first (all pages)."""
        floor = _aware(since)
        args: dict[str, Any] = {"fields": fields, "limit": page_size,
                                "since": int(floor.timestamp())}
        for data in self._pages(token, f"{page_id}/{edge}", args):
            posts = [_post_from(item) for item in data]
            yield from (post for post in posts if _after(post, floor))
            if not all(_after(post, floor) for post in posts):  # listings run newest first
                return

    def _pages(self, token: str, path: str, args: dict[str, Any]
               ) -> Iterator[list[dict[str, Any]]]:
        """The ``data`` arrays of a Graph listing, following ``paging.next`` to the end.

        New read features (a Page post's reactions, comments, insights) list through here.
        """
        while True:
            result = self._call(token, "GET", path, args=args)
            data = result.get("data")
            if not isinstance(data, list):
                raise MalformedResponse("Graph API listing had no data array")
            yield [item for item in data if isinstance(item, dict)]
            next_url = (result.get("paging") or {}).get("next")
            if not data or not isinstance(next_url, str):
                return
            query = parse_qs(urlparse(next_url).query)
            following = {key: values[-1] for key, values in query.items()
                         if key != "access_token"}
            if following == args:
                raise MalformedResponse("Graph API listing pointed at the same page again")
            args = following

    def _call(
        self,
        token: str,
        method: str,
        path: str,
        *,
        args: dict[str, Any] | None = None,
        post_args: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run one Graph request through facebook-sdk and normalise its outcome."""
        if not token:
            raise TokenInvalid("No Page access token is configured")
        graph = facebook.GraphAPI(access_token=token, timeout=self.timeout, session=self._session)
        graph.version = self.version  # the constructor refuses versions above 3.1
        self._session.forget()
        started = time.monotonic()
        error: GraphError
        try:
            result = graph.request(
                f"{self.version}/{path}", args=args, post_args=post_args, method=method
            )
        except (facebook.GraphAPIError, requests.RequestException, KeyError, ValueError) as exc:
            error = error_from_exception(exc, self._session.last(), token)
        else:
            captured = self._session.last()
            if captured is not None and captured.status >= 400:
                error = error_from_http_status(
                    captured.status, captured.headers, "JSON body without an error object"
                )
            elif not isinstance(result, dict):
                error = MalformedResponse("Graph API answer was not a JSON object")
            else:
                log.debug("graph %s %s ok in %.0f ms", method, path, _ms(started))
                return result
        # Raised here, outside the except block, so no requests exception (whose text or
        # request body can hold the token) rides along as __context__.
        log.info("graph %s %s failed in %.0f ms: %s", method, path, _ms(started), error.code)
        raise error


def _require_id(result: Mapping[str, Any]) -> str:
    value = result.get("id")
    if not isinstance(value, str | int) or not str(value):
        raise MalformedResponse("Graph API answer had no id")
    return str(value)


def _total(edge: object) -> int:
    """``{"data": [], "summary": {"total_count": n}}`` → n (absent: 0)."""
    summary = edge.get("summary") if isinstance(edge, Mapping) else None
    value = summary.get("total_count") if isinstance(summary, Mapping) else 0
    return value if isinstance(value, int) and value >= 0 else 0


def _count(edge: object) -> int:
    """``{"count": n}`` → n (absent, as Graph answers for no share: 0)."""
    value = edge.get("count") if isinstance(edge, Mapping) else 0
    return value if isinstance(value, int) and value >= 0 else 0


def _post_from(item: Mapping[str, Any]) -> GraphPost:
    created = item.get("created_time")
    message = item.get("message")
    permalink = item.get("permalink_url")
    return GraphPost(
        id=_require_id(item),
        message=message if isinstance(message, str) else None,
        created_time=_parse_time(created) if isinstance(created, str) else None,
        permalink_url=permalink if isinstance(permalink, str) else None,
    )


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _after(post: GraphPost, floor: datetime) -> bool:
    return post.created_time is None or post.created_time >= floor


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Datetimes sent to the Graph API must be timezone-aware")
    return moment


def same_text(posted: str | None, ours: str) -> bool:
    """Whether a Page post's text is ours, as Facebook may return it (NFC, CRLF, spaces)."""
    return bool(ours.strip()) and _normalise(posted) == _normalise(ours)


def _normalise(text: str | None) -> str:
    if text is None:
        return ""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
