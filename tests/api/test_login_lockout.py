"""Lockouts that attackers cannot turn against users: failures count per account *and* client
address (the address from trusted proxies only), and every 429 says when to come back."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from config.settings import Settings, SettingsError
from regions.models import LoginAttempt, Role
from service.app import create_app

PASSWORD = "the-right-password-1"
WRONG = "a-wrong-password-22"
MAX = 3
WINDOW = 900
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_networks = itertools.count(1)



@pytest.fixture()
def make_app(settings, session_factory):
    """An app on the test's transaction with a low attempt limit and some proxies trusted."""

    def make(trusted_proxies: int = 0) -> Any:
        changed = settings.with_changes(login_max_attempts=MAX, login_window_seconds=WINDOW,
                                        trusted_proxies=trusted_proxies)
        application = create_app(changed, session_factory=session_factory)
        application.config["TESTING"] = True
        return application

    return make


def login(app: Any, email: str, password: str, *, addr: str = "192.0.2.1",
          forwarded: str | None = None) -> Any:
    """One login from a fresh browser at ``addr`` (through a proxy adding ``forwarded``)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": addr}
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    page = client.get("/login", environ_base=environ, headers=headers).get_data(as_text=True)
    token = _CSRF.search(page)
    assert token is not None
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token.group(1)},
                       environ_base=environ, headers=headers)


def retry_after(answer: Any) -> int:
    """The 429's Retry-After, checked to be a whole number of seconds within the window."""
    assert answer.status_code == 429
    value = int(answer.headers["Retry-After"])
    assert 1 <= value <= WINDOW
    return value


def lock(app: Any, email: str, **where: Any) -> None:
    for _ in range(MAX):
        assert login(app, email, WRONG, **where).status_code == 401
    assert login(app, email, PASSWORD, **where).status_code == 429


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(attempts=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.booleans()),
                         min_size=1, max_size=14))
def test_lockouts_follow_the_per_account_and_address_model(make_app, make_user, attempts):
    """Any mix of accounts, addresses and right/wrong passwords behaves like the model:
    an (account, address) pair is refused after MAX failures in a row, and nothing else is."""
    app = make_app()
    network = next(_networks)
    users = [make_user(Role.VIEWER, password=PASSWORD) for _ in range(3)]
    failures: dict[tuple[int, int], int] = {}
    for account, address, correct in attempts:
        pair = (account, address)
        answer = login(app, users[account].email, PASSWORD if correct else WRONG,
                       addr=f"10.{network // 250}.{network % 250}.{address + 1}")
        if failures.get(pair, 0) >= MAX:
            retry_after(answer)
        elif correct:
            assert answer.status_code == 303
            failures[pair] = 0
        else:
            assert answer.status_code == 401
            failures[pair] = failures.get(pair, 0) + 1


def test_guessing_from_one_address_never_locks_the_owner_out_elsewhere(make_app, make_user):
    app = make_app()
    victim = make_user(Role.ADMIN, password=PASSWORD)
    for _ in range(MAX + 4):
        login(app, victim.email, WRONG, addr="203.0.113.66")
    assert retry_after(login(app, victim.email, PASSWORD, addr="203.0.113.66")) > WINDOW - 60
    for home in ("198.51.100.7", "198.51.100.8", "2001:db8:1::5"):
        assert login(app, victim.email, PASSWORD, addr=home).status_code == 303


def test_an_address_trying_many_accounts_never_locks_the_accounts_it_did_not_try(
        make_app, make_user):
    app = make_app()
    tried = [make_user(Role.VIEWER, password=PASSWORD) for _ in range(4)]
    never_tried = [make_user(role, password=PASSWORD)
                   for role in (Role.VIEWER, Role.CENTRAL_EDITOR, Role.ADMIN)]
    for user in tried:
        lock(app, user.email, addr="203.0.113.5")
    for user in never_tried:
        assert login(app, user.email, PASSWORD, addr="203.0.113.5").status_code == 303
    for user in tried:  # still locked from there, open from anywhere else
        retry_after(login(app, user.email, PASSWORD, addr="203.0.113.5"))
        assert login(app, user.email, PASSWORD, addr="198.51.100.1").status_code == 303


def test_a_success_clears_the_failures_before_it(make_app, make_user):
    app = make_app()
    user = make_user(Role.VIEWER, password=PASSWORD)
    for _round in range(3):
        for _ in range(MAX - 1):
            assert login(app, user.email, WRONG).status_code == 401
        assert login(app, user.email, PASSWORD).status_code == 303


def test_retry_after_counts_down_and_the_lock_lifts_after_the_window(make_app, make_user, uow):
    app = make_app()
    user = make_user(Role.VIEWER, password=PASSWORD)
    lock(app, user.email)

    def age(seconds: int) -> None:
        with uow() as unit:
            unit.session.execute(update(LoginAttempt).where(LoginAttempt.email == user.email)
                                 .values(at=LoginAttempt.at - timedelta(seconds=seconds)))
            unit.commit()

    age(600)
    assert WINDOW - 600 - 30 <= retry_after(login(app, user.email, PASSWORD)) <= WINDOW - 600
    age(WINDOW - 600)
    assert login(app, user.email, PASSWORD).status_code == 303


