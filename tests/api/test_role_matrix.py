"""Every route × every role: who may call it. A new route without a row here fails the suite."""

from __future__ import annotations

import pytest

from regions.models import Role

ROLES = [None, *Role]  # None: no credentials at all
PUBLIC = {
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/api/openapi.json"), ("GET", "/api/docs"),
    ("GET", "/api/docs/assets/<path:filename>"), ("GET", "/static/<path:filename>"),
    ("GET", "/login"), ("POST", "/login"), ("GET", "/"), ("POST", "/logout"),
    ("GET", "/favicon.ico"), ("GET", "/api/docs/"),
    # Short links are for anyone; joining needs the invitation's token, not an account.
    ("GET", "/s/<code>"), ("POST", "/api/ambassador/join"),
    ("GET", "/ambassador/join/<token>"), ("POST", "/ambassador/join/<token>"),
}
EVERYONE = set(Role)
# Ambassadors are refused everything but their own routes and what everyone may do.
ALL = EVERYONE - {Role.AMBASSADOR}
AMBASSADOR = {Role.AMBASSADOR}
KIT_BUILDERS = {Role.ADMIN, Role.CENTRAL_EDITOR, Role.REGIONAL_EDITOR}
ADMIN = {Role.ADMIN}
CENTRAL = {Role.ADMIN, Role.CENTRAL_EDITOR}
AUTHORS = ALL - {Role.VIEWER}
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}

