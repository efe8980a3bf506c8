"""Console imports: an uploaded ATS file kept between the steps, and the header mappings a
company chose once."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.companies import Company
from server.models.members import Member


class ImportMapping(Model):
    """A header of a company's ATS export and the import field it holds ("" = ignored)."""

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    header = fields.CharField(max_length=200)
    field = fields.CharField(max_length=32)
    updated_at = fields.DatetimeField(auto_now=True)

    company_id: int

    class Meta:
        table = "import_mapping"
        unique_together = (("company_id", "header"),)


class ImportUpload(Model):
    """An uploaded file between upload, mapping, dry run and import: addressed by a random
    token and the company; its content is dropped after the import, the row at expiry."""

    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=64, unique=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    filename = fields.CharField(max_length=200)
    content = fields.BinaryField()
    mapping = fields.JSONField(default=dict)
    total_rows = fields.IntField(default=0)
    done_rows = fields.IntField(default=0)
    result = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    company_id: int
    member_id: int | None

    class Meta:
        table = "import_upload"
        indexes = (("company_id", "created_at"), ("expires_at",))
