"""Matching jobs: rebuild an opening's matches, patch one candidate's, and a cron that
refreshes the tag weights and rebuilds whatever is stale or was lost with Redis.

Safe to run twice and concurrently: the core locks the opening row for a rebuild and the
candidate's openings for a patch, and writes with unique keys.
"""

from __future__ import annotations

from typing import Any

from arq import cron

from server.network import matching, scoring


async def match_opening(ctx: dict[str, Any], opening_id: int) -> int:
    """Rebuilds one opening's best matches (or drops them when it closed); returns rows."""
    return await matching.rebuild_opening(opening_id)


async def match_candidate(ctx: dict[str, Any], candidate_id: int) -> int:
    """Brings one candidate's matches up to date; returns the rows written."""
    return await matching.update_candidate(candidate_id)


async def sweep_matches(ctx: dict[str, Any]) -> int:
    """Drops the matches of closed openings and queues a rebuild of those missing, built from
    other tags (a job lost with Redis) or more than a day old (after refreshing the weights).
    Returns the openings queued."""
    await matching.drop_closed()
    stale = await matching.stale_openings()
    if stale and await scoring.weights_older_than(hours=1):
        await scoring.refresh_weights()
    for opening_id in stale:
        await matching.enqueue_opening(ctx["redis"], opening_id, sweep=True)
    return len(stale)


# Every 10 minutes (minute 5, 15, ...) at second 45, apart from the other crons.
SWEEP_MATCHES_CRON = cron(
    sweep_matches,
    minute=set(range(5, 60, 10)),
    second=45,
    unique=True,
    run_at_startup=True,
)
