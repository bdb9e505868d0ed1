"""Every GET route, crawled as a département's people: a sibling's unpublished work never shows.

One world (``sibling``): a région R with départements A and B. B has a published post, a share
kit from it, an ambassador's share, an invitation, and adaptations of a campaign aimed at R and
of one aimed at B; A's editor, contributor, viewer and ambassador are signed in. They call every
GET route of the app (the API's with a token, the pages with a browser session), path
parameters filled with B's objects and with A's and R's, filters with B's. Then B's editor
writes a post in every state that is not public (R's team a draft), each marked with its own
word (``ZORGLUB-<state>``) in its text and in a desk comment, and A's people crawl again.

No answer may hold a marker of B's but its published post's, nor the id of one of B's posts in
a state that is not public (they are numbered apart for that); B's unpublished posts answer 403
or 404, as ids that do not exist do; nothing answers 5xx; and no answer of the second crawl may
differ from the first: what A is given does not depend on B's unpublished work at all (the
campaign's adaptations are in both crawls: they count for R's row, decision 0041). Every write
route naming a post or a kit is tried too, on each of B's: 403 or 404, and B's posts, comments,
shares and kit stay as they were. A route whose parameter this file cannot fill fails
``test_every_route_is_crawled_or_said_not_to_be``, unless ``NOT_CRAWLED`` says why (decision
0047).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from regions.models import Role
from tests.api.sibling_world import B_POINT, sibling_world

B_ID = re.compile(r"(?<!\d)98765\d{4}(?!\d)")
MARKER = re.compile(r"zorglub-[a-z0-9_-]+", re.IGNORECASE)
# A published post is everyone's (decision 0009), its comments too for whom may read them.
PUBLIC_MARKERS = {"zorglub-published", "zorglub-note-published"}
ROUTE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# What fills each path parameter: names of the world's values (lists of them).
PATH_VALUES = {
    "post_id": ("b_posts", "a_posts"), "territory_id": ("territories",),
    "campaign_id": ("campaigns",), "kit_id": ("b_kits",), "user_id": ("users",),
    "endpoint_id": ("webhooks",), "key": ("templates",), "number": ("versions",),
    "collection_id": ("collections",), "feature_id": ("b_posts",),
    "z": ("tiles",),  # z, x and y come together, from one tile
}
TILE_PARAMS = {"z", "x", "y"}
# Filters tried one by one, besides the route's defaults (the API's from its OpenAPI document,
# the pages' from PAGE_FILTERS).
QUERY_VALUES = {
    "territory_id": ("territories",), "parent_id": ("territories",),
    "campaign_id": ("campaigns",), "post_id": ("some_b_posts",), "kit_id": ("b_kits",),
    "author_id": ("b_authors",), "status": ("states",), "q": ("markers",),
    "bbox": ("b_boxes",), "format": ("formats",), "since": ("moments",),
    "until": ("moments",), "publish_from": ("moments",), "publish_to": ("moments",),
}
REQUIRED_QUERY = {"lon": str(B_POINT[0]), "lat": str(B_POINT[1]), "q": "zorglub"}
PAGE_FILTERS = {
    "/posts": ("territory_id", "status", "campaign_id"),
    "/posts/new": ("campaign", "template"), "/review": ("territory", "campaign", "conflicts"),
    "/posts/geotag": ("territory_id",),
}
PAGE_QUERY_VALUES = {"campaign": ("campaigns",), "template": ("templates",),
                     "territory": ("territories",), "conflicts": ("flags",)}
PAGE_REQUIRED = {"/posts/geotag": {"lon": str(B_POINT[0]), "lat": str(B_POINT[1])}}
NOT_CRAWLED = {
    "/static/<path:filename>": "the app's own files: no one's data",
    "/api/docs/assets/<path:filename>": "the API docs' own files: no one's data",
    "/s/<code>": "a short link redirects to a published post's Page, whoever follows it",
    "/ambassador/join/<token>": "an invitation's secret: whoever holds it may join",
}


def _rule_params(rule: str) -> list[str]:
    return ROUTE_PARAM.findall(rule)


def _get_rules(app: Any) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods})


def _openapi_rule(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", r"<\1>", path)


def test_every_route_is_crawled_or_said_not_to_be(app, client):
    """Each GET route (every OpenAPI GET operation among them) is crawled, each write naming a
    post or a kit is tried, unless NOT_CRAWLED says why; their parameters can all be filled."""
    rules = _get_rules(app)
    bare = {ROUTE_PARAM.sub(lambda m: f"<{m.group(1)}>", rule) for rule in rules}
    spec = client.get("/api/openapi.json").json
    documented = {_openapi_rule(p) for p, ops in spec["paths"].items() if "get" in ops}
    assert documented <= bare, f"OpenAPI GET paths the app does not serve: {documented - bare}"
    crawled = [r for r in rules if r not in NOT_CRAWLED] + [r for _m, r in _writes(app)]
    unfillable = {rule: [p for p in _rule_params(rule)
                         if p not in PATH_VALUES and p not in TILE_PARAMS] for rule in crawled}
    assert {r: p for r, p in unfillable.items() if p} == {}, (
        "routes the crawl cannot fill: add their parameters to PATH_VALUES, "
        "or the route to NOT_CRAWLED with the reason")
    assert set(NOT_CRAWLED) <= set(rules), f"stale: {set(NOT_CRAWLED) - set(rules)}"


@pytest.fixture()
def settings(settings):
    """The most open setting: regional editors also review their territories' posts."""
    return replace(settings, regional_lead_can_approve=True)

