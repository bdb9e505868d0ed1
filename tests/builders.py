"""Builders used by fixtures: small callables that create what a test needs."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from shapely.geometry import box

from regions import accounts, teams, territories
from regions.db import UnitOfWork
from regions.models import AmbassadorProfile, Role

_counter = itertools.count(1)


@dataclass
class ApiUser:
    """A user with a token, and helpers to call the API as that user."""

    id: int
    email: str
    role: Role
    token: str
    client: FlaskClient

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


def user_builder(uow: Callable[[], UnitOfWork], client: FlaskClient) -> Callable[..., ApiUser]:
    """``make_user(role, territory_ids=(), password=None)`` → an ApiUser with a fresh token."""

    def make_user(
        role: Role | str = Role.VIEWER,
        *,
        territory_ids: tuple[int, ...] | list[int] = (),
        password: str | None = None,
        email: str | None = None,
    ) -> ApiUser:
        role = Role(role)
        number = next(_counter)
        with uow() as unit:
            user = accounts.create_user(
                unit, None, email=email or f"{role.value}-{number}@example.test",
                display_name=f"{role.value} {number}", role=role, password=password,
            )
            for territory_id in territory_ids:
                teams.add_member(unit, None, user, territory_id)
            if role == Role.AMBASSADOR:  # as joining through an invitation makes one
                unit.session.add(AmbassadorProfile(user_id=user.id))
            issued = accounts.issue_token(
                unit, accounts.load_actor(user), user_id=user.id, name="test", expires_in_days=1
            )
            unit.commit()
            return ApiUser(user.id, user.email, role, issued.plaintext, client)

    return make_user


def territory_builder(uow: Callable[[], UnitOfWork]) -> Callable[..., int]:
    """``make_territory(name, bbox=(minx, miny, maxx, maxy), parent_id=None)`` → its id."""

    def make_territory(
        name: str | None = None,
        *,
        bbox: tuple[float, float, float, float] | None = (4.7, 45.6, 5.0, 45.9),
        parent_id: int | None = None,
        kind: str = "region",
    ) -> int:
        number = next(_counter)
        with uow() as unit:
            territory, _report = territories.create_territory(
                unit, None, name=name or f"Territory {number}", slug=f"t-{number}",
                kind=kind, parent_id=parent_id, shape=box(*bbox) if bbox else None,
            )
            unit.commit()
            return territory.id

    return make_territory


WEB_PASSWORD = "web-pages-password-1"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class WebUser:
    """A person signed in through the login page, on a browser-like client of their own."""

    user: ApiUser
    client: FlaskClient
    csrf_token: str

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form POST with the page's CSRF token (as the browser's form would send it)."""
        return self.client.post(path, data={"csrf_token": self.csrf_token, **(data or {})},
                                **kwargs)

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """An API call with the session cookie and the CSRF header, as the pages' scripts do."""
        headers = {"X-CSRFToken": self.csrf_token, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)


def web_builder(app: Any, make_user: Callable[..., ApiUser]) -> Callable[..., WebUser]:
    """``sign_in(role, territory_ids=(), language=None)`` → a WebUser signed in on the pages."""

    def sign_in(role: Role | str = Role.VIEWER, **kwargs: Any) -> WebUser:
        user = make_user(role, password=WEB_PASSWORD, **kwargs)
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = _CSRF.search(login)
        assert token is not None
        answer = client.post("/login", data={"email": user.email, "password": WEB_PASSWORD,
                                             "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.get_data(as_text=True)
        # Logging in starts a new session (and so a new CSRF token): read it from a page.
        token = _CSRF.search(client.get("/", follow_redirects=True).get_data(as_text=True))
        assert token is not None
        return WebUser(user, client, token.group(1))

    return sign_in


def cheap_password_hashing(monkeypatch: Any) -> None:
    """Argon2 with the smallest costs (every test: see ``tests/conftest.py``).

    The same algorithm and code paths; only the cost parameters (stored in each hash) are
    lower, so a test login takes milliseconds instead of a second on a loaded machine.
    """
    from argon2 import PasswordHasher

    from regions import profile

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("relais-dummy-password"))
    monkeypatch.setattr(profile, "_hasher", cheap)
