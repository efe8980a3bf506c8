"""Credit jobs: ``settle_credits`` for one company (enqueued on qualification) or, from the
cron, for every company holding ten or more unsettled qualified referrals.

Safe to run twice and concurrently: the core serialises settlement on the company row and
keys each credit by the referrals it counts.
"""

from __future__ import annotations

from typing import Any

from arq import cron

from server.errors import NotFound
from server.network import settlement


async def settle_credits(ctx: dict[str, Any], company_id: int | None = None) -> int:
    """Settles one company, or every company that is due; returns the credits written."""
    if company_id is None:
        return await settlement.settle_due()
    try:
        return len(await settlement.settle(company_id))
    except NotFound:  # the company is gone: nothing to settle, nothing to retry
        return 0


# Every 10 minutes at second 15 (apart from the heartbeat and the outbox sweep); it also
# rebuilds settlements whose job Redis lost.
SETTLE_CRON = cron(
    settle_credits,
    minute=set(range(0, 60, 10)),
    second=15,
    unique=True,
    run_at_startup=True,
)
