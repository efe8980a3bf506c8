"""createWebhookEndpoint, updateWebhookEndpoint, deleteWebhookEndpoint, rotateWebhookSecret,
redeliverWebhook, updateNotificationSettings."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsCompany
from schema.webhooks.queries import NotificationSettings
from schema.webhooks.types import WebhookDelivery, WebhookEndpoint, WebhookFormat
from server import models as m
from server.webhooks import endpoints, notify

EVENTS_DESCRIPTION = (
    "Event types to send: referral.mailed, referral.registered, referral.qualified, "
    "credit.settled, introduction.accepted, introduction.declined, introduction.expired, "
    "application.reapplied, mail.bounced, candidate.erased. Empty: all of them."
)


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="http(s) URL; in production it must resolve to public addresses."
    )
    events: list[str] = strawberry.field(default_factory=list, description=EVENTS_DESCRIPTION)
    format: WebhookFormat = strawberry.field(  # type: ignore[valid-type]
        default=m.WebhookFormat.STANDARD, description="STANDARD (signed JSON) or SLACK."
    )
    enabled: bool = strawberry.field(default=True, description="False: register it paused.")


@strawberry.input(description="Changes to an endpoint; omitted fields stay.")
class UpdateWebhookEndpointInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="One of the company's endpoints.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    events: list[str] | None = strawberry.field(default=None, description=EVENTS_DESCRIPTION)
    enabled: bool | None = strawberry.field(
        default=None,
        description="true resumes a disabled endpoint (waiting deliveries go out); false pauses.",
    )


@strawberry.input(description="An endpoint of the calling company.")
class WebhookEndpointInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="One of the company's endpoints.")


@strawberry.input(description="A delivery to send again.")
class RedeliverWebhookInput:
    delivery_id: relay.GlobalID = strawberry.field(
        description="One of the company's deliveries, in any state but SENDING."
    )


@strawberry.input(description="Notification mails to the company's contact address.")
class UpdateNotificationSettingsInput:
    introduction_accepted: bool | None = strawberry.field(
        default=None, description="Mail when a candidate accepts an introduction."
    )
    reapplication: bool | None = strawberry.field(
        default=None, description="Mail when a past applicant re-applies."
    )
    daily_digest: bool | None = strawberry.field(
        default=None, description="The daily digest of qualified referrals and credits."
    )


@strawberry.type(description="The endpoint, with its secret when it was just made.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        default=None, description="The endpoint; null when userErrors is not empty."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_…): returned only by createWebhookEndpoint and "
        "rotateWebhookSecret, never again. Keep it.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="INVALID, TOO_LONG, NOT_FOUND."
    )


@strawberry.type(description="The id of the deleted endpoint, or why not.")
class DeleteWebhookEndpointPayload:
    deleted_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The deleted endpoint's id (its deliveries go too)."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="NOT_FOUND.")


@strawberry.type(description="The delivery, due again, or why not.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        default=None, description="The delivery, PENDING with the same webhookId."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="NOT_FOUND, WRONG_STATE (being sent right now)."
    )


@strawberry.type(description="The notification settings after the change.")
class NotificationSettingsPayload:
    settings: NotificationSettings | None = strawberry.field(
        default=None, description="The settings now."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="None.")


def _endpoint_id(value: relay.GlobalID) -> int:
    return node.decode(str(value), "WebhookEndpoint")[1]


def _with_secret(row: m.WebhookEndpoint) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(row), secret=row.secret)


@strawberry.type
class WebhookMutations:
    @mutation(
        permission_classes=[IsCompany],
        description="Registers an endpoint; the payload's secret is shown this once.",
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookEndpointInput, strawberry.argument(description="The endpoint.")
        ],
    ) -> WebhookEndpointPayload:
        row = await endpoints.create(
            info.context.caller,
            input.url,
            input.events,
            m.WebhookFormat(input.format),
            input.enabled,
        )
        return _with_secret(row)

    @mutation(permission_classes=[IsCompany], description="Changes an endpoint.")
    async def update_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookEndpointInput, strawberry.argument(description="What to change.")
        ],
    ) -> WebhookEndpointPayload:
        row = await endpoints.update(
            info.context.caller,
            _endpoint_id(input.endpoint_id),
            url=input.url,
            events=input.events,
            enabled=input.enabled,
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(row))

    @mutation(permission_classes=[IsCompany], description="Deletes an endpoint and its log.")
    async def delete_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[WebhookEndpointInput, strawberry.argument(description="The endpoint.")],
    ) -> DeleteWebhookEndpointPayload:
        deleted = await endpoints.delete(info.context.caller, _endpoint_id(input.endpoint_id))
        return DeleteWebhookEndpointPayload(
            deleted_id=relay.GlobalID("WebhookEndpoint", str(deleted))
        )

    @mutation(
        permission_classes=[IsCompany],
        description="A new signing secret, shown this once; the old one stops at once.",
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        input: Annotated[WebhookEndpointInput, strawberry.argument(description="The endpoint.")],
    ) -> WebhookEndpointPayload:
        row = await endpoints.rotate_secret(info.context.caller, _endpoint_id(input.endpoint_id))
        return _with_secret(row)

    @mutation(
        permission_classes=[IsCompany],
        description="Sends a delivery again with the same webhook-id (within seconds).",
    )
    async def redeliver_webhook(
        self,
        info: Info,
        input: Annotated[RedeliverWebhookInput, strawberry.argument(description="The delivery.")],
    ) -> RedeliverWebhookPayload:
        delivery_id = node.decode(str(input.delivery_id), "WebhookDelivery")[1]
        row = await endpoints.redeliver(info.context.caller, delivery_id)
        return RedeliverWebhookPayload(delivery=WebhookDelivery.from_model(row))

    @mutation(
        permission_classes=[IsCompany],
        description="Turns notification mails on or off; omitted fields stay.",
    )
    async def update_notification_settings(
        self,
        info: Info,
        input: Annotated[
            UpdateNotificationSettingsInput, strawberry.argument(description="The switches.")
        ],
    ) -> NotificationSettingsPayload:
        company = await notify.update_settings(
            info.context.caller,
            introductions=input.introduction_accepted,
            reapplications=input.reapplication,
            digest=input.daily_digest,
        )
        return NotificationSettingsPayload(settings=NotificationSettings.from_company(company))
