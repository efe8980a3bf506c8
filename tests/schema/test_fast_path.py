"""A valid query runs without Strawberry's view (schema/fast.py) and answers exactly what
Strawberry answers; anything it does not take goes to Strawberry untouched."""

from __future__ import annotations

import pytest
from strawberry.http import process_result

from schema.context import Context
from schema.schema import fast_queries, schema
from server.companies.auth import authenticate
from server.config import get_settings

VIEWER = "{ viewer { name slug } }"
CASES = [
    ("{ __typename }", None, None),
    (VIEWER, None, None),
    ("query Who { viewer { name } } query Type { __typename }", None, "Who"),
    ('{ node(id: "T3BlbmluZzo5OTk5") { id } }', None, None),  # nobody's: null, no error
    ('{ node(id: "not a global id") { id } }', None, None),  # INVALID_ID, from the core
    ("{ operator { companies(first: 1) { totalCount } } }", None, None),  # FORBIDDEN
    ("query($f: Int) { openings(first: $f) { totalCount } }", {"f": 500}, None),  # page size
    ("query($f: Int) { openings(first: $f) { totalCount } }", {"f": 2}, None),
]


def _without_remaining(response: dict) -> dict:
    """The response with the bucket's level left out: each run spends from it."""
    cost = dict(response.get("extensions", {}).get("cost", {}))
    cost.pop("remaining", None)
    return response | {"extensions": {"cost": cost}}


@pytest.mark.parametrize(("query", "variables", "operation_name"), CASES)
async def test_a_valid_query_answers_as_through_strawberry(
    company_a, redis, query, variables, operation_name
):
    principal = await authenticate(f"Bearer {company_a.key}")
    prepared = fast_queries.prepare(query, operation_name)
    assert prepared is not None

    def context() -> Context:
        return Context(principal=principal, settings=get_settings(), redis=redis)

    fast = await fast_queries.run(prepared, variables, context(), None)
    strawberry = await schema.execute(
        query, variable_values=variables, context_value=context(), operation_name=operation_name
    )
    assert fast is not None
    assert _without_remaining(fast) == _without_remaining(process_result(strawberry))


@pytest.mark.parametrize(
    ("query", "operation_name"),
    [
        ('mutation { createOpening(input: {title: "x"}) { userErrors { code } } }', None),
        ("{ viewer { nam } }", None),  # invalid: Strawberry reports it
        ("{ viewer { name }", None),  # does not parse
        ("query A { __typename } query B { __typename }", None),  # which one?
        ("query A { __typename }", "B"),
    ],
)
async def test_anything_else_is_left_to_strawberry(query, operation_name):
    assert fast_queries.prepare(query, operation_name) is None


async def test_input_over_the_limits_is_left_to_strawberry_before_anything_is_spent(
    company_a, redis
):
    principal = await authenticate(f"Bearer {company_a.key}")
    query = "{ viewer { name } }"  # the limits read every variable sent, declared or not
    many = {"ids": ["x"] * (get_settings().max_list_items + 1)}
    context = Context(principal=principal, settings=get_settings(), redis=redis)
    prepared = fast_queries.prepare(query, None)
    assert prepared is not None
    assert await fast_queries.run(prepared, many, context, None) is None
    # Over HTTP the same request answers Strawberry's TOO_MANY_ITEMS.
    body = (await company_a.post(query, many)).json()
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ITEMS"
