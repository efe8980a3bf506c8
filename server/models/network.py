"""Tags, referrals, the credit ledger, introductions and the match tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from server.models.kinds import (
    CreditKind,
    IntroductionStatus,
    ReferralReview,
    ReferralSource,
    ReferralStatus,
    TagCategory,
    _tag_ids,
)

if TYPE_CHECKING:
    from server.models.applications import Application, Opening
    from server.models.candidates import Candidate
    from server.models.companies import ApiKey, Company


class Tag(Model):
    id = fields.BigIntField(primary_key=True)
    category = fields.CharEnumField(TagCategory, max_length=16)
    slug = fields.CharField(max_length=100)
    label_ja = fields.CharField(max_length=100)
    label_en = fields.CharField(max_length=100)
    synonyms = ArrayField(element_type="text", default=list)
    reviewed = fields.BooleanField(default=True)
    merged_into: fields.ForeignKeyNullableRelation[Tag] = fields.ForeignKeyField(
        "models.Tag", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tag"
        unique_together = (("category", "slug"),)
        indexes = (GinIndex(fields=("synonyms",)),)


class Referral(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="referrals", on_delete=fields.CASCADE
    )
    application: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    source = fields.CharEnumField(ReferralSource, max_length=8, default=ReferralSource.MAIL)
    email_normalized = fields.CharField(max_length=320)
    token_hash = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(ReferralStatus, max_length=16, default=ReferralStatus.PENDING)
    click_count = fields.IntField(default=0)
    candidate: fields.ForeignKeyNullableRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    settlement: fields.ForeignKeyNullableRelation[CreditEntry] = fields.ForeignKeyField(
        "models.CreditEntry",
        related_name="settled_referrals",
        null=True,
        on_delete=fields.RESTRICT,
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    mailed_at = fields.DatetimeField(null=True)
    first_clicked_at = fields.DatetimeField(null=True)
    registered_at = fields.DatetimeField(null=True)
    qualified_at = fields.DatetimeField(null=True)
    settled_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # Fraud signals found at registration (server.referral_fraud) and the operator's review.
    registration_network = fields.CharField(max_length=64, default="")
    fraud_flags = fields.JSONField(default=list)
    review = fields.CharEnumField(ReferralReview, max_length=16, default=ReferralReview.NONE)
    reviewed_at = fields.DatetimeField(null=True)
    clawback: fields.ForeignKeyNullableRelation[CreditEntry] = fields.ForeignKeyField(
        "models.CreditEntry", related_name=False, null=True, on_delete=fields.RESTRICT
    )

    company_id: int
    application_id: int | None
    candidate_id: int | None
    settlement_id: int | None

    class Meta:
        table = "referral"
        indexes = (("company_id", "status", "id"), ("email_normalized",))
        constraints = (
            UniqueConstraint(
                fields=("company_id", "email_normalized"),
                name="referral_one_link_per_email",
                condition="source = 'LINK'",
            ),
        )


class CreditEntry(Model):
    """Append-only ledger; ``idempotency_key`` is a deterministic business id."""

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="credit_entries", on_delete=fields.RESTRICT
    )
    delta = fields.IntField()
    kind = fields.CharEnumField(CreditKind, max_length=16)
    idempotency_key = fields.CharField(max_length=200, unique=True)
    balance_after = fields.IntField()
    memo = fields.CharField(max_length=500, default="")
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    company_id: int

    class Meta:
        table = "credit_entry"
        indexes = (("company_id", "id"),)
        constraints = (
            CheckConstraint(check="balance_after >= 0", name="credit_balance_after_not_negative"),
        )


class Introduction(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="introductions", on_delete=fields.CASCADE
    )
    opening: fields.ForeignKeyRelation[Opening] = fields.ForeignKeyField(
        "models.Opening", related_name="introductions", on_delete=fields.CASCADE
    )
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name="introductions", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(
        IntroductionStatus, max_length=16, default=IntroductionStatus.REQUESTED
    )
    spend_entry: fields.ForeignKeyNullableRelation[CreditEntry] = fields.ForeignKeyField(
        "models.CreditEntry", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    refund_entry: fields.ForeignKeyNullableRelation[CreditEntry] = fields.ForeignKeyField(
        "models.CreditEntry", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    requested_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    hired_at = fields.DatetimeField(null=True)

    company_id: int
    opening_id: int
    candidate_id: int

    class Meta:
        table = "introduction"
        unique_together = (("company_id", "candidate_id"),)
        indexes = (("status", "expires_at"),)


class TagWeight(Model):
    """A tag's IDF among the candidates who share with the network, refreshed by a cron."""

    id = fields.BigIntField(primary_key=True)
    tag: fields.OneToOneRelation[Tag] = fields.OneToOneField(
        "models.Tag", related_name=False, on_delete=fields.CASCADE
    )
    candidate_count = fields.IntField()
    weight = fields.FloatField()
    refreshed_at = fields.DatetimeField()

    tag_id: int

    class Meta:
        table = "tag_weight"


class OpeningMatch(Model):
    """One of an open opening's best-scoring candidates (server.matching keeps the table)."""

    id = fields.BigIntField(primary_key=True)
    opening: fields.ForeignKeyRelation[Opening] = fields.ForeignKeyField(
        "models.Opening", related_name=False, on_delete=fields.CASCADE
    )
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name=False, on_delete=fields.CASCADE
    )
    score = fields.FloatField()
    matched_tag_ids = _tag_ids()

    opening_id: int
    candidate_id: int

    class Meta:
        table = "opening_match"
        unique_together = (("opening_id", "candidate_id"),)
        indexes = (("opening_id", "score", "candidate_id"), ("candidate_id",))


class OpeningMatchRun(Model):
    """What an opening's matches were last built from, so a sweeper finds stale ones."""

    id = fields.BigIntField(primary_key=True)
    opening: fields.OneToOneRelation[Opening] = fields.OneToOneField(
        "models.Opening", related_name=False, on_delete=fields.CASCADE
    )
    tag_ids = _tag_ids()
    remote_ok = fields.BooleanField()
    # Score of the last kept row when the list was cut at its size limit, else 0: a candidate
    # edit only adds rows scoring at least this much.
    floor_score = fields.FloatField(default=0)
    built_at = fields.DatetimeField()

    opening_id: int

    class Meta:
        table = "opening_match_run"
