"""Candidates, their consents, single-purpose tokens and provision records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.models import Model

from server.models.kinds import ConsentScope, Locale, TokenPurpose, _tag_ids

if TYPE_CHECKING:
    from server.models.companies import Company
    from server.models.network import Introduction


class Candidate(Model):
    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=320, null=True)
    email_normalized = fields.CharField(max_length=320, null=True, unique=True)
    display_name = fields.CharField(max_length=200, default="")
    headline = fields.CharField(max_length=200, default="")
    experience_years = fields.SmallIntField(default=0)
    tag_ids = _tag_ids()
    desired_conditions = fields.TextField(default="")
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.JA)
    # Denormalised current consent (the Consent rows stay the truth), kept in step by
    # server.consent inside the same transaction, so matching reads one row.
    sharing = fields.BooleanField(default=False)
    # The card as it was when the person last shared (server.cards): all a company sees
    # once sharing stops.
    shared_card = fields.JSONField(null=True)
    paused_until = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "candidate"
        indexes = (GinIndex(fields=("tag_ids",)),)


class Consent(Model):
    """Append-only: the current consent of a scope is its latest record."""

    id = fields.BigIntField(primary_key=True)
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name="consents", on_delete=fields.CASCADE
    )
    scope = fields.CharEnumField(ConsentScope, max_length=16)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.CASCADE
    )
    granted = fields.BooleanField()
    terms_version = fields.CharField(max_length=32)
    source = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consent"
        indexes = (("candidate_id", "scope", "created_at"),)


class CandidateToken(Model):
    """Single-purpose links mailed to candidates; only the hash is stored."""

    id = fields.BigIntField(primary_key=True)
    purpose = fields.CharEnumField(TokenPurpose, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    email_normalized = fields.CharField(max_length=320, default="")
    candidate: fields.ForeignKeyNullableRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name=False, null=True, on_delete=fields.CASCADE
    )
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.CASCADE
    )
    data = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "candidate_token"


class ProvisionRecord(Model):
    """A hand-over of personal data to a company (APPI third-party provision record)."""

    id = fields.BigIntField(primary_key=True)
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name="provisions", on_delete=fields.CASCADE
    )
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    introduction: fields.ForeignKeyNullableRelation[Introduction] = fields.ForeignKeyField(
        "models.Introduction", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    items = fields.JSONField(default=list)
    provided_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "provision_record"
