"""Partner companies, their API keys, operator console sessions and known networks."""

from __future__ import annotations

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from server import timezones
from server.models.kinds import CompanyStatus, Locale, default_followup_delays


class Company(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(CompanyStatus, max_length=16, default=CompanyStatus.ACTIVE)
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.JA)
    timezone = fields.CharField(max_length=64, default=timezones.DEFAULT)
    contact_email = fields.CharField(max_length=320, default="")
    # Its own mails' From display name (e.g. 「株式会社〇〇 採用担当」; empty: the name plus
    # 採用担当) and Reply-To (empty: contact_email); the address stays the network's.
    mail_from_name = fields.CharField(max_length=200, default="")
    reply_to_email = fields.CharField(max_length=320, default="")
    join_code = fields.CharField(max_length=32, unique=True)
    join_clicks = fields.IntField(default=0)
    followup_delays = fields.JSONField(default=default_followup_delays)
    followup_enabled = fields.BooleanField(default=True)
    followup_without_match = fields.BooleanField(default=False)
    undo_window_minutes = fields.IntField(default=0)
    agency_fee_yen = fields.BigIntField(default=0)
    rejection_templates = fields.JSONField(default=dict)
    credit_balance = fields.IntField(default=0)
    # Mails to contact_email when something happens (server/webhooks/notify.py).
    notify_introductions = fields.BooleanField(default=True)
    notify_reapplications = fields.BooleanField(default=True)
    notify_digest = fields.BooleanField(default=True)
    # Set by the operator (server.sending_guards): domains its mails may link to besides the
    # network's own, and its daily rejection-mail quota (None: the settings' default).
    allowed_link_domains = ArrayField(element_type="text", default=list)
    daily_mail_quota = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "company"
        constraints = (
            CheckConstraint(check="credit_balance >= 0", name="company_balance_not_negative"),
        )


class ApiKey(Model):
    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="api_keys", null=True, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100, default="")
    prefix = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    company_id: int | None

    class Meta:
        table = "api_key"

    @property
    def is_operator(self) -> bool:
        return self.company_id is None


class AdminSession(Model):
    """An operator's ``/admin`` login: the cookie holds a random id, only its hash is here.
    Logout, the key's revocation and ``expires_at`` end it (server/admin_sessions.py)."""

    id = fields.BigIntField(primary_key=True)
    session_hash = fields.CharField(max_length=64, unique=True)
    api_key: fields.ForeignKeyRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    api_key_id: int

    class Meta:
        table = "admin_session"
        indexes = (("api_key_id",),)


class CompanyNetwork(Model):
    """A network (IPv4 /24, IPv6 /64) a company's API keys were used from: a registration
    from one of them is a referral fraud signal (server.referral_fraud)."""

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    network = fields.CharField(max_length=64)
    first_seen_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()

    company_id: int

    class Meta:
        table = "company_network"
        unique_together = (("company_id", "network"),)
        indexes = (("network",),)