# (method, rule) -> (path from the context, JSON body, roles allowed). The context holds
# another user (`other`, a member of `territory`) and a territory without children.
MATRIX = {
    ("GET", "/api/me"): (lambda c: "/api/me", None, EVERYONE),
    ("GET", "/api/users"): (lambda c: "/api/users", None, ADMIN),
    ("POST", "/api/users"): (
        lambda c: "/api/users",
        {"email": "new-{n}@example.test", "display_name": "N", "role": "viewer"}, ADMIN,
    ),
    ("GET", "/api/users/<int:user_id>"): (lambda c: f"/api/users/{c['other'].id}", None, ADMIN),
    ("PATCH", "/api/users/<int:user_id>"): (
        lambda c: f"/api/users/{c['other'].id}", {"display_name": "Renamed"}, ADMIN,
    ),
    ("GET", "/api/users/<int:user_id>/tokens"): (
        lambda c: f"/api/users/{c['other'].id}/tokens", None, ADMIN,
    ),
    ("POST", "/api/users/<int:user_id>/tokens"): (
        lambda c: f"/api/users/{c['other'].id}/tokens", {"name": "x"}, ADMIN,
    ),
    ("DELETE", "/api/tokens/<int:token_id>"): (None, None, ADMIN),  # see the token test below
    # Anyone may sign themselves out everywhere (tests/api/test_sessions_end.py); others: admins.
    ("POST", "/api/users/<int:user_id>/sign-out-everywhere"): (
        lambda c: f"/api/users/{c['other'].id}/sign-out-everywhere", {"revoke_tokens": False},
        ADMIN,
    ),
    ("GET", "/api/settings"): (lambda c: "/api/settings", None, ADMIN),
    ("PATCH", "/api/settings"): (lambda c: "/api/settings", {"allow_self_approval": False},
                                 ADMIN),
    ("GET", "/api/territories"): (lambda c: "/api/territories", None, ALL),
    ("POST", "/api/territories"): (
        lambda c: "/api/territories", {"name": "T {n}", "geometry": SQUARE}, CENTRAL,
    ),
    ("GET", "/api/territories/<int:territory_id>"): (
        lambda c: f"/api/territories/{c['territory']}", None, ALL,
    ),
    ("PATCH", "/api/territories/<int:territory_id>"): (
        lambda c: f"/api/territories/{c['territory']}", {"version": 1, "name": "R"}, CENTRAL,
    ),
    ("DELETE", "/api/territories/<int:territory_id>"): (
        lambda c: f"/api/territories/{c['empty_territory']}", None, CENTRAL,
    ),
    ("GET", "/api/territories/<int:territory_id>/members"): (
        lambda c: f"/api/territories/{c['territory']}/members", None, CENTRAL,
    ),
    ("POST", "/api/territories/<int:territory_id>/members"): (
        lambda c: f"/api/territories/{c['empty_territory']}/members", {"user_id": "{n}"}, ADMIN,
    ),
    ("DELETE", "/api/territories/<int:territory_id>/members/<int:user_id>"): (
        lambda c: f"/api/territories/{c['territory']}/members/{c['other'].id}", None, ADMIN,
    ),
    ("GET", "/api/locate"): (lambda c: "/api/locate?lon=0.5&lat=0.5", None, ALL),
    ("POST", "/api/locate"): (lambda c: "/api/locate", {"points": [[0.5, 0.5]]}, ALL),
    ("GET", "/api/gazetteer"): (lambda c: "/api/gazetteer?q=lyon", None, ALL),
    ("GET", "/api/gazetteer/areas"): (lambda c: "/api/gazetteer/areas?level=x", None, ALL),
    ("POST", "/api/territories/from-areas"): (
        lambda c: "/api/territories/from-areas", {"level": lambda c: c["area_level"](),
                                                  "dry_run": True}, CENTRAL,
    ),
    ("GET", "/api/templates"): (lambda c: "/api/templates", None, ALL),
    ("POST", "/api/templates"): (
        lambda c: "/api/templates", {"key": "new-{n}", "name": "N"}, CENTRAL,
    ),
    ("GET", "/api/templates/<template_key:key>"): (
        lambda c: f"/api/templates/{c['template']()}", None, ALL,
    ),
    ("PUT", "/api/templates/<template_key:key>"): (
        lambda c: f"/api/templates/{c['template']()}", {"name": "Renamed"}, CENTRAL,
    ),
    ("POST", "/api/templates/<template_key:key>/publish"): (
        lambda c: f"/api/templates/{c['template']()}/publish", None, CENTRAL,
    ),
    ("POST", "/api/templates/<template_key:key>/archive"): (
        lambda c: f"/api/templates/{c['template']()}/archive", None, CENTRAL,
    ),
    ("GET", "/api/templates/<template_key:key>/versions/<int:number>"): (
        lambda c: f"/api/templates/{c['template']()}/versions/1", None, ALL,
    ),
    ("POST", "/api/templates/<template_key:key>/validate"): (
        lambda c: f"/api/templates/{c['template']()}/validate", {"text": "Bonjour Lyon"}, ALL,
    ),
    ("POST", "/api/templates/preview"): (
        lambda c: "/api/templates/preview",
        {"template": {"name": "P", "body": "Bonjour"}, "draft": {"text": "Bonjour"}}, CENTRAL,
    ),
    ("GET", "/api/charter"): (lambda c: "/api/charter", None, ALL),
    ("PUT", "/api/charter"): (lambda c: "/api/charter", {"rules": []}, CENTRAL),
    ("GET", "/api/charter/versions/<int:number>"): (
        lambda c: f"/api/charter/versions/{c['charter']()}", None, ALL,
    ),
    ("GET", "/api/territories/<int:territory_id>/page"): (
        lambda c: f"/api/territories/{c['territory']}/page", None, CENTRAL,
    ),
    ("PUT", "/api/territories/<int:territory_id>/page"): (
        lambda c: f"/api/territories/{c['territory']}/page", {"page_id": "1", "token": "t"},
        CENTRAL,
    ),
    ("DELETE", "/api/territories/<int:territory_id>/page"): (
        lambda c: f"/api/territories/{c['territory']}/page", None, CENTRAL,
    ),
    ("POST", "/api/territories/<int:territory_id>/page/check"): (
        lambda c: f"/api/territories/{c['territory']}/page/check", None, CENTRAL,
    ),
    # Retry and retract need a failed or published post: see tests/api/test_publishing_api.py.
    ("POST", "/api/posts/<int:post_id>/retry"): (None, None, CENTRAL),
    ("POST", "/api/posts/<int:post_id>/retract"): (None, None, CENTRAL),
    ("POST", "/posts/<int:post_id>/retry"): (None, None, CENTRAL),  # the page's form, same rule
    ("GET", "/api/posts"): (lambda c: "/api/posts", None, ALL),
    ("POST", "/api/posts"): (
        lambda c: "/api/posts",
        {"territory_id": lambda c: c["territory"], "template": lambda c: c["posts"]()["tpl"],
         "text": "Bonjour Lyon"}, CENTRAL,
    ),
    ("GET", "/api/posts/<int:post_id>"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}", None, CENTRAL,
    ),
    ("PATCH", "/api/posts/<int:post_id>"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}",
        {"version": lambda c: c["posts"]()["draft_version"], "text": "Bonjour Lyon"}, CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/submit"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/submit",
        {"version": lambda c: c["posts"]()["draft_version"]}, CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/withdraw"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/withdraw",
        {"version": lambda c: c["posts"]()["draft_version"]}, CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/approve"): (
        lambda c: f"/api/posts/{c['posts']()['submitted']}/approve",
        {"version": lambda c: c["posts"]()["submitted_version"]}, CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/request-changes"): (
        lambda c: f"/api/posts/{c['posts']()['submitted']}/request-changes",
        {"version": lambda c: c["posts"]()["submitted_version"], "comment": "Plus court"},
        CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/reject"): (
        lambda c: f"/api/posts/{c['posts']()['submitted']}/reject",
        {"version": lambda c: c["posts"]()["submitted_version"], "comment": "Hors charte"},
        CENTRAL,
    ),
    ("GET", "/api/posts/<int:post_id>/comments"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/comments", None, CENTRAL,
    ),
    ("POST", "/api/posts/<int:post_id>/comments"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/comments", {"body": "Bien"}, CENTRAL,
    ),
    ("GET", "/api/posts/<int:post_id>/audit"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/audit", None, CENTRAL,
    ),
    ("GET", "/api/posts/<int:post_id>/publications"): (
        lambda c: f"/api/posts/{c['posts']()['draft']}/publications", None, CENTRAL,
    ),
    ("GET", "/api/review-queue"): (lambda c: "/api/review-queue", None, CENTRAL),
    ("GET", "/api/campaigns"): (lambda c: "/api/campaigns", None, ALL),
    ("POST", "/api/campaigns"): (
        lambda c: "/api/campaigns",
        {"title": "C", "template": lambda c: c["posts"]()["tpl"], "targets": "all"}, CENTRAL,
    ),
    ("GET", "/api/campaigns/<int:campaign_id>"): (
        lambda c: f"/api/campaigns/{c['posts']()['campaign']}", None, ALL,
    ),
    ("PATCH", "/api/campaigns/<int:campaign_id>"): (
        lambda c: f"/api/campaigns/{c['posts']()['campaign']}", {"version": 1, "title": "R"},
        CENTRAL,
    ),
    ("GET", "/api/campaigns/<int:campaign_id>/dashboard"): (
        lambda c: f"/api/campaigns/{c['posts']()['campaign']}/dashboard", None, ALL,
    ),
    ("POST", "/api/campaigns/<int:campaign_id>/withdraw"): (
        lambda c: f"/api/campaigns/{c['posts']()['campaign']}/withdraw", None, CENTRAL,
    ),
    # Pages (HTML, signed in through the login page): role checks in tests/api/test_web_standards.py
    # and tests/api/test_web_campaigns.py (regional people get 403 on the desk's pages).
    ("GET", "/standards"): (None, None, CENTRAL),
    ("GET", "/standards/charter"): (None, None, CENTRAL),
    ("POST", "/standards/charter"): (None, None, CENTRAL),
    ("GET", "/standards/templates/new"): (None, None, CENTRAL),
    ("POST", "/standards/templates/new"): (None, None, CENTRAL),
    ("GET", "/standards/templates/<template_key:key>"): (None, None, CENTRAL),
    ("POST", "/standards/templates/<template_key:key>"): (None, None, CENTRAL),
    ("POST", "/standards/templates/<template_key:key>/publish"): (None, None, CENTRAL),
    ("POST", "/standards/templates/<template_key:key>/archive"): (None, None, CENTRAL),
    ("GET", "/standards/templates/<template_key:key>/compare"): (None, None, CENTRAL),
    ("POST", "/standards/templates/preview"): (None, None, CENTRAL),
    ("GET", "/campaigns"): (None, None, ALL),
    ("GET", "/campaigns/new"): (None, None, CENTRAL),
    ("POST", "/campaigns/new"): (None, None, CENTRAL),
    ("GET", "/campaigns/<int:campaign_id>"): (None, None, ALL),
    ("GET", "/campaigns/<int:campaign_id>/edit"): (None, None, CENTRAL),
    ("POST", "/campaigns/<int:campaign_id>/edit"): (None, None, CENTRAL),
    ("POST", "/campaigns/<int:campaign_id>/kits"): (None, None, CENTRAL),
    ("POST", "/campaigns/<int:campaign_id>/kits/<int:kit_id>/withdraw"): (None, None, CENTRAL),
    ("POST", "/campaigns/<int:campaign_id>/withdraw"): (None, None, CENTRAL),
    ("GET", "/api/map/activity"): (lambda c: "/api/map/activity", None, ALL),
    ("GET", "/api/map/posts/<int:z>/<int:x>/<int:y>.mvt"): (
        lambda c: "/api/map/posts/0/0/0.mvt", None, ALL,
    ),
    ("GET", "/api/map/territories/<int:territory_id>/panel"): (
        lambda c: f"/api/map/territories/{c['territory']}/panel", None, ALL,
    ),
    ("GET", "/api/map/territories/<int:territory_id>/gaps"): (
        lambda c: f"/api/map/territories/{c['territory']}/gaps?days=7", None, ALL,
    ),
    ("GET", "/api/map/conflicts"): (lambda c: "/api/map/conflicts", None, ALL),
    ("GET", "/api/map/adaptations"): (lambda c: "/api/map/adaptations", None, ALL),
    ("GET", "/api/campaigns/<int:campaign_id>/map"): (
        lambda c: f"/api/campaigns/{c['posts']()['campaign']}/map", None, ALL,
    ),
    ("GET", "/map"): (lambda c: "/map", None, ALL),
    ("GET", "/api/map/ambassadors"): (lambda c: "/api/map/ambassadors", None, ALL),
    # Web pages: a signed-out visitor is sent to the login page; forms need the page's CSRF
    # token, so their POST rows are checked in the page tests (tests/api/test_web_*.py).
    ("GET", "/review"): (lambda c: "/review", None, CENTRAL),
    ("GET", "/review/<int:post_id>"): (
        lambda c: f"/review/{c['posts']()['submitted']}", None, CENTRAL,
    ),
    ("POST", "/review/<int:post_id>"): (None, None, CENTRAL),  # see test_web_review.py
    ("GET", "/posts"): (lambda c: "/posts", None, ALL),
    ("GET", "/posts/new"): (lambda c: f"/posts/new?template={c['posts']()['tpl']}", None, AUTHORS),
    ("POST", "/posts/new"): (
        lambda c: f"/posts/new?template={c['posts']()['tpl']}",
        {"territory_id": lambda c: c["territory"], "text": "Bonjour Lyon", "slot-city": "Lyon",
         "action": "draft"}, CENTRAL,
    ),
    ("GET", "/posts/geotag"): (
        lambda c: f"/posts/geotag?territory_id={c['territory']}&lon=10.5&lat=10.5", None, ALL,
    ),
    ("GET", "/posts/<int:post_id>"): (lambda c: f"/posts/{c['posts']()['draft']}", None, CENTRAL),
    ("GET", "/posts/<int:post_id>/edit"): (
        lambda c: f"/posts/{c['posts']()['draft']}/edit", None, CENTRAL,
    ),
    ("POST", "/posts/<int:post_id>/edit"): (
        lambda c: f"/posts/{c['posts']()['draft']}/edit",
        {"version": lambda c: c["posts"]()["draft_version"], "text": "Bonjour Lyon",
         "slot-city": "Lyon", "action": "draft"}, CENTRAL,
    ),
    ("POST", "/posts/<int:post_id>/submit"): (
        lambda c: f"/posts/{c['posts']()['draft']}/submit",
        {"version": lambda c: c["posts"]()["draft_version"]}, CENTRAL,
    ),
    ("POST", "/posts/<int:post_id>/withdraw"): (
        lambda c: f"/posts/{c['posts']()['draft']}/withdraw",
        {"version": lambda c: c["posts"]()["draft_version"]}, CENTRAL,
    ),
    ("POST", "/posts/<int:post_id>/comments"): (
        lambda c: f"/posts/{c['posts']()['draft']}/comments", {"body": "Bien"}, CENTRAL,
    ),
    ("GET", "/api/webhooks"): (lambda c: "/api/webhooks", None, ADMIN),
    ("POST", "/api/webhooks"): (
        lambda c: "/api/webhooks", {"url": "https://93.184.215.14/relais",
                                    "events": ["post.approved"]}, ADMIN,
    ),
    ("DELETE", "/api/webhooks/<int:endpoint_id>"): (
        lambda c: f"/api/webhooks/{c['posts']()['webhook']}", None, ADMIN,
    ),
    ("GET", "/api/webhooks/<int:endpoint_id>/deliveries"): (
        lambda c: f"/api/webhooks/{c['posts']()['webhook']}/deliveries", None, ADMIN,
    ),
    # Web pages: a signed-out visitor is sent to the login page, a wrong role gets a 403 page.
    ("GET", "/account"): (lambda c: "/account", None, EVERYONE),
    ("POST", "/account/language"): (lambda c: "/account/language", {"language": "en"},
                                     EVERYONE),
    # The password needs the caller's own: see tests/api/test_web_account.py.
    ("POST", "/account/password"): (None, None, EVERYONE),
    ("POST", "/account/tokens"): (
        lambda c: "/account/tokens", {"name": "x", "expires_in_days": "5"}, EVERYONE,
    ),
    ("POST", "/account/tokens/<int:token_id>/revoke"): (None, None, EVERYONE),
    # Ambassadors' own routes. A kit reaches an ambassador through a territory they belong to:
    # checking and sharing one, and the team's kit routes (which need a published post), are
    # tried role by role in tests/api/test_ambassadors_api.py.
    ("GET", "/api/ambassador"): (lambda c: "/api/ambassador", None, AMBASSADOR),
    ("PATCH", "/api/ambassador"): (
        lambda c: "/api/ambassador", {"on_leaderboard": True}, AMBASSADOR,
    ),
    ("DELETE", "/api/ambassador"): (lambda c: "/api/ambassador", None, AMBASSADOR),
    ("GET", "/api/ambassador/charter"): (lambda c: "/api/ambassador/charter", None, AMBASSADOR),
    ("POST", "/api/ambassador/charter/accept"): (
        lambda c: "/api/ambassador/charter/accept", {"number": lambda c: c["charter"]()},
        AMBASSADOR,
    ),
    ("GET", "/api/ambassador/kits"): (lambda c: "/api/ambassador/kits", None, AMBASSADOR),
    ("POST", "/api/ambassador/kits/<int:kit_id>/check"): (None, None, AMBASSADOR),
    ("POST", "/api/ambassador/kits/<int:kit_id>/shares"): (None, None, AMBASSADOR),
    ("GET", "/api/ambassador/leaderboard"): (
        lambda c: "/api/ambassador/leaderboard", None, EVERYONE,
    ),
    # Pages: the forms' POST rows are checked in tests/api/test_web_ambassadors.py.
    ("GET", "/ambassador"): (lambda c: "/ambassador", None, AMBASSADOR),
    ("POST", "/ambassador/charter"): (None, None, AMBASSADOR),
    ("POST", "/ambassador/kits/<int:kit_id>/share"): (None, None, AMBASSADOR),
    ("POST", "/ambassador/choices"): (None, None, AMBASSADOR),
    ("POST", "/ambassador/leave"): (None, None, AMBASSADOR),
    ("GET", "/ambassadors"): (lambda c: "/ambassadors", None, KIT_BUILDERS),
    ("POST", "/ambassadors/invitations"): (None, None, {Role.ADMIN, Role.REGIONAL_EDITOR}),
    ("POST", "/ambassadors/kits"): (None, None, KIT_BUILDERS),
    ("GET", "/api/kits"): (lambda c: "/api/kits", None, KIT_BUILDERS),
    ("POST", "/api/kits"): (None, None, KIT_BUILDERS),
    ("GET", "/api/kits/<int:kit_id>"): (None, None, KIT_BUILDERS),
    ("POST", "/api/kits/<int:kit_id>/withdraw"): (None, None, KIT_BUILDERS),
    ("GET", "/api/amplification"): (lambda c: "/api/amplification", None, ALL),
    ("GET", "/api/ambassador-invitations"): (
        lambda c: "/api/ambassador-invitations", None, {Role.ADMIN, Role.REGIONAL_EDITOR},
    ),
    # A regional editor invites to their own territories only (the caller here has none).
    ("POST", "/api/ambassador-invitations"): (
        lambda c: "/api/ambassador-invitations", {"territory_id": lambda c: c["territory"]},
        ADMIN,
    ),
    # Needs a browser session of its own: see tests/api/test_sessions_end.py.
    ("POST", "/account/sessions/sign-out-others"): (None, None, EVERYONE),
    ("GET", "/admin/users"): (lambda c: "/admin/users?q=example", None, ADMIN),
    ("GET", "/admin/users/new"): (lambda c: "/admin/users/new", None, ADMIN),
    ("POST", "/admin/users/new"): (
        lambda c: "/admin/users/new",
        {"email": "web-{n}@example.test", "display_name": "N", "role": "viewer"}, ADMIN,
    ),
    ("GET", "/admin/users/<int:user_id>"): (
        lambda c: f"/admin/users/{c['other'].id}", None, ADMIN,
    ),
    ("POST", "/admin/users/<int:user_id>"): (
        lambda c: f"/admin/users/{c['other'].id}", {"display_name": "R", "role": "viewer"},
        ADMIN,
    ),
    ("POST", "/admin/users/<int:user_id>/active"): (
        lambda c: f"/admin/users/{c['other'].id}/active", {"active": "0"}, ADMIN,
    ),
    ("POST", "/admin/users/<int:user_id>/sign-out"): (
        lambda c: f"/admin/users/{c['other'].id}/sign-out", {"revoke_tokens": "1"}, ADMIN,
    ),
    ("GET", "/admin/settings"): (lambda c: "/admin/settings", None, ADMIN),
    ("POST", "/admin/settings"): (
        lambda c: "/admin/settings", {"token_max_days": "365", "allow_self_approval": ""},
        ADMIN,
    ),
    ("GET", "/admin/pages"): (lambda c: "/admin/pages", None, ADMIN),
    ("GET", "/admin/pages/<int:territory_id>"): (
        lambda c: f"/admin/pages/{c['territory']}", None, ADMIN,
    ),
    ("POST", "/admin/pages/<int:territory_id>/connect"): (
        lambda c: f"/admin/pages/{c['territory']}/connect", {"page_id": "1", "token": "t"},
        ADMIN,
    ),
    ("POST", "/admin/pages/<int:territory_id>/check"): (
        lambda c: f"/admin/pages/{c['territory']}/check", None, ADMIN,
    ),
    ("POST", "/admin/pages/<int:territory_id>/disconnect"): (
        lambda c: f"/admin/pages/{c['territory']}/disconnect", None, ADMIN,
    ),
    # OGC API – Features: JSON like the API (401 for the anonymous); published posts only,
    # whoever asks (tests/api/test_ogc_api.py).
    ("GET", "/ogc/"): (lambda c: "/ogc/", None, ALL),
    ("GET", "/ogc/api"): (lambda c: "/ogc/api", None, ALL),
    ("GET", "/ogc/conformance"): (lambda c: "/ogc/conformance", None, ALL),
    ("GET", "/ogc/collections"): (lambda c: "/ogc/collections", None, ALL),
    ("GET", "/ogc/collections/<collection_id>"): (
        lambda c: "/ogc/collections/territories", None, ALL,
    ),
    ("GET", "/ogc/collections/<collection_id>/items"): (
        lambda c: "/ogc/collections/posts/items", None, ALL,
    ),
    ("GET", "/ogc/collections/<collection_id>/items/<int:feature_id>"): (
        lambda c: f"/ogc/collections/territories/items/{c['territory']}", None, ALL,
    ),
}


