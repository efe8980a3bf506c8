"""Sending the webhook outbox: claim due deliveries (``SKIP LOCKED``), POST them
concurrently on one HTTP client, log each attempt, retry with backoff, disable endpoints
that keep failing.

At least once: a worker lost mid-request leaves its rows SENDING; ``sweep`` hands them back
after ``claim_timeout`` and the next attempt carries the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta

import httpx
from tortoise import connections
from tortoise.transactions import in_transaction

from server.config import get_settings
from server.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from server.webhooks import http, notify, signing, slack

log = logging.getLogger(__name__)

BATCH_SIZE = 50
# Requests in flight at once: httpcore matches every waiting request against every pooled
# connection on each change, so 50 at once cost more CPU than they saved in waiting.
CONCURRENCY = 8
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 6 * 3600
USER_AGENT = "CareerRelay-Webhooks/1"

_CLAIM = (
    "UPDATE webhook_delivery SET status = 'SENDING', claimed_at = $1, attempts = attempts + 1 "
    "WHERE id IN (SELECT d.id FROM webhook_delivery d "
    "JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.enabled "
    "WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1 "
    "ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED) RETURNING *"
)
_RELEASE = (
    "UPDATE webhook_delivery SET status = 'PENDING', next_attempt_at = $2, "
    "last_error = 'claim expired: the worker was lost' "
    "WHERE status = 'SENDING' AND claimed_at < $1 RETURNING id"
)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: exponential from 5 s, at
    most 6 h, with jitter (between half and all of it) so receivers coming back are not hit
    by every sender at once."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** min(attempts - 1, 20), BACKOFF_CAP_SECONDS)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def claim_timeout() -> timedelta:
    """A SENDING row older than this belongs to a lost worker (a live one is done by then)."""
    return timedelta(seconds=get_settings().webhook_timeout_seconds * 3 + 30)


def new_client() -> httpx.AsyncClient:
    """The HTTP client of a worker: no redirects, no proxy from the environment (the SSRF
    guard checks the address connected to)."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
    )


async def dispatch(client: httpx.AsyncClient, now: datetime | None = None) -> int:
    """Sends one batch of due deliveries concurrently; returns how many were attempted."""
    now = now or datetime.now(UTC)
    rows = await connections.get("default").execute_query_dict(_CLAIM, [now, BATCH_SIZE])
    if not rows:
        return 0
    deliveries = [WebhookDelivery._init_from_db(**row) for row in rows]
    ids = {d.endpoint_id for d in deliveries}
    endpoints = {
        e.id: e for e in await WebhookEndpoint.filter(id__in=ids).select_related("company")
    }
    slots = asyncio.Semaphore(CONCURRENCY)

    async def post(delivery: WebhookDelivery) -> http.Answer:
        async with slots:
            return await _post(client, delivery, endpoints[delivery.endpoint_id])

    answers = await asyncio.gather(*(post(d) for d in deliveries))
    done = [(d, a) for d, a in zip(deliveries, answers, strict=True) if a.ok]
    await _record_delivered(done, datetime.now(UTC))
    for row, answer in zip(deliveries, answers, strict=True):
        if not answer.ok:
            await record(row, endpoints[row.endpoint_id], answer)
    return len(deliveries)


async def dispatch_all(client: httpx.AsyncClient, seconds: float = 20.0) -> int:
    """Batches until nothing is due or ``seconds`` passed; returns deliveries attempted."""
    loop = asyncio.get_running_loop()
    deadline, total = loop.time() + seconds, 0
    while loop.time() < deadline:
        done = await dispatch(client)
        if not done:
            break
        total += done
    return total


