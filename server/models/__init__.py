"""Tortoise models for the whole domain (the domain: docs/architecture.md).

Tags are stored on openings, applicants and candidates as ``int[]`` of tag ids with a GIN
index, so matching can use PostgreSQL's array overlap operators.
"""

from __future__ import annotations

from server.models.applications import (
    Applicant,
    Application,
    ApplicationEvent,
    Opening,
    RejectionReason,
)
from server.models.candidates import Candidate, CandidateToken, Consent, ProvisionRecord
from server.models.companies import AdminSession, ApiKey, Company, CompanyNetwork
from server.models.imports import ImportMapping, ImportUpload
from server.models.kinds import (
    ApplicationSource,
    ApplicationStatus,
    CompanyStatus,
    ConsentScope,
    CreditKind,
    DeliveryStatus,
    IntroductionStatus,
    Locale,
    MailKind,
    MailStatus,
    MemberRole,
    OpeningStatus,
    ReferralReview,
    ReferralSource,
    ReferralStatus,
    RejectionKind,
    SuppressionReason,
    TagCategory,
    TokenPurpose,
    WebhookFormat,
    default_followup_delays,
)
from server.models.mail import MailMessage, Suppression
from server.models.members import Member, MemberSession, MemberSignIn
from server.models.network import (
    CreditEntry,
    Introduction,
    OpeningMatch,
    OpeningMatchRun,
    Referral,
    Tag,
    TagWeight,
)
from server.models.pool import PoolNote
from server.models.records import AuditEvent, IdempotencyRecord, WorkerHeartbeat
from server.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AdminSession",
    "ApiKey",
    "Applicant",
    "Application",
    "ApplicationEvent",
    "ApplicationSource",
    "ApplicationStatus",
    "AuditEvent",
    "Candidate",
    "CandidateToken",
    "Company",
    "CompanyNetwork",
    "CompanyStatus",
    "Consent",
    "ConsentScope",
    "CreditEntry",
    "CreditKind",
    "DeliveryStatus",
    "IdempotencyRecord",
    "ImportMapping",
    "ImportUpload",
    "Introduction",
    "IntroductionStatus",
    "Locale",
    "MailKind",
    "MailMessage",
    "MailStatus",
    "Member",
    "MemberRole",
    "MemberSession",
    "MemberSignIn",
    "Opening",
    "OpeningMatch",
    "OpeningMatchRun",
    "OpeningStatus",
    "PoolNote",
    "ProvisionRecord",
    "Referral",
    "ReferralReview",
    "ReferralSource",
    "ReferralStatus",
    "RejectionKind",
    "RejectionReason",
    "Suppression",
    "SuppressionReason",
    "Tag",
    "TagCategory",
    "TagWeight",
    "TokenPurpose",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookFormat",
    "WorkerHeartbeat",
    "default_followup_delays",
]
