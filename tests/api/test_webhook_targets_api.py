"""Webhook targets through the API: internal addresses are refused at registration (422)."""

from __future__ import annotations

import pytest

from regions.models import Role


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://127.1:8080/", "http://2130706433/",
    "http://[::ffff:10.0.0.1]/h", "http://0.0.0.0/", "https://192.168.1.10/h",
    "http://localhost/h", "ftp://93.184.215.14/h", "http://user:pw@93.184.215.14/h",
])
def test_webhooks_to_internal_or_odd_targets_are_refused_in_one_error_shape(make_user, url):
    response = make_user(Role.ADMIN).post("/api/webhooks", json={"url": url,
                                                                 "events": ["post.failed"]},
                                          headers={"Accept-Language": "fr"})
    assert response.status_code == 422, response.json
    assert response.json["code"] in ("webhooks.target_refused", "request.invalid")
    errors = response.json["errors"]
    assert errors.get("url") or errors["json"]["url"]  # the domain's or the schema's refusal


def test_refusal_names_the_address_and_the_allow_list(make_user):
    response = make_user(Role.ADMIN).post("/api/webhooks", json={
        "url": "http://10.1.2.3/hook", "events": ["post.failed"]})
    assert response.json["code"] == "webhooks.target_refused"
    assert "10.1.2.3" in response.json["errors"]["url"][0]
    assert "RELAIS_WEBHOOK_ALLOWED_NETWORKS" in response.json["errors"]["url"][0]


def test_a_public_address_is_accepted_without_any_connection(make_user):
    response = make_user(Role.ADMIN).post("/api/webhooks", json={
        "url": "https://93.184.215.14/hook", "events": ["post.failed"]})
    assert response.status_code == 201, response.json
