"""The Flask application factory: extensions are built unbound, then bound with ``init_app``."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import flask_swagger_ui
from flask import Flask, Response, g, redirect, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings
from regions.db import (
    SessionFactory,
    make_engine,
    make_readonly_session_factory,
    make_session_factory,
)
from service import errors, i18n, links, web
from service.api.common import ErrorSchema, RowIdConverter
from service.api.openapi_fields import field_properties
from service.api.responses import ErrorResponsesPlugin
from service.api.templates.rule_schemas import register_rule_schemas
from service.api.templates.schemas import TemplateKeyConverter
from service.auth import SessionCookies, csrf
from service.ogc import routes as ogc_routes
from service.runtime import Runtime

SWAGGER_ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"
API_RESOURCES = (
    "health", "users", "tokens", "territories", "locate", "gazetteer", "posts", "campaigns",
    "templates", "charter", "webhooks",
    "publishing", "map", "mapviews", "settings", "ambassador", "kits",
)


def _flask_config(settings: Settings) -> dict[str, object]:
    return {
        "SECRET_KEY": settings.secret_key,
        "RELAIS_DEFAULT_LANGUAGE": settings.default_language,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked explicitly: forms and cookie-authed API writes
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Relais API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Hyper-local content coordination. Authenticate with a personal token: "
                    "`Authorization: Bearer rls_…`. Errors share one shape: "
                    "`{code, status, message, errors, request_id}`; messages follow "
                    "`Accept-Language` (fr, en). In a browser signed in to Relais, this page "
                    "uses your session instead: \"Try it out\" sends the session's CSRF token "
                    "with every write, so no token is needed."
                )
            },
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearer": []}],
        },
    }


class RelaisApi(Api):  # type: ignore[misc]  # flask-smorest ships no types: Api is Any
    """flask-smorest's Api, rendering (and documenting) HTTP errors in Relais' one error shape."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation documents its own (service.api.responses)

    def _register_pagination_header(self) -> None:
        """``X-Pagination`` is JSON text in a header: a string whose content is the metadata."""
        from flask_smorest.pagination import PaginationMetadataSchema

        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, as JSON: total, total_pages, first_page, "
                           "last_page, page, previous_page, next_page",
            "schema": {"type": "string", "contentMediaType": "application/json",
                       "contentSchema": {"$ref": "#/components/schemas/PaginationMetadata"}},
        }, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> ResponseReturnValue:
        """Every HTTP error in the one shape."""
        return errors.handle_http_error(error)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    valid = 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum()
    g.request_id = incoming if valid else secrets.token_hex(8)


def _echo_request_id(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def create_app(settings: Settings, *, session_factory: SessionFactory | None = None) -> Flask:
    """Build the app; ``session_factory`` lets tests bind it to their own transaction."""
    settings.check_for_startup()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(_flask_config(settings))
    app.session_interface = SessionCookies()
    if settings.trusted_proxies:
        # The client's address (login limits, session records) and scheme come from the
        # X-Forwarded-* values that the trusted proxies appended, never from the client.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    logging.getLogger("relais").setLevel(settings.log_level.upper())

    engine = readonly = None
    if session_factory is None:
        if not settings.database_url:
            raise RuntimeError("create_app needs settings.database_url or a session_factory")
        # One connection per thread of a web worker, so no request waits for the pool.
        engine = make_engine(settings.database_url, pool_size=max(5, settings.threads))
        session_factory = make_session_factory(engine)
        readonly = make_readonly_session_factory(engine)
    app.extensions["relais"] = Runtime(settings, session_factory, engine, readonly)

    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)

    # Path converters before any route: ids fit PostgreSQL integers, template keys their syntax.
    app.url_map.converters["int"] = RowIdConverter
    app.url_map.converters["template_key"] = TemplateKeyConverter
    api = RelaisApi(spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(ErrorSchema)]})
    api.init_app(app)
    api.register_converter(TemplateKeyConverter, TemplateKeyConverter.param_schema)
    api.ma_plugin.converter.add_attribute_function(field_properties)
    register_rule_schemas(api.spec)
    for name in API_RESOURCES:
        module = import_module(f"service.api.{name}.routes")
        api.register_blueprint(module.blp)

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename: str) -> ResponseReturnValue:
        """Swagger UI's files, served locally so the docs work offline."""
        return send_from_directory(SWAGGER_ASSETS, filename)

    @app.get("/api/docs/")
    def swagger_ui_slash() -> ResponseReturnValue:
        """The docs page also answers with a trailing slash."""
        return redirect(url_for("api-docs.openapi_swagger_ui"), code=308)

    @app.get("/favicon.ico")
    def favicon() -> ResponseReturnValue:
        """No icon yet: an empty answer keeps browsers' consoles clean."""
        return "", 204

    app.register_blueprint(ogc_routes.bp)
    links.init_app(app)
    web.init_app(app)
    return app
