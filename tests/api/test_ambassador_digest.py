"""The ambassadors' digest: e-mailed through SMTP (a local aiosmtpd sink), at most once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regions.models import Role
from service.mail import send_due_digests
from service.mailsink import MailSink
from tests.api.test_ambassadors_api import LATER, published  # noqa: F401 - fixture


def test_digest_lists_new_kits_once_a_day_and_respects_the_choice(
        world, published, make_user, session_factory, settings, uow):  # noqa: F811
    camille = make_user(Role.AMBASSADOR, territory_ids=[world["lyon"]])
    quiet = make_user(Role.AMBASSADOR, territory_ids=[world["lyon"]])
    assert quiet.patch("/api/ambassador", json={"wants_digest": False}).status_code == 200
    make_user(Role.AMBASSADOR, territory_ids=[world["marseille"]])  # nothing for Marseille
    world["desk"].post("/api/kits", json={"title": "Portes ouvertes à Lyon", "post_id": published,
                                          "networks": ["x"], "suggestions": ["Bonjour"],
                                          "ends_at": LATER})
    now = datetime.now(UTC) + timedelta(seconds=1)
    with MailSink() as sink:
        config = settings.with_changes(smtp_host="127.0.0.1", smtp_port=sink.port,
                                       public_url="https://relais.example")
        assert send_due_digests(session_factory, config, now=now) == 1
        assert send_due_digests(session_factory, config, now=now + timedelta(hours=2)) == 0
        received = sink.messages()
    assert [m["To"] for m in received] == [camille.email]
    body = received[0].get_body(("plain",)).get_content()
    assert "Portes ouvertes à Lyon" in body and "https://relais.example/ambassador" in body
    assert "Nouveaux kits à partager" in received[0]["Subject"]  # the ambassador's language


def test_an_unreachable_smtp_server_leaves_the_digest_due(world, published, make_user,  # noqa: F811
                                                          session_factory, settings):
    make_user(Role.AMBASSADOR, territory_ids=[world["lyon"]])
    world["desk"].post("/api/kits", json={"title": "K", "post_id": published, "networks": ["x"],
                                          "suggestions": ["Bonjour"], "ends_at": LATER})
    with MailSink() as sink:
        port = sink.port
    config = settings.with_changes(smtp_host="127.0.0.1", smtp_port=port)  # nobody listens
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert send_due_digests(session_factory, config, now=now) == 0
    with MailSink() as sink:
        config = config.with_changes(smtp_port=sink.port)
        assert send_due_digests(session_factory, config, now=now) == 1
