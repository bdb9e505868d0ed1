"""Conditional GETs for the map: ETags made of the data's change counters and the caller's scope.

An ETag reads ``"<kind>.<counter>.<scope>"``: the counter comes from ``map_changes`` (bumped in
every transaction writing posts or territories), the scope is a digest of what the caller may
see (role and territories) and of the query, so a regional editor and the desk never share an
answer. Responses are ``private`` (no shared cache) and revalidated on every use (``no-cache``):
a revalidation costs one small query and a 304, and an edit shows on the next load.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request

from regions.actors import Actor

CACHE_CONTROL = "private, no-cache"
VARY = "Authorization, Cookie"


def scope_key(kind: str, actor: Actor, args: dict[str, Any]) -> str:
    """A short digest of who asks and what: the part of the ETag beside the counter."""
    scope = "central" if actor.is_central else ",".join(map(str, sorted(actor.territory_ids)))
    query = "&".join(f"{key}={args[key]}" for key in sorted(args))
    plain = f"{kind}|{actor.role.value}|{scope}|{query}"
    return hashlib.blake2b(plain.encode(), digest_size=8).hexdigest()


def make_etag(kind: str, counter: str | int, scope: str) -> str:
    """The quoted strong ETag for a counter and a scope."""
    return f'"{kind}.{counter}.{scope}"'


def known_counter(kind: str, scope: str) -> str | None:
    """The counter of the caller's cached copy (If-None-Match) for this kind and scope, if any."""
    header = request.headers.get("If-None-Match", "")
    for tag in header.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        parts = value.split(".")
        if len(parts) >= 3 and parts[0] == kind and parts[-1] == scope:
            return ".".join(parts[1:-1])
    return None


def cache_headers(etag: str) -> dict[str, str]:
    """The headers every map answer carries, 200 or 304."""
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}


def not_modified(etag: str) -> Response:
    """A 304 for a caller whose copy is current."""
    return Response(status=304, headers=cache_headers(etag))
