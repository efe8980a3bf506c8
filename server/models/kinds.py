"""Enumerations of the models (stored as text) and shared field helpers."""

from __future__ import annotations

from enum import StrEnum

from tortoise.contrib.postgres.fields import ArrayField


class CompanyStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class Locale(StrEnum):
    JA = "ja"
    EN = "en"


class MemberRole(StrEnum):
    """A console member's role (server/companies/members.py has what each may do)."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    RECRUITER = "RECRUITER"
    VIEWER = "VIEWER"


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
    MEMBER_SIGN_IN = "MEMBER_SIGN_IN"


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


class WebhookFormat(StrEnum):
    STANDARD = "STANDARD"  # Standard Webhooks: signed JSON
    SLACK = "SLACK"  # a Slack incoming-webhook URL: Block Kit messages


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


def default_followup_delays() -> list[int]:
    return [182, 365]


def _tag_ids() -> ArrayField:
    return ArrayField(element_type="int", default=list)
