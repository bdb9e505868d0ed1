"""The page a fake post's permalink opens: the Page's name, the message, the place, the time."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from service.fakegraph.replies import Reply

HTML_TYPE = "text/html; charset=UTF-8"
PERMALINK_PATH = re.compile(r"/(?P<page>\d+)/posts/(?P<number>\d+)/?")
FAVICON_PATH = "/favicon.ico"
# Facebook shows a post's time in the reader's zone; the demo's readers are in France.
READER_ZONE = ZoneInfo("Europe/Paris")
# The site's icon, as facebook.com serves one: a browser opening a permalink asks for it, and
# a Graph error (400, "access token required") in its place is what no real site answers.
_ICON = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR42mOQKP9EEmIY1TCq"
                         "YfhqAADThIEQHYjn1AAAAABJRU5ErkJggg==")

_PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body>
<main>
<article>
<header><h1>{page_name}</h1>
<p>Publié le <time datetime="{created}">{created_text}</time>{place}</p></header>
<div class="message">{message}</div>
{link}
</article>
</main>
<footer><p><small>Faux Facebook de la démo Relais (publication {post_id}).</small></p></footer>
</body>
</html>
"""

_MISSING = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Publication introuvable</title></head>
<body><main><h1>Publication introuvable</h1>
<p>Ce faux Facebook ne connaît pas la publication {post_id}.</p></main></body></html>
"""


def _place(post: dict[str, Any]) -> str:
    parts = []
    if post.get("place"):
        parts.append(f"lieu {escape(str(post['place']['id']))}")
    for spot in ((post.get("targeting") or {}).get("geo_locations") or {}).get(
            "custom_locations", []):
        parts.append(f"audience à {escape(str(spot.get('radius')))} km de "
                     f"{escape(str(spot.get('latitude')))}, {escape(str(spot.get('longitude')))}")
    return f" · {' · '.join(parts)}" if parts else ""


def shown_time(created_time: str) -> str:
    """A Graph ``created_time`` (UTC) as a reader in France sees it, the zone said plainly."""
    moment = datetime.strptime(created_time, "%Y-%m-%dT%H:%M:%S%z")
    local = moment.astimezone(READER_ZONE)
    return f"{local:%d/%m/%Y à %H:%M} (heure de Paris, {moment:%H:%M} UTC)"


def page(shown: tuple[dict[str, Any], str] | None, post_id: str) -> Reply:
    """The HTML page of one post (200), or a 404 page when the fake does not know it."""
    if shown is None:
        return Reply(404, _MISSING.format(post_id=escape(post_id)).encode(), HTML_TYPE)
    post, page_name = shown
    message = "".join(f"<p>{escape(line)}</p>" for line in (post.get("message") or "").split("\n")
                      if line.strip())
    link = post.get("link")
    body = _PAGE.format(
        title=escape(f"{page_name} — publication {post['id']}"), page_name=escape(page_name),
        created=escape(post["created_time"]),
        created_text=escape(shown_time(post["created_time"])),
        place=_place(post), message=message, post_id=escape(post["id"]),
        link=f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else "",
    )
    return Reply(200, body.encode(), HTML_TYPE)


def favicon() -> Reply:
    """The site's icon (a 16 px blue square), cacheable for a day like Facebook's."""
    return Reply(200, _ICON, "image/png", {"Cache-Control": "public, max-age=86400"})
