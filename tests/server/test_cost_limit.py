"""The query-cost bucket stays atomic when many servers spend from it at once."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from server.companies import cost_limit
from server.principal import Principal


async def test_concurrent_spends_from_separate_clients_never_overspend(settings, redis):
    size, rate = settings.cost_bucket_size, settings.cost_refill_per_second
    settings.cost_bucket_size, settings.cost_refill_per_second = 1000, 1
    bucket = cost_limit.bucket_of(Principal(api_key_id=1, company_id=424242))
    # one client per "server process": each runs the script on its own connection
    clients = [Redis.from_url(settings.redis_url) for _ in range(8)]
    try:
        spends = await asyncio.gather(
            *(cost_limit.spend(clients[i % 8], bucket, 100) for i in range(40))
        )
    finally:
        settings.cost_bucket_size, settings.cost_refill_per_second = size, rate
        await redis.delete(f"{settings.queue_name}:cost:{bucket}")
        for client in clients:
            await client.aclose()
    allowed = [s for s in spends if s.allowed]
    assert len(allowed) in (10, 11)  # 1,000 points; at most one more from a second's refill
    assert min(s.remaining for s in allowed) >= 0


async def test_spends_sent_together_are_taken_in_order(settings, redis):
    size, rate = settings.cost_bucket_size, settings.cost_refill_per_second
    settings.cost_bucket_size, settings.cost_refill_per_second = 250, 1
    a = cost_limit.bucket_of(Principal(api_key_id=1, company_id=525252))
    b = cost_limit.bucket_of(Principal(api_key_id=2, company_id=535353))
    try:
        spends = await cost_limit.spend_many(redis, [(a, 100), (b, 200), (a, 100), (a, 100)])
    finally:
        settings.cost_bucket_size, settings.cost_refill_per_second = size, rate
        await redis.delete(*(f"{settings.queue_name}:cost:{x}" for x in (a, b)))
    assert [(s.allowed, s.remaining) for s in spends] == [
        (True, 150),
        (True, 50),
        (True, 50),
        (False, 50),  # the third spend of bucket a finds 50 points left: refused
    ]