def _template_with_draft(uow, user_id):
    """Template rows: a template whose v1 is published and v2 is a draft; returns its key."""
    from datetime import UTC, datetime

    from regions import standards
    from regions.actors import Actor

    desk = Actor(user_id, "desk@example.test", Role.CENTRAL_EDITOR)
    with uow() as unit:
        data = {"name": "M", "body": "Bonjour {city}", "slots": [{"name": "city"}]}
        standards.create_template(unit, desk, "matrix", data)
        standards.publish_template(unit, desk, "matrix", now=datetime.now(UTC))
        standards.edit_template(unit, desk, "matrix", {**data, "name": "M2"})
        unit.commit()
    return "matrix"


def _charter_version(uow, user_id):
    """Charter rows: the first charter version; returns its number."""
    from regions import standards
    from regions.actors import Actor

    with uow() as unit:
        row = standards.update_charter(unit, Actor(user_id, "d@x.test", Role.ADMIN), {"rules": []})
        unit.commit()
        return row.number


def _posts_world(uow, context, make_user):
    """Post rows: a template, a draft and a submitted post in `territory`, a campaign and a
    webhook endpoint; built once per test, on first use."""
    if "_posts" in context:
        return context["_posts"]
    from regions import accounts, campaigns, posts, review, webhooks
    from regions.publishing.page_tokens import cipher_for
    from regions.webhook_targets import TargetPolicy
    from service.i18n import load_violation_messages

    key = context["template"]()
    editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[context["territory"]])
    admin = make_user(Role.ADMIN)
    with uow() as unit:
        author = accounts.load_actor(accounts.get_user(unit, editor.id),
                                     frozenset({context["territory"]}))
        root = accounts.load_actor(accounts.get_user(unit, admin.id))
        made = {}
        for name in ("draft", "submitted"):
            post = posts.create_post(unit, author, territory_id=context["territory"],
                                     template_key=key, fields=posts.PostFields(
                                         text="Bonjour Lyon", slot_values={"city": "Lyon"}))
            if name == "submitted":
                post = review.submit_post(unit, author, post.id, expected_version=post.version,
                                          messages=load_violation_messages())
            unit.flush()
            made[name], made[f"{name}_version"] = post.id, post.version
        made["campaign"] = campaigns.create_campaign(unit, root, campaigns.CampaignDraft(
            "Matrix", key, {"city": "Lyon"}, [], campaigns.TargetMode.ALL)).id
        made["webhook"] = webhooks.create_endpoint(  # a public IP literal: no DNS look-up
            unit, root, url="https://93.184.215.14/x", events=["post.failed"],
            cipher=cipher_for(None, "matrix", production=False), targets=TargetPolicy())[0].id
        made["tpl"] = key
        unit.commit()
    context["_posts"] = made
    return made


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield method, rule.rule


