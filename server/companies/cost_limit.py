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
from dataclasses import dataclass
from functools import lru_cache

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from server.config import get_settings
from server.principal import Principal

log = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: size, rate per second, now (seconds, float), cost.
# Returns {allowed 0/1, points left after the request (floor)}.
_TAKE = """
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or size
local at = tonumber(state[2]) or now
points = math.min(size, points + math.max(0, now - at) * rate)
local allowed = 0
if cost <= points then
  points = points - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(size / rate) + 1)
return {allowed, math.floor(points)}
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
    settings = get_settings()
    size, rate = settings.cost_bucket_size, settings.cost_refill_per_second
    name = f"{settings.queue_name}:cost:{bucket}"
    try:
        allowed, remaining = await _script(redis)(keys=[name], args=[size, rate, time.time(), cost])
    except (RedisError, OSError) as exc:
        log.warning("query cost of %s not counted: %s", bucket, exc)
        return Spend(True, size)
    return Spend(bool(allowed), int(remaining))
