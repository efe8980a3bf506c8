"""A token bucket per company (per key for operator keys) in Redis: each GraphQL request
spends its query cost.

The bucket holds at most ``size`` points and refills at ``rate`` points a second; a request
costing more than what is left is refused. The whole read-refill-spend runs as one Lua script,
so concurrent requests of one key (on any number of servers) never overspend. Redis may be
down or lose everything: an uncountable request is let through (limits protect capacity,
they are not a business rule).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from server.config import get_settings
from server.principal import Principal

log = logging.getLogger(__name__)

# KEYS: the buckets; ARGV: size, rate per second, now (seconds, float), then each bucket's
# cost. Returns {allowed 0/1, points left after the request (floor)} for each, in order; a
# bucket named twice spends twice, the second time from what the first left.
_TAKE = """
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = math.ceil(size / rate) + 1
local results = {}
for i, key in ipairs(KEYS) do
  local cost = tonumber(ARGV[3 + i])
  local state = redis.call('HMGET', key, 'points', 'at')
  local points = tonumber(state[1]) or size
  local at = tonumber(state[2]) or now
  points = math.min(size, points + math.max(0, now - at) * rate)
  local allowed = 0
  if cost <= points then
    points = points - cost
    allowed = 1
  end
  redis.call('HSET', key, 'points', tostring(points), 'at', tostring(now))
  redis.call('EXPIRE', key, ttl)
  results[#results + 1] = allowed
  results[#results + 1] = math.floor(points)
end
return results
"""


@lru_cache(maxsize=8)
def _script(redis: Redis) -> AsyncScript:
    """The bucket script of this client: EVALSHA, the script itself is sent once per server."""
    return redis.register_script(_TAKE)


@dataclass(frozen=True)
class Spend:
    allowed: bool
    remaining: int  # points left in the bucket after this request


def bucket_of(principal: Principal) -> str:
    """One bucket per company, so minting more keys buys no capacity; operators per key."""
    if principal.company_id is not None:
        return f"company:{principal.company_id}"
    return f"key:{principal.api_key_id}"


async def spend(redis: Redis, bucket: str, cost: int) -> Spend:
    """Takes ``cost`` points from ``bucket`` if it holds them."""
    return (await spend_many(redis, [(bucket, cost)]))[0]


async def spend_many(redis: Redis, spends: Sequence[tuple[str, int]]) -> list[Spend]:
    """Each ``(bucket, cost)`` spent as by ``spend``, all in one round trip: one run of the
    script, which Redis runs whole, so no other spend comes between a read and its write."""
    settings = get_settings()
    size, rate = settings.cost_bucket_size, settings.cost_refill_per_second
    names = [f"{settings.queue_name}:cost:{bucket}" for bucket, _ in spends]
    args = [size, rate, time.time(), *(cost for _, cost in spends)]
    try:
        flat = await _script(redis)(keys=names, args=args)
    except (RedisError, OSError) as exc:
        log.warning("query cost of %s not counted: %s", ", ".join(b for b, _ in spends), exc)
        return [Spend(True, size) for _ in spends]
    return [Spend(bool(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]
