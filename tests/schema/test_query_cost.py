"""Query cost: computed before running, reported in extensions, spent from a bucket per key."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest_asyncio
from graphql import parse

from schema.cost import Cost, operation_cost
from tests.fixtures.graphql import Caller

OPENINGS = """
query($first: Int) {
  openings(first: $first) { totalCount edges { node { id title tags { slug } } } }
}
"""


@pytest_asyncio.fixture
async def small_bucket(settings, redis):
    """A bucket of 2,000 points for this test; the keys' buckets are dropped afterwards."""
    size = settings.cost_bucket_size
    settings.cost_bucket_size = 2000
    yield settings.cost_bucket_size
    settings.cost_bucket_size = size
    keys = [key async for key in redis.scan_iter(match=f"{settings.queue_name}:cost:*")]
    if keys:
        await redis.delete(*keys)


def _cost(query: str, variables: dict | None = None) -> int:
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions[1:]}
    return Cost(fragments, variables or {}).of(document.definitions[0].selection_set)


def test_connections_multiply_by_first_and_fragments_count():
    # openings 1 + first × (edges 1 + node 1 + tags 1)
    assert _cost(OPENINGS, {"first": 50}) == 1 + 50 * 3
    assert _cost(OPENINGS) == 1 + 20 * 3  # the default page size
    spread = (
        "{ viewer { ...F } } "
        "fragment F on Company { openings(first: 10) { edges { node { id } } } }"
    )
    assert _cost(spread) == 1 + 1 + 10 * 2
    assert _cost("{ viewer { name slug } }") == 1  # scalars are free


async def test_cost_is_reported_and_a_spent_bucket_answers_throttled(
    company_a, company_b, small_bucket
):
    size = small_bucket
    expensive = 1 + 100 * 3

    # each request reports its cost and what is left
    response = await company_a.post(OPENINGS, {"first": 100})
    cost = response.json()["extensions"]["cost"]
    assert cost["requested"] == expensive
    assert cost["remaining"] <= size - expensive

    # spending faster than the refill empties the bucket: THROTTLED, nothing runs
    throttled = None
    for _ in range(2 * size // expensive):
        body = (await company_a.post(OPENINGS, {"first": 100})).json()
        if body.get("errors"):
            throttled = body
            break
    assert throttled is not None, "the bucket never ran dry"
    assert throttled["data"] is None
    [error] = throttled["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert error["extensions"]["cost"]["requested"] == expensive
    assert "refills" in error["message"]

    # another key has its own bucket
    other = (await company_b.post(OPENINGS, {"first": 100})).json()
    assert "errors" not in other and other["data"]["openings"]["totalCount"] == 0


async def test_concurrent_requests_each_spend_once_and_never_overspend(
    company_a, small_bucket, settings
):
    """Requests arriving together spend in one round trip to Redis; each gets its own answer."""
    expensive = 1 + 100 * 3
    rate = settings.cost_refill_per_second
    settings.cost_refill_per_second = 1
    try:
        responses = await asyncio.gather(
            *(company_a.post(OPENINGS, {"first": 100}) for _ in range(10))
        )
    finally:
        settings.cost_refill_per_second = rate
    bodies = [r.json() for r in responses]
    answered = [b for b in bodies if not b.get("errors")]
    throttled = [b for b in bodies if b.get("errors")]
    assert len(answered) == small_bucket // expensive  # 6 of 301 fit in 2,000 points
    assert {b["errors"][0]["extensions"]["code"] for b in throttled} == {"THROTTLED"}
    left = sorted(b["extensions"]["cost"]["remaining"] for b in answered)
    assert len(set(left)) == len(left)  # each saw the bucket after its own spend
    assert left[0] >= 0


def test_variable_defaults_are_counted():
    query = "query($n: Int = 100) { openings(first: $n) { edges { node { id tags { slug } } } } }"
    document = parse(query)
    [operation] = document.definitions

    executed = SimpleNamespace(graphql_document=document, operation_name=None, variables={})
    assert operation_cost(executed) == 1 + 100 * 3
    executed.variables = {"n": 5}
    assert operation_cost(executed) == 1 + 5 * 3
    assert operation.variable_definitions[0].default_value is not None


async def test_the_bucket_is_per_company_not_per_key(company_a, small_bucket, settings):
    expensive = 1 + 100 * 3
    rate = settings.cost_refill_per_second
    settings.cost_refill_per_second = 1  # next to nothing refills between the requests
    try:
        created = await company_a('mutation { createApiKey(input: {name: "second"}) { secret } }')
        second = Caller(company_a.http, created["createApiKey"]["secret"], company_a.company_id)
        first = (await company_a.post(OPENINGS, {"first": 100})).json()["extensions"]["cost"]
        then = (await second.post(OPENINGS, {"first": 100})).json()["extensions"]["cost"]
    finally:
        settings.cost_refill_per_second = rate
    # the second key drew from the same bucket as the first
    assert first["remaining"] - expensive <= then["remaining"] <= first["remaining"] - expensive + 2


CREATE_KEY = (
    'mutation { createApiKey(input: {name: "k"}) { apiKey { id } userErrors { code message } } }'
)
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }"


async def test_active_keys_per_company_are_capped(company_a, settings):
    cap = settings.max_api_keys_per_company
    settings.max_api_keys_per_company = 3
    try:
        made = [(await company_a(CREATE_KEY))["createApiKey"] for _ in range(3)]
        # the fixture's key and two more reach the cap of 3
        assert [m["userErrors"] for m in made[:2]] == [[], []]
        [error] = made[2]["userErrors"]
        assert error["code"] == "LIMIT_REACHED" and "at most 3" in error["message"]
        assert made[2]["apiKey"] is None
        await company_a(REVOKE_KEY, {"id": made[0]["apiKey"]["id"]})
        again = (await company_a(CREATE_KEY))["createApiKey"]
        assert again["userErrors"] == [] and again["apiKey"] is not None  # a revoked key frees one
    finally:
        settings.max_api_keys_per_company = cap
