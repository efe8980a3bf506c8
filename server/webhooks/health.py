"""Operator: webhook deliveries failing across the network, and endpoints in trouble."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.expressions import Q

from server.models import WebhookEndpoint
from server.principal import Principal

MAX_ENDPOINTS = 50

_SQL = """
SELECT
  count(*) FILTER (WHERE status = 'PENDING' AND attempts > 0) AS retrying,
  count(*) FILTER (WHERE status = 'FAILED' AND next_attempt_at > $1) AS failed_last_day,
  count(*) FILTER (WHERE status = 'DELIVERED' AND delivered_at > $1) AS delivered_last_day
FROM webhook_delivery
"""


@dataclass(frozen=True)
class WebhookHealth:
    retrying: int  # deliveries waiting for a retry after a failed attempt
    failed_last_day: int
    delivered_last_day: int
    endpoints: list[WebhookEndpoint]  # disabled, or failing now; with their company


async def webhook_health(principal: Principal, now: datetime | None = None) -> WebhookHealth:
    principal.require_operator()
    since = (now or datetime.now(UTC)) - timedelta(days=1)
    [row] = await connections.get("default").execute_query_dict(_SQL, [since])
    return WebhookHealth(
        retrying=row["retrying"],
        failed_last_day=row["failed_last_day"],
        delivered_last_day=row["delivered_last_day"],
        endpoints=await _troubled(),
    )


async def _troubled() -> list[WebhookEndpoint]:
    """Endpoints the network disabled, then those failing now, worst first."""
    return (
        await WebhookEndpoint.filter(Q(failure_streak__gt=0) | ~Q(disabled_reason=""))
        .select_related("company")
        .order_by("enabled", "-failure_streak", "id")
        .limit(MAX_ENDPOINTS)
    )
