"""A company's console users (members), their sign-in links and their sessions."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.companies import Company
from server.models.kinds import Locale, MemberRole


class Member(Model):
    """A person of a partner company who uses the console (``/app``); API keys are for machines.

    ``joined_at`` is set at the first sign-in (until then the member is invited);
    ``removed_at`` ends the membership and every session of it.
    """

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="members", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100, default="")
    email = fields.CharField(max_length=320)
    role = fields.CharEnumField(MemberRole, max_length=16)
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.JA)
    invited_by: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    joined_at = fields.DatetimeField(null=True)
    removed_at = fields.DatetimeField(null=True)

    company_id: int

    class Meta:
        table = "member"
        unique_together = (("company_id", "email"),)
        indexes = (("email",),)


class MemberSignIn(Model):
    """A mailed sign-in link (invitation or sign-in): only the token's hash, single use."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    member_id: int

    class Meta:
        table = "member_sign_in"
        indexes = (("member_id",),)


class MemberSession(Model):
    """A console session: the cookie holds a random id, only its hash is here. Logout, the
    member's removal, ``idle`` without a request and ``expires_at`` end it."""

    id = fields.BigIntField(primary_key=True)
    session_hash = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    member_id: int

    class Meta:
        table = "member_session"
        indexes = (("member_id",),)
