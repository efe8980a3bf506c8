"""Audit events, idempotency records and worker heartbeats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from server.models.companies import ApiKey, Company
    from server.models.members import Member


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # The console member who acted (None: an API key or the system).
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=64, default="")
    target_id = fields.CharField(max_length=64, default="")
    data = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_event"
        indexes = (("created_at",),)


class IdempotencyRecord(Model):
    """First result of a mutation called with an ``idempotencyKey``."""

    id = fields.BigIntField(primary_key=True)
    owner = fields.CharField(max_length=64)
    operation = fields.CharField(max_length=64)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    result = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("owner", "operation", "key"),)


class WorkerHeartbeat(Model):
    name = fields.CharField(max_length=100, primary_key=True)
    beat_at = fields.DatetimeField()
    beats = fields.BigIntField(default=0)

    class Meta:
        table = "worker_heartbeat"