def _area_level(uow):
    """A gazetteer level with one area (a square), for the roll-out's row."""
    from sqlalchemy import text

    with uow() as unit:
        unit.session.execute(text(
            "INSERT INTO admin_areas (level, code, name, search_name, geom, geom_simplified) "
            "SELECT 'matrix', '1', 'Matrix', 'matrix', g, g FROM (SELECT ST_Multi("
            "ST_MakeEnvelope(30, 30, 31, 31, 4326)) AS g) s"))
        unit.commit()
    return "matrix"


def test_every_route_is_in_the_matrix_or_public(app):
    missing = sorted(set(_routes(app)) - set(MATRIX) - PUBLIC)
    assert missing == [], f"routes without a role matrix row: {missing}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("route", [k for k, v in MATRIX.items() if v[0]], ids=" ".join)
def test_role_matrix(route, role, make_user, make_territory, client, uow):
    method, _rule = route
    make_path, body, allowed = MATRIX[route]
    territory = make_territory(bbox=(10, 10, 11, 11))
    other = make_user(Role.VIEWER, territory_ids=[territory])
    context = {"other": other, "territory": territory,
               "empty_territory": make_territory(bbox=(20, 20, 21, 21)),
               "template": lambda: _template_with_draft(uow, other.id),
               "charter": lambda: _charter_version(uow, other.id)}
    context["posts"] = lambda: _posts_world(uow, context, make_user)
    context["area_level"] = lambda: _area_level(uow)
    caller = make_user(role) if role else None
    path = make_path(context)
    if isinstance(body, dict):
        body = {k: v(context) if callable(v) else
                (int(v.format(n=other.id)) if v == "{n}" else v.format(n=other.id))
                if isinstance(v, str) else v for k, v in body.items()}
    headers = caller.headers() if caller else {}
    is_page = not path.startswith(("/api/", "/ogc/"))
    if is_page:  # a page's form: fields as text
        form = {k: str(v) for k, v in body.items()} if isinstance(body, dict) else None
        response = client.open(path, method=method, data=form, headers=headers)
    else:
        response = client.open(path, method=method, json=body, headers=headers)
    if role is None and is_page:
        assert response.status_code == 302 and response.location.startswith("/login")
    elif role is None:
        assert response.status_code == 401, response.json
    elif role in allowed:
        assert response.status_code < 400, response.get_data(as_text=True)[-800:]
    elif is_page:
        assert response.status_code in (403, 404) and response.mimetype == "text/html"
    else:
        assert response.status_code in (403, 404), response.get_data(as_text=True)[-800:]
        assert response.json["code"] in ("forbidden", "territory.not_member", "not_found")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_revoking_someone_elses_token_needs_admin(role, make_user):
    owner = make_user(Role.VIEWER)
    caller = make_user(role)
    token_id = owner.get(f"/api/users/{owner.id}/tokens").json[0]["id"]
    response = caller.delete(f"/api/tokens/{token_id}")
    assert response.status_code == (204 if role == Role.ADMIN else 404)


def test_everyone_may_manage_their_own_tokens(make_user):
    for role in Role:
        user = make_user(role)
        created = user.post(f"/api/users/{user.id}/tokens", json={"name": "mine"})
        assert created.status_code == 201
        assert user.delete(f"/api/tokens/{created.json['id']}").status_code == 204
