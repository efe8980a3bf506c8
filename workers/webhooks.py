"""Webhook jobs: ``dispatch_webhooks`` sends due deliveries (every 5 seconds, and on demand)
and hands back the ones of lost workers.

The worker keeps one HTTP client in its context for all its deliveries.
"""

from __future__ import annotations

from typing import Any

from arq import cron

from server.webhooks import delivery, notify

CLIENT_KEY = "webhook_client"


async def startup(ctx: dict[str, Any]) -> None:
    ctx[CLIENT_KEY] = delivery.new_client()


async def shutdown(ctx: dict[str, Any]) -> None:
    client = ctx.pop(CLIENT_KEY, None)
    if client is not None:
        await client.aclose()


async def dispatch_webhooks(ctx: dict[str, Any]) -> int:
    """Sends due deliveries until none is due (or 20 s passed); returns how many."""
    if CLIENT_KEY not in ctx:
        await startup(ctx)
    await delivery.sweep()
    return await delivery.dispatch_all(ctx[CLIENT_KEY])


# Every 5 seconds; once across all workers (a delivery is claimed once anyway).
DISPATCH_CRON = cron(
    dispatch_webhooks, second=set(range(0, 60, 5)), unique=True, run_at_startup=True
)


async def send_company_digests(ctx: dict[str, Any]) -> int:
    """Queues the companies' daily digests (the outbox sweeper sends them)."""
    return await notify.send_digests()


# 09:10 Japan time, once across all workers.
DIGEST_CRON = cron(send_company_digests, hour=0, minute=10, second=0, unique=True)
