"""GraphQL types of webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.dataloader import Loader
from schema.pagination import Connection
from server import models as m
from server.webhooks import endpoints

WebhookFormat = strawberry.enum(
    m.WebhookFormat,
    description="STANDARD: signed JSON (Standard Webhooks); SLACK: a Slack incoming-webhook "
    "URL, sent Block Kit messages in the company's language.",
)
DeliveryStatus = strawberry.enum(
    m.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (waiting for its next try), SENDING, DELIVERED (a 2xx answer), "
    "FAILED (no 2xx within the retry window, 3 days by default).",
)


@strawberry.type(description="A URL of the calling company that receives events.")
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[int]
    url: str = strawberry.field(description="Where events are POSTed.")
    format: WebhookFormat = strawberry.field(description="How events are sent.")  # type: ignore[valid-type]
    events: list[str] = strawberry.field(
        description="Event types sent (e.g. introduction.accepted); empty means all."
    )
    enabled: bool = strawberry.field(
        description="False: nothing is sent; deliveries already written wait, and events "
        "happening meanwhile are not kept for it."
    )
    disabled_reason: str = strawberry.field(
        description="Why the network disabled it after repeated failure; empty otherwise."
    )
    failure_streak: int = strawberry.field(description="Failed attempts in a row.")
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")

    @classmethod
    def from_model(cls, row: m.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=row.id,
            url=row.url,
            format=row.format,
            events=list(row.events),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            failure_streak=row.failure_streak,
            created_at=row.created_at,
        )


@strawberry.type(description="One HTTP request of a delivery.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When it was sent (UTC).")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when there was no answer."
    )
    latency_ms: int = strawberry.field(description="Milliseconds until the answer or the error.")
    error: str = strawberry.field(description="Timeout, refusal or network error; may be empty.")
    response_excerpt: str = strawberry.field(
        description="The start of the receiver's answer (up to 500 characters)."
    )


class AttemptsLoader(Loader[int, list[m.WebhookAttempt]]):
    """A page of deliveries' attempts in one statement."""

    default: ClassVar[tuple] = ()  # no attempts yet

    async def fetch(self, ids: Sequence[int]) -> Mapping[int, list[m.WebhookAttempt]]:
        return await endpoints.attempts(self.caller, list(ids))


@strawberry.type(description="One event for one endpoint, and its attempts.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[m.WebhookDelivery]
    webhook_id: str = strawberry.field(
        description="The webhook-id header: the same on every attempt and redelivery."
    )
    event_type: str = strawberry.field(description="e.g. referral.qualified.")
    payload: str = strawberry.field(description="The JSON body that was signed.")
    status: DeliveryStatus = strawberry.field(description="Where it is.")  # type: ignore[valid-type]
    attempt_count: int = strawberry.field(description="HTTP requests made so far.")
    next_attempt_at: datetime = strawberry.field(description="When it is tried next (UTC).")
    last_error: str = strawberry.field(description="The last failure; empty after success.")
    created_at: datetime = strawberry.field(description="When the event happened (UTC).")
    delivered_at: datetime | None = strawberry.field(description="When a 2xx came back.")

    @classmethod
    def from_model(cls, row: m.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=row.id,
            row=row,
            webhook_id=row.message_id,
            event_type=row.event_type,
            payload=row.payload,
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
        )

    @strawberry.field(description="Every HTTP request of this delivery, oldest first.")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        rows = await AttemptsLoader.of(info).load(self.row.id)
        return [
            WebhookAttempt(
                at=a.at,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                response_excerpt=a.response_excerpt,
            )
            for a in rows
        ]


@strawberry.type(description="A page of webhook deliveries.")
class WebhookDeliveryConnection(Connection[WebhookDelivery]):
    pass


@node.register("WebhookEndpoint")
async def load_endpoint(info: Info, pk: int) -> WebhookEndpoint | None:
    row = await endpoints.scoped(info.context.caller).get_or_none(id=pk)
    return WebhookEndpoint.from_model(row) if row else None


@node.register("WebhookDelivery")
async def load_delivery(info: Info, pk: int) -> WebhookDelivery | None:
    row = await endpoints.deliveries(info.context.caller).get_or_none(id=pk)
    return WebhookDelivery.from_model(row) if row else None
