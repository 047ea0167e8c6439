"""
The whole API fuzzed from its own OpenAPI schema with schemathesis: requests generated from every
operation's parameters, valid and invalid, never get a server error, and every answer matches
what the schema says (status code, content type, headers and body).

In process, through Django's WSGI application, on the test database: a bounded number of examples
per operation keeps it to seconds.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_source
from tests.test_filters import casebook  # noqa: F401  (the shared three-mission casebook)

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
fuzz = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure in CI is one a developer can rerun
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def in_test_transaction(application):
    """
    The site's WSGI application, serving within the test's transaction: as Django's test client
    does, requests do not close the database connection (which would end the transaction).
    """

    def serve(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = application(environ, start_response)
            try:
                return list(result)
            finally:
                result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return serve


@pytest.fixture
def api_schema(db, casebook):  # noqa: F811
    make_source("unsc-res-1270-1999")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_test_transaction(get_wsgi_application()))


# Every operation the schema describes, read from the same generator the schema view uses (one
# test each, so a failure names its operation).
OPERATIONS = [
    (path, method.upper())
    for path, operations in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in operations
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_answer_matches_the_schema(api_schema, path, method, mode):
    operation = api_schema[path][method]

    @fuzz
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case):
        case.call_and_validate(checks=CONFORMANCE)

    answers_as_documented()


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) == 11 and ("/api/v1/case-studies/", "GET") in OPERATIONS
