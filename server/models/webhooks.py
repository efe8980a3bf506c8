"""Webhook endpoints, the webhook outbox and its attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from server.models.kinds import DeliveryStatus, WebhookFormat

if TYPE_CHECKING:
    from server.models.companies import Company


class WebhookEndpoint(Model):
    """A company's receiver of events (server/webhooks/); the secret signs every request."""

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    format = fields.CharEnumField(WebhookFormat, max_length=8, default=WebhookFormat.STANDARD)
    events = ArrayField(element_type="text", default=list)
    secret = fields.CharField(max_length=100)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, default="")
    failure_streak = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    company_id: int

    class Meta:
        table = "webhook_endpoint"
        indexes = (("company_id", "enabled"),)


class WebhookDelivery(Model):
    """The webhook outbox: one event for one endpoint, written in the event's transaction."""

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    message_id = fields.CharField(max_length=64)  # the webhook-id header, kept on every retry
    event_type = fields.CharField(max_length=64)
    payload = fields.TextField()  # the exact JSON body that is signed
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    retry_until = fields.DatetimeField()  # no 2xx by then: FAILED (a redelivery restarts it)
    claimed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    endpoint_id: int
    company_id: int

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint_id", "message_id"),)
        indexes = (("status", "next_attempt_at"), ("company_id", "id"))


class WebhookAttempt(Model):
    """One HTTP request of a delivery: what the receiver answered, and how fast."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    latency_ms = fields.IntField(default=0)
    error = fields.CharField(max_length=500, default="")
    response_excerpt = fields.CharField(max_length=500, default="")

    delivery_id: int

    class Meta:
        table = "webhook_attempt"
        indexes = (("delivery_id", "id"),)
