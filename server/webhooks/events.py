"""Webhook events: ``emit`` writes one PENDING delivery per subscribed endpoint in the
caller's transaction (the webhook outbox); the worker sends them (``delivery``).

Payloads carry the event type, its time and ``data``: the objects' global ids (the same as
the GraphQL ``id`` fields) and public fields only. Personal data goes out only where the
company already has it (an accepted introduction's contact, its own applicants).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import connections

from server.config import get_settings
from server.models import DeliveryStatus, WebhookEndpoint

MAX_PAYLOAD_BYTES = 64 * 1024


class EventType(StrEnum):
    REFERRAL_MAILED = "referral.mailed"
    REFERRAL_REGISTERED = "referral.registered"
    REFERRAL_QUALIFIED = "referral.qualified"
    CREDIT_SETTLED = "credit.settled"
    INTRODUCTION_ACCEPTED = "introduction.accepted"
    INTRODUCTION_DECLINED = "introduction.declined"
    INTRODUCTION_EXPIRED = "introduction.expired"
    APPLICATION_REAPPLIED = "application.reapplied"
    MAIL_BOUNCED = "mail.bounced"
    CANDIDATE_ERASED = "candidate.erased"


_INSERT = (
    "INSERT INTO webhook_delivery (endpoint_id, company_id, message_id, event_type, payload, "
    "status, attempts, next_attempt_at, retry_until, last_error, created_at) "
    "SELECT e.id, e.company_id, $2, $3::text, $4, $5, 0, $6, $7, '', $6 FROM webhook_endpoint e "
    "WHERE e.company_id = $1 AND e.enabled "
    "AND (cardinality(e.events) = 0 OR $3::text = ANY(e.events)) "
    "ON CONFLICT (endpoint_id, message_id) DO NOTHING RETURNING id"
)


def global_id(type_name: str, pk: int) -> str:
    """The GraphQL global id of a row (Relay's ``base64("Type:pk")``)."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def message_id(key: str) -> str:
    """The ``webhook-id`` of an occurrence: derived from its business key, so an event
    emitted again for the same occurrence (a retried job) is not delivered twice."""
    return "msg_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def payload(event_type: EventType, data: dict[str, Any], at: datetime) -> str:
    body = {"type": event_type.value, "timestamp": at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


async def emit(company_id: int, event_type: EventType, key: str, data: dict[str, Any]) -> int:
    """Writes the event for each enabled endpoint of the company that wants it, in the
    caller's transaction; ``key`` names the occurrence (e.g. ``introduction:12``).

    Returns:
        How many deliveries were written (0 when nobody listens, or it was emitted before).
    """
    now = datetime.now(UTC)
    body = payload(event_type, data, now)
    if len(body.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"{event_type} payload over {MAX_PAYLOAD_BYTES} bytes")
    rows = await connections.get("default").execute_query_dict(
        _INSERT,
        [
            company_id,
            message_id(f"{event_type}:{key}"),
            event_type.value,
            body,
            DeliveryStatus.PENDING.value,
            now,
            now + timedelta(hours=get_settings().webhook_retry_hours),
        ],
    )
    return len(rows)


async def listening(company_id: int) -> bool:
    """Whether the company has an enabled endpoint (callers may skip building data)."""
    return await WebhookEndpoint.filter(company_id=company_id, enabled=True).exists()