def test_an_ipv6_client_cannot_dodge_the_limit_by_rotating_addresses_in_its_64(
        make_app, make_user):
    app = make_app()
    user = make_user(Role.VIEWER, password=PASSWORD)
    for host in range(1, MAX + 1):
        assert login(app, user.email, WRONG, addr=f"2001:db8:aa:bb::{host:x}").status_code == 401
    retry_after(login(app, user.email, PASSWORD, addr="2001:db8:aa:bb:ffff::1"))
    assert login(app, user.email, PASSWORD, addr="2001:db8:aa:cc::1").status_code == 303


@pytest.mark.parametrize("spoofed", ["1.2.3.4", "198.51.100.7", "10.0.0.1, 8.8.8.8", "garbage"])
def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app, make_user, uow, spoofed):
    app = make_app(trusted_proxies=0)
    user = make_user(Role.VIEWER, password=PASSWORD)
    for number in range(MAX):
        answer = login(app, user.email, WRONG, addr="203.0.113.9",
                       forwarded=f"{spoofed}, 192.0.2.{number}")
        assert answer.status_code == 401
    # A new spoofed value is no new client: the lock holds.
    retry_after(login(app, user.email, PASSWORD, addr="203.0.113.9", forwarded="192.0.2.200"))
    with uow() as unit:
        recorded = set(unit.session.scalars(select(LoginAttempt.remote_addr).where(
            LoginAttempt.email == user.email)))
    assert recorded == {"203.0.113.9"}


@pytest.mark.parametrize("spoofed", ["", "1.2.3.4, ", "198.51.100.7, 10.9.9.9, "])
def test_behind_a_trusted_proxy_each_client_is_its_own_address(make_app, make_user, uow,
                                                                spoofed):
    app = make_app(trusted_proxies=1)
    user = make_user(Role.VIEWER, password=PASSWORD)
    proxy = "10.0.0.2"
    # The attacker writes whatever it likes first; the proxy appends the address it saw.
    for _ in range(MAX):
        answer = login(app, user.email, WRONG, addr=proxy, forwarded=f"{spoofed}203.0.113.50")
        assert answer.status_code == 401
    retry_after(login(app, user.email, PASSWORD, addr=proxy,
                      forwarded=f"{spoofed}192.0.2.77, 203.0.113.50"))
    # The owner, behind the same proxy, is not the attacker.
    assert login(app, user.email, PASSWORD, addr=proxy,
                 forwarded="198.51.100.20").status_code == 303
    with uow() as unit:
        recorded = set(unit.session.scalars(select(LoginAttempt.remote_addr).where(
            LoginAttempt.email == user.email)))
    assert recorded == {"203.0.113.50", "198.51.100.20"}


def test_two_trusted_proxies_take_the_address_the_outer_one_saw(make_app, make_user, uow):
    app = make_app(trusted_proxies=2)
    user = make_user(Role.VIEWER, password=PASSWORD)
    for _ in range(MAX):
        login(app, user.email, WRONG, addr="10.0.0.3",
              forwarded="6.6.6.6, 203.0.113.51, 10.0.0.2")
    retry_after(login(app, user.email, PASSWORD, addr="10.0.0.3",
                      forwarded="7.7.7.7, 203.0.113.51, 10.0.0.2"))
    assert login(app, user.email, PASSWORD, addr="10.0.0.3",
                 forwarded="203.0.113.51, 198.51.100.21, 10.0.0.2").status_code == 303


def test_the_login_page_429_says_when_in_both_languages(make_app, make_user):
    app = make_app()
    user = make_user(Role.VIEWER, password=PASSWORD)
    lock(app, user.email)
    french = login(app, user.email, PASSWORD)
    assert retry_after(french) > WINDOW - 60
    assert "depuis votre adresse" in french.get_data(as_text=True)
    client = app.test_client()
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    english = client.post("/login", headers={"Accept-Language": "en"}, data={
        "email": user.email, "password": PASSWORD, "csrf_token": _CSRF.search(page).group(1)},
        environ_base={"REMOTE_ADDR": "192.0.2.1"})
    retry_after(english)
    assert "from your address: try again in 15 min." in english.get_data(as_text=True)


def test_login_failures_elsewhere_do_not_block_the_owner_changing_their_password(
        make_app, make_user):
    app = make_app()
    user = make_user(Role.VIEWER, password=PASSWORD)
    lock(app, user.email, addr="203.0.113.70")
    owner = app.test_client()
    page = owner.get("/login").get_data(as_text=True)
    owner.post("/login", data={"email": user.email, "password": PASSWORD,
                               "csrf_token": _CSRF.search(page).group(1)},
               environ_base={"REMOTE_ADDR": "198.51.100.30"})
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      owner.get("/account").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "new_password": "a-new-password-777",
            "new_password_again": "a-new-password-777"}
    for _ in range(MAX):
        wrong = owner.post("/account/password", data={**form, "current_password": WRONG})
        assert wrong.status_code == 422
    refused = owner.post("/account/password", data={**form, "current_password": PASSWORD})
    assert retry_after(refused) > WINDOW - 60 and "patientez" in refused.get_data(as_text=True)


def test_trusted_proxies_setting_is_read_and_checked():
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"RELAIS_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for bad in ("-1", "one", "1.5"):
        with pytest.raises(SettingsError, match="RELAIS_TRUSTED_PROXIES"):
            Settings.from_env({"RELAIS_TRUSTED_PROXIES": bad})
