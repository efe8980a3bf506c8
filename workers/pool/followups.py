"""Talent-pool jobs: the daily follow-up cron, new-opening alerts (enqueued when an opening
opens, rebuilt by an hourly sweeper) and the daily consent reconfirmation / lapse cron.

All safe to run twice and concurrently: the core locks the candidate row while placing a
mail and every mail has a dedupe key; the crons are ``unique=True`` on top of that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arq import cron

from server.candidates import reconfirm
from server.pool import followups


async def send_followups(ctx: dict[str, Any]) -> int:
    """Queues every company's due follow-ups; returns how many mails."""
    return len(await followups.send_followups(datetime.now(UTC), ctx.get("redis")))


async def opening_alerts(ctx: dict[str, Any], opening_id: int) -> int:
    """Alerts the pool members a newly opened opening fits; returns how many mails."""
    return len(await followups.opening_alerts(opening_id, datetime.now(UTC), ctx.get("redis")))


async def sweep_opening_alerts(ctx: dict[str, Any]) -> int:
    """Re-enqueues alert jobs of recently opened openings (a lost job is rebuilt)."""
    return await followups.sweep_alerts(ctx["redis"])


async def reconfirm_consents(ctx: dict[str, Any]) -> int:
    """Lapses unanswered reconfirmations, then asks about consents over a year old."""
    now = datetime.now(UTC)
    lapsed = await reconfirm.lapse_unanswered(now)
    asked = await reconfirm.ask_due(now, ctx.get("redis"))
    return lapsed + len(asked)


# 01:00 UTC is 10:00 in Japan: follow-ups arrive in the morning there.
FOLLOWUP_CRON = cron(send_followups, hour=1, minute=0, second=45, unique=True)
ALERT_SWEEP_CRON = cron(sweep_opening_alerts, minute=20, second=40, unique=True)
RECONFIRM_CRON = cron(reconfirm_consents, hour=1, minute=30, second=50, unique=True)
FUNCTIONS = [send_followups, opening_alerts, sweep_opening_alerts, reconfirm_consents]
CRON_JOBS = [FOLLOWUP_CRON, ALERT_SWEEP_CRON, RECONFIRM_CRON]
