"""Every operation of the OpenAPI spec, fed generated input, answers anything but a 5xx.

A small, derandomized schemathesis run over the app in-process (WSGI): the same examples every
run, in the test's transaction like any API test, as the central desk. The wider hunt is
``st run http://127.0.0.1:PORT/api/openapi.json -c not_a_server_error`` against a demo.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from regions.models import Role

EXAMPLES_PER_OPERATION = 6


def test_no_operation_answers_a_server_error(app, make_user):
    desk = make_user(Role.CENTRAL_EDITOR)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {desk.token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # every operation's failure, not only the first
            failures[operation.label] = str(exc)[:2000]
    assert failures == {}
