"""Query cost: computed before running, reported in extensions, spent from a bucket per key."""

from __future__ import annotations

import pytest_asyncio
from graphql import parse

from schema.cost import Cost

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
