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
campaign's adaptations are in both crawls: they count for R's row, decision 0041). A route whose
parameter this file cannot fill fails ``test_every_get_route_is_crawled``, unless
``NOT_CRAWLED`` says why (decision 0047).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text, update

from regions.models import Post, PostStatus, Role
from regions.posts import PUBLIC_STATES
from tests.api.conftest import LYON

REGION, ISERE = (4.0, 45.0, 6.0, 46.5), (5.5, 45.0, 5.9, 45.4)
B_POINT, A_POINT = (4.85, 45.75), (5.7, 45.2)
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
LATER = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
# B's posts get ids no other row of the world has, so finding one in an answer is no accident.
B_FIRST_ID = 987_650_001
B_ID = re.compile(r"(?<!\d)98765\d{4}(?!\d)")
MARKER = re.compile(r"zorglub-[a-z0-9_-]+", re.IGNORECASE)
# A published post is everyone's (decision 0009), its comments too for whom may read them.
PUBLIC_MARKERS = {"zorglub-published", "zorglub-note-published"}
A_PEOPLE = (Role.REGIONAL_EDITOR, Role.CONTRIBUTOR, Role.VIEWER, Role.AMBASSADOR)
ROUTE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# What fills each path parameter: names of the world's values (lists of them).
PATH_VALUES = {
    "post_id": ("b_posts", "a_posts"), "territory_id": ("territories",),
    "campaign_id": ("campaigns",), "kit_id": ("b_kits",), "user_id": ("users",),
    "endpoint_id": ("webhooks",), "key": ("templates",), "number": ("versions",),
    "collection_id": ("collections",), "feature_id": ("b_posts", "territories"),
    "z": ("tiles",),  # z, x and y come together, from one tile
}
TILE_PARAMS = {"z", "x", "y"}
# Filters tried one by one, besides the route's defaults (the API's from its OpenAPI document,
# the pages' from PAGE_FILTERS).
QUERY_VALUES = {
    "territory_id": ("territories",), "parent_id": ("territories",),
    "campaign_id": ("campaigns",), "post_id": ("b_posts",), "kit_id": ("b_kits",),
    "author_id": ("b_authors",), "status": ("states",), "q": ("markers",),
    "bbox": ("b_boxes",), "format": ("formats",),
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


def test_every_get_route_is_crawled(app, client):
    """Each GET route (every OpenAPI GET operation among them) is crawled or said not to be."""
    rules = _get_rules(app)
    bare = {ROUTE_PARAM.sub(lambda m: f"<{m.group(1)}>", rule) for rule in rules}
    spec = client.get("/api/openapi.json").json
    documented = {_openapi_rule(p) for p, ops in spec["paths"].items() if "get" in ops}
    assert documented <= bare, f"OpenAPI GET paths the app does not serve: {documented - bare}"
    unfillable = {rule: [p for p in _rule_params(rule)
                         if p not in PATH_VALUES and p not in TILE_PARAMS]
                  for rule in rules if rule not in NOT_CRAWLED}
    assert {r: p for r, p in unfillable.items() if p} == {}, (
        "GET routes this crawl cannot fill: add their parameters to PATH_VALUES, "
        "or the route to NOT_CRAWLED with the reason")
    assert set(NOT_CRAWLED) <= set(rules), f"stale: {set(NOT_CRAWLED) - set(rules)}"


@pytest.fixture()
def settings(settings):
    """The most open setting: regional editors also review their territories' posts."""
    return replace(settings, regional_lead_can_approve=True)


@pytest.fixture()
def sibling(world, make_territory, make_user, sign_in, uow):
    """Région R, départements A and B, A's people signed in, and what B shares with A.

    ``add_hidden()`` then writes B's posts in every state that is not public (and a draft of
    R's own team): nothing A is given may change with them.
    """
    desk = world["desk"]
    r = make_territory("Auvergne-Rhône-Alpes", bbox=REGION)
    a = make_territory("Isère", bbox=ISERE, parent_id=r, kind="area")
    b = make_territory("Rhône", bbox=LYON, parent_id=r, kind="area")
    b_editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[b])
    r_editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[r])
    a_people = {role: sign_in(role, territory_ids=[a]) for role in A_PEOPLE}
    a_editor = a_people[Role.REGIONAL_EDITOR].user
    campaign_r, campaign_b = (_campaign(desk, title, target)
                              for title, target in (("Printemps", r), ("Rhône seul", b)))
    a_posts = [_write(a_editor, a, A_POINT, "ZAPHOD-A", desk, PostStatus.SUBMITTED, uow)]
    with uow() as unit:  # transactional: rolled back with the test
        unit.session.execute(text(f"ALTER SEQUENCE posts_id_seq RESTART WITH {B_FIRST_ID}"))
        unit.commit()
    # Published far from A's post in time: no audience conflict that A may see.
    published = _write(b_editor, b, B_POINT, "ZORGLUB-published", desk, PostStatus.PUBLISHED,
                       uow, publish_at=LATER)
    # A campaign's adaptations count for its target, R, which A adapts too (decision 0041):
    # they are there from the start, hidden but counted.
    adaptations = [_write(b_editor, b, B_POINT, f"ZORGLUB-{name}", desk, state, uow,
                          campaign=campaign, publish_at=None)
                   for name, state, campaign in (
                       ("adapt-draft", PostStatus.DRAFT, campaign_r),
                       ("adapt-submitted", PostStatus.SUBMITTED, campaign_r),
                       ("own-campaign-draft", PostStatus.DRAFT, campaign_b))]
    kit = _kit_and_share(desk, b_editor, b, published, make_user)
    hidden_states = [s for s in PostStatus if s not in PUBLIC_STATES]
    later = list(range(adaptations[-1] + 1, adaptations[-1] + 2 + len(hidden_states)))
    sibling = {
        "people": a_people, "hidden": set(adaptations) | set(later), "published": published,
        "b_posts": [published, *adaptations, *later], "a_posts": a_posts,
        "territories": [b, a, r], "campaigns": [campaign_r, campaign_b], "b_kits": [kit],
        "users": [b_editor.id, a_editor.id], "webhooks": [1], "templates": ["portes-ouvertes"],
        "versions": [1], "collections": ["posts", "territories", "areas"],
        "tiles": [_tile(*B_POINT, z) for z in (0, 8, 12)], "b_authors": [b_editor.id],
        "states": [s.value for s in PostStatus], "markers": ["zorglub", "ZORGLUB-draft"],
        "b_boxes": [",".join(map(str, LYON))], "formats": ["csv"], "flags": ["1"],
    }

    def add_hidden():
        made = [_write(b_editor, b, B_POINT, f"ZORGLUB-{state.value}", desk, state, uow)
                for state in hidden_states]
        made.append(_write(r_editor, r, B_POINT, "ZORGLUB-region-draft", desk,
                           PostStatus.DRAFT, uow))
        assert made == later  # the ids the first crawl asked for

    sibling["add_hidden"] = add_hidden
    return sibling


