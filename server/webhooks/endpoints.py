"""A company's webhook endpoints and their deliveries (every read scoped to the caller)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from server.principal import Permission, Principal
from server.webhooks import http, signing
from server.webhooks.events import EventType

MAX_ENDPOINTS = 20
MAX_URL_LENGTH = 2000


def scoped(principal: Principal) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.filter(company_id=principal.require_company())


async def get(principal: Principal, endpoint_id: int) -> WebhookEndpoint:
    row = await scoped(principal).get_or_none(id=endpoint_id)
    if row is None:
        raise NotFound("webhook endpoint", ["endpointId"])
    return row


async def check_url(url: str) -> str:
    """The URL, when it is http(s) and (in production) resolves to public addresses only.

    Raises:
        DomainError: INVALID / TOO_LONG on ``url``.
    """
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, f"at most {MAX_URL_LENGTH} characters", ["url"])
    try:
        parsed = http.check_url(url)
        if not get_settings().webhooks_may_reach_private:
            await http.resolve(parsed, allow_private=False)
    except http.Refused as error:
        raise DomainError(ErrorCode.INVALID, str(error), ["url"]) from error
    return url


def check_events(events: list[str]) -> list[str]:
    """The event types, deduplicated (an empty list means every event).

    Raises:
        DomainError: INVALID for an unknown type.
    """
    known = {e.value for e in EventType}
    for index, name in enumerate(events):
        if name not in known:
            raise DomainError(ErrorCode.INVALID, f"unknown event {name!r}", ["events", str(index)])
    return sorted(set(events))


async def create(
    principal: Principal, url: str, events: list[str], format: WebhookFormat, enabled: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (on the returned row: shown once)."""
    principal.require(Permission.MANAGE)
    company_id = principal.require_company()
    url, events = await check_url(url), check_events(events)
    if await WebhookEndpoint.filter(company_id=company_id).count() >= MAX_ENDPOINTS:
        raise DomainError(ErrorCode.INVALID, f"at most {MAX_ENDPOINTS} endpoints", ["url"])
    async with in_transaction("default"):
        row = await WebhookEndpoint.create(
            company_id=company_id,
            url=url,
            events=events,
            format=format,
            enabled=enabled,
            secret=signing.new_secret(),
        )
        await audit.record(principal, "webhook.create", "WebhookEndpoint", row.id, url=url)
    return row


async def update(
    principal: Principal,
    endpoint_id: int,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Changes what is given; enabling again clears the failure count and reason."""
    principal.require(Permission.MANAGE)
    row = await get(principal, endpoint_id)
    if url is not None:
        row.url = await check_url(url)
    if events is not None:
        row.events = check_events(events)
    if enabled is not None:
        row.enabled = enabled
        if enabled:
            row.failure_streak, row.disabled_reason = 0, ""
    async with in_transaction("default"):
        await row.save()
        await audit.record(
            principal, "webhook.update", "WebhookEndpoint", row.id, url=row.url,
            events=row.events, enabled=row.enabled,
        )  # fmt: skip
    return row


async def delete(principal: Principal, endpoint_id: int) -> int:
    principal.require(Permission.MANAGE)
    row = await get(principal, endpoint_id)
    async with in_transaction("default"):
        await row.delete()
        await audit.record(principal, "webhook.delete", "WebhookEndpoint", endpoint_id)
    return endpoint_id


async def rotate_secret(principal: Principal, endpoint_id: int) -> WebhookEndpoint:
    """A new secret (on the returned row: shown once); the old one stops signing at once."""
    principal.require(Permission.MANAGE)
    row = await get(principal, endpoint_id)
    row.secret = signing.new_secret()
    async with in_transaction("default"):
        await row.save(update_fields=["secret", "updated_at"])
        await audit.record(principal, "webhook.rotate_secret", "WebhookEndpoint", row.id)
    return row


def deliveries(
    principal: Principal, endpoint_id: int | None = None, status: DeliveryStatus | None = None
) -> QuerySet[WebhookDelivery]:
    query = WebhookDelivery.filter(company_id=principal.require_company())
    if endpoint_id is not None:
        query = query.filter(endpoint_id=endpoint_id)
    if status is not None:
        query = query.filter(status=status)
    return query


async def attempts(principal: Principal, delivery_ids: list[int]) -> dict[int, list]:
    """The attempt log of the caller's deliveries, oldest first."""
    rows = await WebhookAttempt.filter(
        delivery_id__in=delivery_ids, delivery__company_id=principal.require_company()
    ).order_by("id")
    found: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    for row in rows:
        found[row.delivery_id].append(row)
    return found


async def redeliver(principal: Principal, delivery_id: int) -> WebhookDelivery:
    """Sends a delivery again (same ``webhook-id``), with a fresh retry window.

    Raises:
        DomainError: NOT_FOUND; WRONG_STATE while it is being sent.
    """
    principal.require(Permission.MANAGE)
    row = await deliveries(principal).get_or_none(id=delivery_id)
    if row is None:
        raise NotFound("webhook delivery", ["deliveryId"])
    now = datetime.now(UTC)
    updated = await WebhookDelivery.filter(id=row.id, status__not=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        retry_until=now + timedelta(hours=get_settings().webhook_retry_hours),
    )
    if not updated:
        raise DomainError(ErrorCode.WRONG_STATE, "the delivery is being sent", ["deliveryId"])
    await audit.record(principal, "webhook.redeliver", "WebhookDelivery", row.id)
    await row.refresh_from_db()
    return row