@pytest.fixture()
def sibling(world, make_territory, make_user, sign_in, uow):
    """The world of the crawls (``tests/api/sibling_world.py``)."""
    return sibling_world(world, make_territory, make_user, sign_in, uow)


def _values(world, names):
    return [value for name in names for value in world[name]]


def _paths(rule, world):
    """The rule with its path parameters filled by every combination of the world's values."""
    params = [p for p in _rule_params(rule) if p not in TILE_PARAMS - {"z"}]
    choices = [_values(world, PATH_VALUES[p]) for p in params]
    for combination in itertools.product(*choices):
        filled = dict(zip(params, combination, strict=True))
        if "z" in filled:
            filled.update(zip(("z", "x", "y"), filled["z"], strict=True))
        yield _filled(rule, filled), filled


def _filled(rule, values):
    return ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), rule)


def _queries(rule, spec_get, world):
    """The default query (required parameters) and, one by one, each known filter's values."""
    is_page = spec_get is None
    if is_page:
        names, required = PAGE_FILTERS.get(rule, ()), PAGE_REQUIRED.get(rule, {})
    else:
        parameters = [p for p in spec_get.get("parameters", []) if p["in"] == "query"]
        names = [p["name"] for p in parameters]
        required = {p["name"]: REQUIRED_QUERY[p["name"]] for p in parameters if p.get("required")}
    yield dict(required)
    table = {**QUERY_VALUES, **PAGE_QUERY_VALUES}
    for name in names:
        for value in _values(world, table.get(name, ())):
            yield {**required, name: str(value)}


def _crawl_plan(app, spec, world):
    """(url, parameters, whether it is an API call) for every GET route but NOT_CRAWLED."""
    documented = {_openapi_rule(p): ops["get"] for p, ops in spec["paths"].items() if "get" in ops}
    for rule in _get_rules(app):
        if rule in NOT_CRAWLED:
            continue
        spec_get = documented.get(ROUTE_PARAM.sub(lambda m: f"<{m.group(1)}>", rule))
        is_api = spec_get is not None or rule.startswith(("/api/", "/ogc/"))
        for path, filled in _paths(rule, world):
            for query in _queries(rule, spec_get, world):
                url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                              if query else "")
                yield url, {**filled, **query}, is_api


def _texts(response):
    """What an answer says, as text: its body (vector tiles decoded) and where it redirects."""
    said = [response.headers.get("Location", "")]
    if response.mimetype == "application/vnd.mapbox-vector-tile" and response.status_code == 200:
        said.append(json.dumps(mapbox_vector_tile.decode(response.get_data()), default=str))
    else:
        said.append(response.get_data(as_text=True))
    return "\n".join(said)


def _leaks(response, filled, world):
    """What is wrong with one answer (empty: nothing)."""
    found = []
    if response.status_code >= 500:
        found.append(f"{response.status_code} server error")
    if {v for v in filled.values() if isinstance(v, int)} & world["hidden"] \
            and response.status_code not in (403, 404):
        found.append(f"{response.status_code} for a path naming B's unpublished post")
    said = _texts(response)
    markers = {m.lower() for m in MARKER.findall(said)} - PUBLIC_MARKERS
    ids = {int(i) for i in B_ID.findall(said)} & world["hidden"]
    asked = {int(v) for v in filled.values() if str(v).isdigit()}
    ids -= asked  # an error message may echo the id it was asked about
    if markers:
        found.append(f"B's markers {sorted(markers)}")
    if ids:
        found.append(f"ids of B's unpublished posts {sorted(ids)}")
    return found


# What differs between two identical requests: an error's request id, the page's CSRF token,
# the OGC answer's time, the kit form's default end (now + 14 days), a token's last use.
VOLATILE = re.compile(r'("request_id": ?|name="csrf[-_]token" (?:content|value)=|"timeStamp": ?'
                      r'|name="ends_at" value=)"[^"]+"'
                      r'|(data-label="Dernière utilisation">).*?</td>')


