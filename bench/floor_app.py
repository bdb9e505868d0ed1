"""The dry run with nothing around it: a WSGI app for `bench_load.py`'s floor measurement.

`POST /validate` does only what no dry run can skip: read the JSON body, validate the text
against the template the benchmark published (compiled once, at start, from the documents
stored in the database), render the report in both languages, encode it. No Flask, no token,
no database per request. `GET /raw` is the cheapest answer a WSGI app can give under the same
server. Served by granian with `relais serve`'s settings (workers, threads, HTTP/1, access
log), the pair tells what the dry run's own work costs under load, whatever is around it.

Reads `DATABASE_URL` and `RELAIS_FLOOR_TEMPLATE` (the template's key) from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from editorial import Draft, charter_from_dict, compile_template, template_from_dict, validate
from editorial.text import warm_up
from regions.patterns import ENGINE as PATTERNS
from regions.reports import report_to_dict
from service.i18n import load_violation_messages

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _published(dsn: str, key: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The newest published version's document of template ``key``, and the current charter's."""
    with psycopg.connect(dsn) as conn:
        template = conn.execute(
            "SELECT v.data FROM template_versions v JOIN templates t ON t.id = v.template_id "
            "WHERE t.key = %s AND v.published_at IS NOT NULL "
            "ORDER BY v.number DESC LIMIT 1", (key,)).fetchone()
        charter = conn.execute(
            "SELECT data FROM charter_versions ORDER BY number DESC LIMIT 1").fetchone()
    if template is None:
        raise SystemExit(f"no published template {key!r}")
    return template[0], charter[0] if charter else None


_template_data, _charter_data = _published(
    os.environ["DATABASE_URL"].replace("+psycopg", ""), os.environ["RELAIS_FLOOR_TEMPLATE"])
TEMPLATE = compile_template(
    template_from_dict(_template_data, patterns=PATTERNS),
    charter_from_dict(_charter_data, patterns=PATTERNS) if _charter_data else None,
    patterns=PATTERNS)
MESSAGES = load_violation_messages()
warm_up()


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """`GET /raw`: a fixed answer. `POST /validate`: the dry run's own work, and its report."""
    if environ["PATH_INFO"] == "/validate":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        report = validate(TEMPLATE, Draft(text=orjson.loads(body)["text"]), now=datetime.now(UTC))
        out = orjson.dumps({**report_to_dict(report, MESSAGES), "autofix": None})
    else:
        out = b'{"status":"ok"}'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(out)))])
    return [out]
