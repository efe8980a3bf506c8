"""Introduction jobs: ``expire_introductions`` ends requests left unanswered for 14 days and
refunds their credits.

Safe to run twice and concurrently: the core takes each row with ``SKIP LOCKED``, checks its
status under the lock and keys the refund by the introduction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arq import cron

from server.network import introduction_answers


async def expire_introductions(ctx: dict[str, Any]) -> int:
    """Expires every due request; returns how many this run expired."""
    return await introduction_answers.expire_due(datetime.now(UTC))


# Every 10 minutes at second 45 (apart from the other crons): a request ends at most ten
# minutes after its deadline, and the candidate cannot answer past it meanwhile.
EXPIRE_CRON = cron(
    expire_introductions,
    minute=set(range(0, 60, 10)),
    second=45,
    unique=True,
    run_at_startup=True,
)
