"""The Page posts' engagement: the Graph adapter's call, the fake's answer, the worker step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select, update

from regions import accounts, posts, standards
from regions.models import Post, PostEngagement, PostStatus, Role
from regions.publishing.connections import connect_page
from regions.publishing.engagement import refresh_engagement
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher, derive_key
from service.fakegraph import FakeGraphServer, FakePage

PAGE, TOKEN = "3003", "EAAPage3003-engagement-token"


def _set(fake, post_id, **counts):
    answer = requests.post(f"{fake.base_url}_fake/engagement", json={"post_id": post_id,
                                                                     **counts}, timeout=2)
    assert answer.status_code == 200, answer.text


def test_engagement_is_read_from_graph_and_refreshed_for_recent_posts(
        uow, session_factory, make_user, make_territory):
    cipher = TokenCipher([derive_key("engagement-test-secret")])
    with FakeGraphServer([FakePage(PAGE, "Relais Test", {TOKEN})]) as fake:
        graph = GraphClient(base_url=fake.base_url, timeout=2)
        try:
            fresh = graph.publish_feed_post(PAGE, TOKEN, "Une nouvelle")
            old = graph.publish_feed_post(PAGE, TOKEN, "Une ancienne")
            empty = graph.get_engagement(fresh.id, TOKEN)
            assert (empty.reactions, empty.comments, empty.shares) == (0, 0, 0)
            _set(fake, fresh.id, reactions=12, comments=3, shares=2)
            _set(fake, old.id, reactions=99)
            found = graph.get_engagement(fresh.id, TOKEN)
            assert (found.reactions, found.comments, found.shares) == (12, 3, 2)

            territory = make_territory("Engagement", bbox=(1, 1, 2, 2))
            editor = make_user(Role.CENTRAL_EDITOR)
            now = datetime.now(UTC)
            with uow() as unit:
                desk = accounts.load_actor(accounts.get_user(unit, editor.id))
                standards.create_template(unit, desk, "e", {"name": "E", "body": ""})
                standards.publish_template(unit, desk, "e", now=now)
                connect_page(unit, None, territory, page_id=PAGE, token=TOKEN, cipher=cipher)
                ids = []
                for graph_post, age in ((fresh, 1), (old, 40)):
                    post = posts.create_post(unit, desk, territory_id=territory, template_key="e",
                                             fields=posts.PostFields(text="x"))
                    unit.flush()
                    unit.session.execute(update(Post).where(Post.id == post.id).values(
                        status=PostStatus.PUBLISHED, facebook_post_id=graph_post.id,
                        published_at=now - timedelta(days=age)))
                    ids.append(post.id)
                unit.commit()

            assert refresh_engagement(session_factory, graph, cipher, now=now, days=14) == 1
            assert refresh_engagement(session_factory, graph, cipher, now=now, days=14) == 0
            with uow() as unit:
                rows = {r.post_id: r for r in unit.session.scalars(select(PostEngagement))}
            assert list(rows) == [ids[0]]  # the 40-day-old post is not refreshed any more
            assert (rows[ids[0]].reactions, rows[ids[0]].comments, rows[ids[0]].shares) == (
                12, 3, 2)
            _set(fake, fresh.id, reactions=20)
            later = now + timedelta(hours=1)
            assert refresh_engagement(session_factory, graph, cipher, now=later, days=14) == 1
            with uow() as unit:
                assert unit.session.get(PostEngagement, ids[0]).reactions == 20
        finally:
            graph.close()
