"""Readiness: is each dependency reachable right now?"""

from __future__ import annotations

import asyncio

from arq.connections import ArqRedis
from tortoise import connections

TIMEOUT_SECONDS = 2.0


async def _database() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def check(redis: ArqRedis) -> dict[str, str]:
    """Each part's state, ``"ok"`` or the reason it failed."""
    parts = {"database": _database(), "redis": redis.ping()}
    results: dict[str, str] = {}
    for name, probe in parts.items():
        try:
            await asyncio.wait_for(probe, TIMEOUT_SECONDS)
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason is reported
            results[name] = f"{type(exc).__name__}: {exc}"[:200]
    return results
