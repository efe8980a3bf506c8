"""Property-based fuzz of the whole schema (hypothesis-graphql) against the real app.

Generated queries and mutations, valid by the schema, with arbitrary arguments (NUL
characters, huge numbers, dates of year 1 and 9999), sent by two companies' keys: none may
answer 'Unexpected error.', a 5xx, or log a traceback.
"""

from __future__ import annotations

import logging
from datetime import UTC

import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from schema.schema import schema
from schema.sdl import sdl

# A fixed number of examples, derandomized: the same documents every run (~10 s on an idle
# machine; generating a document of this schema is most of it).
settings.register_profile(
    "schema-fuzz",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile("schema-fuzz")

SCALARS = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
    "JSON": st.one_of(st.text(max_size=20).map(nodes.String), st.integers().map(nodes.Int)),
}
SDL = sdl(schema)
OPERATIONS = st.one_of(
    hypothesis_graphql.queries(SDL, custom_scalars=SCALARS),
    hypothesis_graphql.mutations(SDL, custom_scalars=SCALARS),
)


@pytest.fixture
def tracebacks(caplog):
    caplog.set_level(logging.WARNING)
    yield lambda: [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


@FUZZ
@given(document=OPERATIONS, which=st.sampled_from(["a", "b"]))
async def test_no_generated_operation_answers_an_unexpected_error(
    company_a, company_b, tracebacks, document, which
):
    caller = company_a if which == "a" else company_b

    response = await caller.post(document)

    assert response.status_code < 500, (document, response.text)
    body = response.json() if response.status_code == 200 else {}
    unexpected = [e for e in body.get("errors") or [] if e["message"] == "Unexpected error."]
    assert not unexpected, (document, unexpected)
    assert not tracebacks(), (document, tracebacks())
