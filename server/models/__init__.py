"""Tortoise models for the whole domain (the domain: docs/architecture.md).

Tags are stored on openings, applicants and candidates as ``int[]`` of tag ids with a GIN
index, so matching can use PostgreSQL's array overlap operators.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from server import timezones


class CompanyStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class Locale(StrEnum):
    JA = "ja"
    EN = "en"


class TagCategory(StrEnum):
    SKILL = "SKILL"
    JOB_TYPE = "JOB_TYPE"
    LOCATION = "LOCATION"
    CONDITION = "CONDITION"


class OpeningStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ApplicationStatus(StrEnum):
    APPLIED = "APPLIED"
    IN_REVIEW = "IN_REVIEW"
    OFFERED = "OFFERED"
    HIRED = "HIRED"
    REJECTED = "REJECTED"
    DECLINED = "DECLINED"


class ApplicationSource(StrEnum):
    DIRECT = "DIRECT"
    REAPPLICATION = "REAPPLICATION"
    INTRODUCTION = "INTRODUCTION"


class RejectionKind(StrEnum):
    WE_REJECTED = "WE_REJECTED"
    CANDIDATE_WITHDREW = "CANDIDATE_WITHDREW"


class ReferralStatus(StrEnum):
    PENDING = "PENDING"
    MAILED = "MAILED"
    CLICKED = "CLICKED"
    REGISTERED = "REGISTERED"
    QUALIFIED = "QUALIFIED"
    SETTLED = "SETTLED"
    DUPLICATE = "DUPLICATE"
    OPTED_OUT = "OPTED_OUT"
    BOUNCED = "BOUNCED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class ReferralReview(StrEnum):
    """Fraud review of a referral (server.referral_fraud): NONE (no signal), HELD (flagged,
    waiting for the operator), APPROVED, REJECTED (never counts; a settled one clawed back)."""

    NONE = "NONE"
    HELD = "HELD"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ReferralSource(StrEnum):
    MAIL = "MAIL"
    LINK = "LINK"


class ConsentScope(StrEnum):
    NETWORK_SHARING = "NETWORK_SHARING"
    FOLLOW_UP = "FOLLOW_UP"


class IntroductionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class CreditKind(StrEnum):
    SETTLEMENT = "SETTLEMENT"
    INTRODUCTION = "INTRODUCTION"
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"
    CLAWBACK = "CLAWBACK"


class MailKind(StrEnum):
    REJECTION = "REJECTION"
    JOIN_CONFIRM = "JOIN_CONFIRM"
    PORTAL_LINK = "PORTAL_LINK"
    INTRODUCTION = "INTRODUCTION"
    FOLLOW_UP = "FOLLOW_UP"
    OPENING_ALERT = "OPENING_ALERT"
    CONSENT_RECONFIRM = "CONSENT_RECONFIRM"
    ERASURE_NOTICE = "ERASURE_NOTICE"
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"
    COMPANY_NOTICE = "COMPANY_NOTICE"
    COMPANY_DIGEST = "COMPANY_DIGEST"


class MailStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    SUPPRESSED = "SUPPRESSED"
    CANCELLED = "CANCELLED"


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "UNSUBSCRIBED"
    BOUNCED = "BOUNCED"
    COMPLAINED = "COMPLAINED"


class TokenPurpose(StrEnum):
    PORTAL = "PORTAL"
    UNSUBSCRIBE = "UNSUBSCRIBE"
    JOIN_CONFIRM = "JOIN_CONFIRM"
    INTRODUCTION = "INTRODUCTION"
    REAPPLY = "REAPPLY"
    RECONFIRM = "RECONFIRM"


def default_followup_delays() -> list[int]:
    return [182, 365]


def _tag_ids() -> ArrayField:
    return ArrayField(element_type="int", default=list)


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


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.SET_NULL
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


class WebhookFormat(StrEnum):
    STANDARD = "STANDARD"  # Standard Webhooks: signed JSON
    SLACK = "SLACK"  # a Slack incoming-webhook URL: Block Kit messages


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


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
