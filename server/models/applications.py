"""A company's openings, applicants, rejection reasons and applications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from server.models.kinds import (
    ApplicationSource,
    ApplicationStatus,
    Locale,
    OpeningStatus,
    RejectionKind,
    _tag_ids,
)

if TYPE_CHECKING:
    from server.models.companies import Company


class Opening(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="openings", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    tag_ids = _tag_ids()
    remote_ok = fields.BooleanField(default=True)
    status = fields.CharEnumField(OpeningStatus, max_length=8, default=OpeningStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    opened_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    company_id: int

    class Meta:
        table = "opening"
        indexes = (("company_id", "status"), GinIndex(fields=("tag_ids",)))


class Applicant(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="applicants", on_delete=fields.CASCADE
    )
    external_id = fields.CharField(max_length=200, null=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320)
    email_normalized = fields.CharField(max_length=320, db_index=True)
    tag_ids = _tag_ids()
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.JA)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    company_id: int

    class Meta:
        table = "applicant"
        unique_together = (("company_id", "external_id"),)


class RejectionReason(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="rejection_reasons", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64)
    name_ja = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200)
    kind = fields.CharEnumField(RejectionKind, max_length=24, default=RejectionKind.WE_REJECTED)
    offers_invitation = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)

    company_id: int

    class Meta:
        table = "rejection_reason"
        unique_together = (("company_id", "code"),)


class Application(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="applications", on_delete=fields.CASCADE
    )
    applicant: fields.ForeignKeyRelation[Applicant] = fields.ForeignKeyField(
        "models.Applicant", related_name="applications", on_delete=fields.CASCADE
    )
    opening: fields.ForeignKeyRelation[Opening] = fields.ForeignKeyField(
        "models.Opening", related_name="applications", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(
        ApplicationStatus, max_length=16, default=ApplicationStatus.APPLIED
    )
    source = fields.CharEnumField(
        ApplicationSource, max_length=16, default=ApplicationSource.DIRECT
    )
    rejection_reason: fields.ForeignKeyNullableRelation[RejectionReason] = fields.ForeignKeyField(
        "models.RejectionReason", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    rejection_note = fields.TextField(default="")
    evaluation = fields.SmallIntField(null=True)
    silver_medalist = fields.BooleanField(default=False)
    applied_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    company_id: int
    applicant_id: int
    opening_id: int

    class Meta:
        table = "application"
        unique_together = (("applicant_id", "opening_id", "source"),)
        indexes = (("company_id", "status"), ("opening_id", "status"))
        constraints = (
            CheckConstraint(
                check="evaluation IS NULL OR evaluation BETWEEN 1 AND 5",
                name="application_evaluation_range",
            ),
        )


class ApplicationEvent(Model):
    """One status change of an application: its history and the source of reports."""

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="events", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ApplicationStatus, max_length=16)
    at = fields.DatetimeField()

    class Meta:
        table = "application_event"
        indexes = (("company_id", "status", "at"), ("application_id", "at"))