def _campaign(desk, title, target):
    created = desk.post("/api/campaigns", json={
        "title": title, "template": "portes-ouvertes", "slot_values": {},
        "targets": "list", "territory_ids": [target]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _write(editor, territory, point, marker, desk, state, uow, *, campaign=None,
           publish_at=SOON):
    """A post of ``editor``'s marked ``marker``, its desk comment, brought to ``state``."""
    details = f"{marker} Bienvenue #Relais"
    source = {"campaign_id": campaign} if campaign else {"template": "portes-ouvertes"}
    post = editor.post("/api/posts", json={
        **source, "territory_id": territory, "text": f"Portes ouvertes à Ici ! {details}",
        "slot_values": {"city": "Ici", "details": details}, "place_name": marker,
        "geotag": {"lon": point[0], "lat": point[1]}, "audience": {"radius_km": 150},
        "publish_at": publish_at})
    assert post.status_code == 201, post.json
    post_id, version = post.json["id"], post.json["version"]
    note = marker.replace("ZORGLUB-", "ZORGLUB-note-")
    assert desk.post(f"/api/posts/{post_id}/comments", json={"body": note}).status_code == 201

    def act(who, action, **body):
        nonlocal version
        answer = who.post(f"/api/posts/{post_id}/{action}", json={"version": version, **body})
        assert answer.status_code == 200, answer.json
        version = answer.json["version"]

    if state == PostStatus.WITHDRAWN:
        act(editor, "withdraw")
    elif state != PostStatus.DRAFT:
        act(editor, "submit")
    decisions = {PostStatus.CHANGES_REQUESTED: "request-changes", PostStatus.REJECTED: "reject"}
    if state in decisions:
        act(desk, decisions[state], comment=marker.replace("ZORGLUB-", "ZORGLUB-why-"))
    elif state in (PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.PUBLISHED,
                   PostStatus.FAILED, PostStatus.ARCHIVED):
        act(desk, "approve")
    if state in (PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.FAILED,
                 PostStatus.ARCHIVED):  # the publisher's part (tested apart)
        values: dict[str, Any] = {"status": state}
        if state in (PostStatus.PUBLISHED, PostStatus.ARCHIVED):
            values.update(facebook_post_id=f"2001_{post_id}", published_at=datetime.now(UTC),
                          permalink=f"https://www.facebook.com/2001/posts/{post_id}")
        with uow() as unit:
            unit.session.execute(update(Post).where(Post.id == post_id).values(**values))
            unit.commit()
    return post_id


def _kit_and_share(desk, b_editor, b, published, make_user):
    """B's kit from its published post, a share by B's ambassador, an invitation to B."""
    assert desk.put("/api/charter", json={"rules": []}).status_code == 200
    kit = desk.post("/api/kits", json={
        "title": "ZORGLUB-kit", "post_id": published, "networks": ["x"],
        "suggestions": ["ZORGLUB-kit-text Venez !"], "ends_at": LATER})
    assert kit.status_code == 201, kit.json
    ambassador = make_user(Role.AMBASSADOR, territory_ids=[b])
    accepted = ambassador.post("/api/ambassador/charter/accept", json={"number": 1})
    assert accepted.status_code == 200, accepted.json
    shared = ambassador.post(f"/api/ambassador/kits/{kit.json['id']}/shares",
                             json={"text": "ZORGLUB-share Venez !", "network": "x"})
    assert shared.status_code == 201, shared.json
    invited = b_editor.post("/api/ambassador-invitations",
                            json={"territory_id": b, "email": "zorglub-invite@example.test"})
    assert invited.status_code == 201, invited.json
    return kit.json["id"]


def _tile(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


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


def test_a_departement_never_sees_a_sibling_s_unpublished_work(app, client, sibling):
    """Nothing A's people get names B's unpublished posts, nor changes when B writes some."""
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


def _first_difference(first, second):
    at = next((i for i, (x, y) in enumerate(zip(first, second, strict=False)) if x != y),
              min(len(first), len(second)))
    return f"from …{first[max(0, at - 80):at + 80]!r} to …{second[max(0, at - 80):at + 80]!r}"