def _crawl(plan, world):
    """Every answer of the plan, for each of A's people: (problems, what each one said)."""
    problems, said, seen = [], {}, set()
    for role, person in world["people"].items():
        for url, filled, is_api in plan:
            response = person.user.get(url) if is_api else person.get(url)
            problems += [f"{role.value} GET {url}: {leak}"
                         for leak in _leaks(response, filled, world)]
            answer = _texts(response)
            answer = VOLATILE.sub(r"\1\2", answer)
            said[role.value, url] = (response.status_code, answer)
            if role == Role.REGIONAL_EDITOR and response.status_code == 200:
                seen |= {m.lower() for m in MARKER.findall(answer)}
    return problems, said, seen


def test_a_departement_never_sees_nor_touches_a_sibling_s_unpublished_work(app, client,
                                                                            sibling, uow):
    """Nothing A's people get names B's unpublished posts, nor changes when B writes some;
    nothing they write changes B's posts or kit."""
    spec = client.get("/api/openapi.json").json
    plan = list(_crawl_plan(app, spec, sibling))
    before, said_before, seen = _crawl(plan, sibling)
    assert before == [], "\n".join(before)
    assert seen == {"zorglub-published"}  # the crawl reached what A may see of B's
    sibling["add_hidden"]()
    after, said_after, _seen = _crawl(plan, sibling)
    changed = [f"{role} GET {url}: {said_before[role, url][0]} → {answer[0]}, "
               f"{_first_difference(said_before[role, url][1], answer[1])}"
               for (role, url), answer in said_after.items() if answer != said_before[role, url]]
    assert after + changed == [], "\n".join(after + changed)
    b_now = _b_state(uow, sibling)
    touched = _touch(app, spec, sibling, {row[0]: row[2] for row in b_now})
    assert touched == [], "\n".join(touched)
    assert _b_state(uow, sibling) == b_now


def _first_difference(first, second):
    at = next((i for i, (x, y) in enumerate(zip(first, second, strict=False)) if x != y),
              min(len(first), len(second)))
    return f"from …{first[max(0, at - 80):at + 80]!r} to …{second[max(0, at - 80):at + 80]!r}"


# What a write may carry, by field name: the post's version is the one B's post is at.
TOUCH_FIELDS = {"comment": "ZAPHOD-touch", "body": "ZAPHOD-touch", "network": "x",
                "text": "Portes ouvertes à Ici ! ZAPHOD-touch #Relais"}
TOUCHED = ("post_id", "kit_id")


def _writes(app):
    """Every write route that names a post or a kit: (method, rule)."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
                  if set(_rule_params(rule.rule)) & set(TOUCHED))


def _body(spec, method, rule):
    """The JSON body the operation documents, filled from TOUCH_FIELDS (None: a page's form)."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
    operation = spec["paths"].get(path, {}).get(method.lower())
    if operation is None:
        return None
    schema = (operation.get("requestBody", {}).get("content", {})
              .get("application/json", {}).get("schema", {}))
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return {name: TOUCH_FIELDS.get(name) for name in schema.get("properties", {})
            if name in TOUCH_FIELDS or name == "version"}


def _b_state(uow, world):
    """B's posts and kit as they stand: what no write of A's people may change."""
    with uow() as unit:
        return unit.session.execute(text(
            "SELECT p.id, p.status, p.version, p.text, (SELECT count(*) FROM comments c "
            "WHERE c.post_id = p.id), (SELECT count(*) FROM shares), (SELECT count(*) FROM "
            "share_kits k WHERE k.withdrawn_at IS NULL) FROM posts p WHERE p.id = ANY(:ids) "
            "ORDER BY p.id"), {"ids": world["b_posts"]}).all()


def _touch(app, spec, world, versions):
    """Every write naming one of B's posts or its kit, by A's people: what did not answer
    403 or 404 (a viewer writes nothing at all: the role matrix has it)."""
    problems = []
    people = {r: p for r, p in world["people"].items() if r != Role.VIEWER}
    for method, rule in _writes(app):
        body = _body(spec, method, rule)
        for path, filled in _paths(rule, world):
            if not set(filled) & set(TOUCHED) or filled.get("post_id") in world["a_posts"]:
                continue
            version = versions.get(filled.get("post_id"), 1)
            for role, person in people.items():
                if body is None:  # a page's form: extra fields are ignored
                    answer = person.post(path, data={**TOUCH_FIELDS, "version": version,
                                                     "decision": "approve", "action": "draft"})
                else:
                    answer = person.user.request(method, path, json={
                        **body, **({"version": version} if "version" in body else {})})
                if answer.status_code not in (403, 404):
                    problems.append(f"{role.value} {method} {path}: {answer.status_code}")
    return problems
