"""Worker liveness: each beat stamps a row, so operators see that jobs are running."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

from server.models import WorkerHeartbeat


async def beat(name: str) -> WorkerHeartbeat:
    """Records one beat for the named worker (an upsert: safe twice and concurrently)."""
    await connections.get("default").execute_query(
        "INSERT INTO worker_heartbeat (name, beat_at, beats) VALUES ($1, $2, 1) "
        "ON CONFLICT (name) DO UPDATE SET beat_at = EXCLUDED.beat_at, "
        "beats = worker_heartbeat.beats + 1",
        [name, datetime.now(UTC)],
    )
    return await WorkerHeartbeat.get(name=name)
