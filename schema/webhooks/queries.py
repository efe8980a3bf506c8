"""webhookEndpoints, webhookDeliveries, notificationSettings."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.pagination import After, First, paginate
from schema.permissions import IsCompany, IsOperator
from schema.webhooks.types import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookEndpoint,
)
from server import models as m
from server.webhooks import endpoints, health, notify


@strawberry.type(description="Which mails the company's contact address gets.")
class NotificationSettings:
    introduction_accepted: bool = strawberry.field(
        description="A mail when a candidate accepts an introduction (with the contact)."
    )
    reapplication: bool = strawberry.field(description="A mail when a past applicant re-applies.")
    daily_digest: bool = strawberry.field(
        description="A daily mail of new qualified referrals and credits (none on quiet days)."
    )

    @classmethod
    def from_company(cls, company: m.Company) -> NotificationSettings:
        return cls(
            introduction_accepted=company.notify_introductions,
            reapplication=company.notify_reapplications,
            daily_digest=company.notify_digest,
        )


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="The calling company's webhook endpoints, oldest first.",
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        rows = await endpoints.scoped(info.context.caller).order_by("id")
        return [WebhookEndpoint.from_model(r) for r in rows]

    @strawberry.field(
        permission_classes=[IsCompany],
        description="The calling company's webhook deliveries, newest first.",
    )
    async def webhook_deliveries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        endpoint_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only this endpoint's deliveries."),
        ] = None,
        status: Annotated[
            DeliveryStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only deliveries in this status."),
        ] = None,
    ) -> WebhookDeliveryConnection:
        endpoint = node.decode(str(endpoint_id), "WebhookEndpoint")[1] if endpoint_id else None
        query = endpoints.deliveries(
            info.context.caller, endpoint, m.DeliveryStatus(status) if status else None
        )
        return await paginate(
            WebhookDeliveryConnection,
            query,
            first,
            after,
            WebhookDelivery.from_model,
            newest_first=True,
        )

    @strawberry.field(
        permission_classes=[IsCompany],
        description="Which notification mails the calling company gets.",
    )
    async def notification_settings(self, info: Info) -> NotificationSettings:
        return NotificationSettings.from_company(await notify.company(info.context.caller))


@strawberry.type(description="An endpoint the network disabled, or one failing now.")
class TroubledWebhookEndpoint:
    row: strawberry.Private[m.WebhookEndpoint]
    url: str = strawberry.field(description="Where its events go.")
    company_name: str = strawberry.field(description="The company it belongs to.")
    enabled: bool = strawberry.field(description="False once disabled.")
    failure_streak: int = strawberry.field(description="Failed attempts in a row.")
    disabled_reason: str = strawberry.field(description="Why it was disabled; may be empty.")


@strawberry.type(description="Webhook deliveries across the network.")
class WebhookHealth:
    retrying: int = strawberry.field(description="Deliveries waiting for a retry.")
    failed_last_day: int = strawberry.field(description="Deliveries FAILED in the last 24 h.")
    delivered_last_day: int = strawberry.field(description="Deliveries made in the last 24 h.")
    endpoints: list[TroubledWebhookEndpoint] = strawberry.field(
        description="Disabled endpoints first, then failing ones, worst first (at most 50)."
    )


@strawberry.type
class WebhookOperatorFields:
    @strawberry.field(
        permission_classes=[IsOperator],
        description="Webhook deliveries failing network-wide and endpoints in trouble.",
    )
    async def webhook_health(self, info: Info) -> WebhookHealth:
        found = await health.webhook_health(info.context.caller)
        return WebhookHealth(
            retrying=found.retrying,
            failed_last_day=found.failed_last_day,
            delivered_last_day=found.delivered_last_day,
            endpoints=[
                TroubledWebhookEndpoint(
                    row=e,
                    url=e.url,
                    company_name=e.company.name,
                    enabled=e.enabled,
                    failure_streak=e.failure_streak,
                    disabled_reason=e.disabled_reason,
                )
                for e in found.endpoints
            ],
        )