def request_for(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> tuple[bytes, dict]:
    """The body and headers of a delivery (signed the same way on every attempt)."""
    if endpoint.format == WebhookFormat.SLACK:
        body = slack.message(delivery.payload, endpoint.company.locale)
        return body.encode(), {"content-type": "application/json"}
    timestamp = int(datetime.now(UTC).timestamp())
    headers = signing.headers(endpoint.secret, delivery.message_id, timestamp, delivery.payload)
    return delivery.payload.encode(), headers


async def _post(
    client: httpx.AsyncClient, delivery: WebhookDelivery, endpoint: WebhookEndpoint
) -> http.Answer:
    settings = get_settings()
    body, headers = request_for(delivery, endpoint)
    return await http.post(
        client,
        endpoint.url,
        body,
        headers,
        allow_private=settings.webhooks_may_reach_private,
        seconds=settings.webhook_timeout_seconds,
    )


_LOG_DELIVERED = (
    "INSERT INTO webhook_attempt "
    "(delivery_id, at, status_code, latency_ms, error, response_excerpt) "
    "SELECT d, $2, s, l, '', x FROM unnest($1::bigint[], $3::int[], $4::int[], $5::text[]) "
    "AS t(d, s, l, x)"
)
_MARK_DELIVERED = (
    "UPDATE webhook_delivery SET status = 'DELIVERED', last_error = '', delivered_at = $2 "
    "WHERE id = ANY($1::bigint[]) AND status = 'SENDING'"
)
_RESET_STREAKS = (
    "UPDATE webhook_endpoint SET failure_streak = 0 "
    "WHERE id = ANY($1::bigint[]) AND failure_streak <> 0"
)


async def _record_delivered(done: list[tuple[WebhookDelivery, http.Answer]], now: datetime) -> None:
    """The successes of a batch in one transaction of three statements (the common case
    is all of them; a row each would make the database the bottleneck)."""
    if not done:
        return
    ids = [d.id for d, _ in done]
    async with in_transaction("default"):
        conn = connections.get("default")
        await conn.execute_query(
            _LOG_DELIVERED,
            [
                ids,
                now,
                [a.status_code for _, a in done],
                [a.latency_ms for _, a in done],
                [a.excerpt for _, a in done],
            ],
        )
        await conn.execute_query(_MARK_DELIVERED, [ids, now])
        await conn.execute_query(_RESET_STREAKS, [list({d.endpoint_id for d, _ in done})])


async def record(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: http.Answer
) -> DeliveryStatus:
    """Logs the attempt and moves the row on: DELIVERED, PENDING after a backoff, or FAILED
    once its retry window is over; counts the endpoint's failures in a row."""
    now = datetime.now(UTC)
    error = answer.error or ("" if answer.ok else f"HTTP {answer.status_code}")
    async with in_transaction("default"):
        await WebhookAttempt.create(
            delivery_id=delivery.id,
            at=now,
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            error=error[:500],
            response_excerpt=answer.excerpt,
        )
        status = _next_status(delivery, answer, now)
        retry_at = now + timedelta(seconds=backoff(delivery.attempts))
        await WebhookDelivery.filter(id=delivery.id, status=DeliveryStatus.SENDING).update(
            status=status,
            last_error=error[:2000],
            delivered_at=now if answer.ok else None,
            next_attempt_at=retry_at if status == DeliveryStatus.PENDING else now,
        )
        if answer.ok:
            await WebhookEndpoint.filter(id=endpoint.id).update(failure_streak=0)
        else:
            await _count_failure(endpoint, error)
    return status


def _next_status(delivery: WebhookDelivery, answer: http.Answer, now: datetime) -> DeliveryStatus:
    if answer.ok:
        return DeliveryStatus.DELIVERED
    if now >= delivery.retry_until:
        return DeliveryStatus.FAILED
    return DeliveryStatus.PENDING


async def _count_failure(endpoint: WebhookEndpoint, error: str) -> None:
    rows = await connections.get("default").execute_query_dict(
        "UPDATE webhook_endpoint SET failure_streak = failure_streak + 1 WHERE id = $1 "
        "RETURNING failure_streak, enabled",
        [endpoint.id],
    )
    streak, enabled = rows[0]["failure_streak"], rows[0]["enabled"]
    if enabled and streak >= get_settings().webhook_disable_after:
        await disable(endpoint, f"{streak} failed deliveries in a row; last: {error}")


async def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Disables the endpoint and tells the company (mail, and the log the operator reads)."""
    updated = await WebhookEndpoint.filter(id=endpoint.id, enabled=True).update(
        enabled=False, disabled_reason=reason[:500]
    )
    if updated:
        log.error(
            "webhook endpoint %s of company %s disabled: %s",
            endpoint.id,
            endpoint.company_id,
            reason,
        )
        await notify.endpoint_disabled(endpoint, reason)


async def sweep(now: datetime | None = None) -> int:
    """Hands deliveries claimed by a lost worker back (due at once); returns how many."""
    now = now or datetime.now(UTC)
    rows = await connections.get("default").execute_query_dict(
        _RELEASE, [now - claim_timeout(), now]
    )
    if rows:
        log.warning("webhook sweeper released %s deliveries of lost workers", len(rows))
    return len(rows)
