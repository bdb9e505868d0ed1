"""The fake Graph API keeps its posts on disk and shows each post at its permalink."""

import json

import pytest
import requests

from regions.publishing.graph import GraphClient
from service.fakegraph import FakeGraphServer, FakePage

PAGE, TOKEN = "1001", "EAAPage1001-demo-token"


def pages():
    return [FakePage(PAGE, "Énergie Commune Lyon", {TOKEN})]


@pytest.fixture()
def store(tmp_path):
    return tmp_path / "fakegraph" / "state.json"


def publish(server, message, **options):
    client = GraphClient(base_url=server.base_url, timeout=5)
    try:
        post = client.publish_feed_post(PAGE, TOKEN, message, **options)
        return client.get_post(post.id, TOKEN)
    finally:
        client.close()


def test_posts_survive_a_restart_of_the_fake_server(store):
    with FakeGraphServer(pages(), store=store) as first:
        fetched = publish(first, "Atelier économies d’énergie samedi", place="100000000000901")
        before = first.posts()

    assert json.loads(store.read_text(encoding="utf-8"))["posts"][0]["id"] == fetched.id
    with FakeGraphServer(pages(), store=store) as second:
        after = second.posts()
        client = GraphClient(base_url=second.base_url, timeout=5)
        again = client.get_post(fetched.id, TOKEN)
        client.close()
        newer = publish(second, "Une autre publication")

    assert [post["message"] for post in after] == [post["message"] for post in before]
    assert (again.id, again.created_time) == (fetched.id, fetched.created_time)
    assert int(newer.id.split("_")[1]) > int(fetched.id.split("_")[1])


def test_deleting_a_post_is_kept_on_disk_too(store):
    with FakeGraphServer(pages(), store=store) as server:
        fetched = publish(server, "Bientôt retirée")
        server.state.delete(fetched.id)
    with FakeGraphServer(pages(), store=store) as server:
        assert server.posts() == []


def test_permalink_opens_an_html_page_showing_the_post(store):
    with FakeGraphServer(pages(), store=store) as server:
        fetched = publish(server, "Portes ouvertes <samedi> & dimanche\nÀ l’agence",
                          place="100000000000901")
        assert fetched.permalink_url.startswith(server.base_url)
        page = requests.get(fetched.permalink_url, timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Énergie Commune Lyon" in page.text
    assert "Portes ouvertes &lt;samedi&gt; &amp; dimanche" in page.text
    assert "100000000000901" in page.text
    assert "<time datetime=" in page.text
    assert "(heure de Paris, " in page.text and " UTC)</time>" in page.text


def test_permalink_still_opens_after_a_restart(store):
    with FakeGraphServer(pages(), store=store) as server:
        fetched = publish(server, "Toujours là après un redémarrage")
        path = fetched.permalink_url.removeprefix(server.base_url)
    with FakeGraphServer([], store=store) as server:
        page = requests.get(server.base_url + path, timeout=5)

    assert page.status_code == 200
    assert "Toujours là après un redémarrage" in page.text
    assert "Énergie Commune Lyon" in page.text  # the Page's name is kept, never its token
    assert TOKEN not in store.read_text(encoding="utf-8")


def test_unknown_post_permalink_is_a_404_page(store):
    with FakeGraphServer(pages(), store=store) as server:
        page = requests.get(f"{server.base_url}{PAGE}/posts/123456", timeout=5)

    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert f"{PAGE}_123456" in page.text


def test_the_site_icon_a_browser_asks_for_on_a_permalink_is_an_image(store):
    with FakeGraphServer(pages(), store=store) as server:
        icon = requests.get(f"{server.base_url}favicon.ico", timeout=5)

    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/png"
    assert icon.content.startswith(b"\x89PNG")
