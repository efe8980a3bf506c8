"""Fixed-window rate limits in Redis (INCR + EXPIRE), for candidate-facing forms.

Keys are ``{queue_name}:ratelimit:{bucket}:{window index}:{key}``, so test runs (each with
its own queue name) never share counters. Redis may be down or lose everything: a limit that
cannot be counted lets the request through (the database rules still hold).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.text import mailbox_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits per ``window`` seconds in one bucket."""

    bucket: str
    limit: int
    window: int


# Per client IP address.
FORM_POSTS = Limit("form", limit=30, window=600)
# The company console's posts (HR staff at work, often many behind one office address).
CONSOLE_POSTS = Limit("console", limit=600, window=600)
CONSOLE_SIGN_IN = Limit("console-sign-in", limit=10, window=600)
PORTAL_REQUESTS = Limit("me", limit=5, window=600)
JOIN_REQUESTS = Limit("join", limit=5, window=600)
# Per mailbox (hashed, sub-addresses folded: text.mailbox_key), network-wide across every
# company's /join link and /me: how many link mails one mailbox can be sent.
MAILS_PER_ADDRESS = Limit("mail-to", limit=3, window=3600)


def prefix() -> str:
    return f"{get_settings().queue_name}:ratelimit"


def _key(limit: Limit, key: str, now: float) -> str:
    return f"{prefix()}:{limit.bucket}:{int(now) // limit.window}:{key}"


def hashed(value: str) -> str:
    """A key part that keeps personal data (addresses) out of Redis."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def mailbox(address: str) -> str:
    """The MAILS_PER_ADDRESS key of a normalised address: one per mailbox, network-wide."""
    return hashed(mailbox_key(address))


async def hit(redis: Redis, limit: Limit, key: str) -> bool:
    """Counts one hit; True while the caller is within the limit."""
    name = _key(limit, key, time.time())
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=limit.window + 1, nx=True)
            pipe.incr(name)
            _, count = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("rate limit %s not counted: %s", limit.bucket, exc)
        return True
    return int(count) <= limit.limit


async def check(redis: Redis, limit: Limit, key: str) -> None:
    """Counts one hit.

    Raises:
        DomainError: THROTTLED past the limit.
    """
    if not await hit(redis, limit, key):
        raise DomainError(ErrorCode.THROTTLED, "too many requests, try again later")
