"""The arq queue as seen from the core: enqueue jobs by name, never by importing workers/."""

from __future__ import annotations

import logging

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from server.config import Settings

log = logging.getLogger(__name__)


def redis_settings(settings: Settings) -> RedisSettings:
    assert settings.redis_url, "RELAY_REDIS_URL is not set"
    redis = RedisSettings.from_dsn(settings.redis_url)
    redis.conn_timeout = 2
    return redis


def make_pool(settings: Settings) -> ArqRedis:
    """An arq client that connects lazily, so the server starts even while Redis is down."""
    assert settings.redis_url, "RELAY_REDIS_URL is not set"
    pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return ArqRedis(connection_pool=pool, default_queue_name=settings.queue_name)


async def enqueue(redis: ArqRedis, job: str, *args: object, job_id: str | None = None) -> None:
    """Enqueues after the caller's transaction committed.

    A lost enqueue is not an error: the database row is the truth and the sweeper rebuilds
    the job from it.
    """
    try:
        await redis.enqueue_job(job, *args, _job_id=job_id)
    except (OSError, RedisError) as exc:
        log.warning("enqueue %s failed, the sweeper will retry: %s", job, exc)
