"""The mail outbox and suppressed addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from server.models.kinds import Locale, MailKind, MailStatus, SuppressionReason

if TYPE_CHECKING:
    from server.models.candidates import Candidate
    from server.models.companies import Company
    from server.models.network import Referral


class MailMessage(Model):
    """The transactional outbox."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(MailKind, max_length=24)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    candidate: fields.ForeignKeyNullableRelation[Candidate] = fields.ForeignKeyField(
        "models.Candidate", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    referral: fields.ForeignKeyNullableRelation[Referral] = fields.ForeignKeyField(
        "models.Referral", related_name="mails", null=True, on_delete=fields.SET_NULL
    )
    recipient = fields.CharField(max_length=320)
    # The From display name of a company's own mail (empty: the network's, RELAY_MAIL_FROM).
    from_name = fields.CharField(max_length=200, default="")
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.JA)
    subject = fields.CharField(max_length=500)
    body_text = fields.TextField()
    body_html = fields.TextField(default="")
    headers = fields.JSONField(default=dict)
    status = fields.CharEnumField(MailStatus, max_length=16, default=MailStatus.PENDING)
    attempts = fields.IntField(default=0)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    send_after = fields.DatetimeField()
    message_id = fields.CharField(max_length=200, default="")
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    company_id: int | None
    candidate_id: int | None
    referral_id: int | None

    class Meta:
        table = "mail_message"
        indexes = (("status", "send_after"), ("recipient", "kind", "created_at"))


class Suppression(Model):
    id = fields.BigIntField(primary_key=True)
    email_normalized = fields.CharField(max_length=320, unique=True)
    reason = fields.CharEnumField(SuppressionReason, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "suppression"
