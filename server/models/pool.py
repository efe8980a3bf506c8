"""Notes a company keeps on the people of its talent pool (its CRM view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from server.models.candidates import Candidate
    from server.models.companies import ApiKey, Company
    from server.models.members import Member


class PoolNote(Model):
    """A note on one person of a company's talent pool, seen by that company's members only.

    Written by a console member (or an API key: ``member`` null); erased with the profile.
    """

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name=False, on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    company_id: int
    candidate_id: int
    member_id: int | None
    api_key_id: int | None

    class Meta:
        table = "pool_note"
        indexes = (("company_id", "candidate_id", "created_at"),)
