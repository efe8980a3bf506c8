"""Inputs and payloads of the application mutations (schema.applications.mutations)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema.applications.types import (
    Application,
    ApplicationStatus,
    Referral,
    RejectionKind,
    RejectionReason,
)
from schema.companies.types import Locale
from schema.errors import UserError
from server import models as m


@strawberry.input(description="An application entered by hand.")
class CreateApplicationInput:
    opening_id: relay.GlobalID = strawberry.field(description="An opening of the company.")
    name: str = strawberry.field(description="1 to 200 characters.")
    email: str = strawberry.field(
        description="The applicant's email address, up to 320 characters."
    )
    external_id: str | None = strawberry.field(default=None, description="ATS id (upsert key).")
    tags: list[str] = strawberry.field(default_factory=list, description="Up to 100 tags.")
    status: ApplicationStatus = strawberry.field(  # type: ignore[valid-type]
        default=m.ApplicationStatus.APPLIED,
        description="Starting status, any but REJECTED (use rejectApplication).",
    )


@strawberry.type
class ApplicationPayload:
    application: Application | None = strawberry.field(
        default=None, description="The application; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="One ATS row; upserted on (company, externalId).")
class ImportApplicationRow:
    external_id: str = strawberry.field(description="The applicant's id in the ATS.")
    name: str = strawberry.field(description="1 to 200 characters.")
    email: str = strawberry.field(
        description="The applicant's email address, up to 320 characters."
    )
    opening_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The opening; or give openingTitle."
    )
    opening_title: str | None = strawberry.field(default=None, description="Exact title.")
    status: ApplicationStatus = strawberry.field(  # type: ignore[valid-type]
        default=m.ApplicationStatus.APPLIED,
        description="The status in the ATS; REJECTED rows reject the application.",
    )
    tags: list[str] = strawberry.field(default_factory=list, description="Up to 100 tags.")
    applied_at: datetime | None = strawberry.field(
        default=None, description="When the person applied; the import time if unset."
    )
    decided_at: datetime | None = strawberry.field(
        default=None, description="For REJECTED rows: mails go out only within 30 days."
    )
    rejection_reason: str | None = strawberry.field(
        default=None,
        description="Catalogue code or name, up to 2,000 characters; other text is kept as a note.",
    )
    evaluation: int | None = strawberry.field(default=None, description="1 to 5.")


@strawberry.input(description="Up to 10,000 rows in one call.")
class ImportApplicationsInput:
    rows: list[ImportApplicationRow] = strawberry.field(
        description="Up to 10,000 rows; bad rows are reported and skipped."
    )
    send_old_rejection_mails: bool = strawberry.field(
        default=False,
        description="Also mail rows rejected more than 30 days ago (off: no surprise storms).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="1 to 200 characters; a retry with the same key and rows returns the "
        "first import's counts and sends nothing; other rows with it: IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type
class ImportApplicationsPayload:
    created: int = strawberry.field(default=0, description="New applications.")
    updated: int = strawberry.field(default=0, description="Applications whose status changed.")
    unchanged: int = strawberry.field(default=0, description="Rows that changed nothing.")
    rejected_rows: int = strawberry.field(default=0, description="Rows refused (see userErrors).")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Per-row errors; field is [input, rows, <index>, <field>].",
    )


@strawberry.input
class SetApplicationStatusInput:
    application_id: relay.GlobalID = strawberry.field(description="An application of the company.")
    status: ApplicationStatus = strawberry.field(  # type: ignore[valid-type]
        description="The new status, any but REJECTED (use rejectApplication)."
    )


@strawberry.input(description="Rejects an application; the mail waits out the undo window.")
class RejectApplicationInput:
    application_id: relay.GlobalID = strawberry.field(
        description="An application of the company that is not hired."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Catalogue code or name, up to 2,000 characters; other text is kept as a note.",
    )
    evaluation: int | None = strawberry.field(default=None, description="1 to 5.")
    silver_medalist: bool = strawberry.field(
        default=False, description="Marks the person as a strong runner-up."
    )
    send_mail: bool = strawberry.field(
        default=True,
        description="Whether to send the rejection mail; false records only the rejection.",
    )
    send_at: datetime | None = strawberry.field(default=None, description="Delay the mail.")


@strawberry.type
class RejectApplicationPayload:
    application: Application | None = strawberry.field(
        default=None, description="The rejected application; null when userErrors is not empty."
    )
    referral: Referral | None = strawberry.field(
        default=None, description="The referral its mail carries (null when no invitation is sent)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(
    description="Rejects several applications with one decision, all or none; each mail waits "
    "out the undo window."
)
class RejectApplicationsInput:
    application_ids: list[relay.GlobalID] = strawberry.field(
        description="1 to 100 applications of the company, none hired."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Catalogue code or name, up to 2,000 characters; other text is kept as a note.",
    )
    evaluation: int | None = strawberry.field(default=None, description="1 to 5.")
    silver_medalist: bool = strawberry.field(
        default=False, description="Marks the people as strong runners-up."
    )
    send_mail: bool = strawberry.field(
        default=True,
        description="Whether to send the rejection mails; false records only the rejections.",
    )
    send_at: datetime | None = strawberry.field(default=None, description="Delay the mails.")


@strawberry.type
class RejectApplicationsPayload:
    applications: list[Application] = strawberry.field(
        default_factory=list,
        description="The rejected applications in the order given; empty when userErrors is not.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input
class UnrejectApplicationInput:
    application_id: relay.GlobalID = strawberry.field(
        description="A rejected application of the company whose mail has not been sent yet."
    )


@strawberry.input(description="Creates or changes a catalogue reason (by code).")
class UpsertRejectionReasonInput:
    code: str | None = strawberry.field(default=None, description="Derived from nameEn if unset.")
    name_ja: str = strawberry.field(description="Japanese name, 1 to 200 characters.")
    name_en: str = strawberry.field(description="English name, 1 to 200 characters.")
    kind: RejectionKind = strawberry.field(  # type: ignore[valid-type]
        default=m.RejectionKind.WE_REJECTED,
        description="Whether the company rejected or the candidate withdrew.",
    )
    offers_invitation: bool = strawberry.field(
        default=True, description="Whether rejection mails with this reason invite to the network."
    )
    active: bool = strawberry.field(
        default=True, description="Whether reason texts given when rejecting can match this entry."
    )


@strawberry.type
class RejectionReasonPayload:
    rejection_reason: RejectionReason | None = strawberry.field(
        default=None, description="The catalogue entry; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="The company's rejection mail for one locale (Jinja2, sandboxed).")
class UpdateRejectionTemplateInput:
    locale: Locale = strawberry.field(  # type: ignore[valid-type]
        description="The mail's language; each applicant gets the mail in their own locale."
    )
    subject: str = strawberry.field(description="Up to 200 characters.")
    body: str = strawberry.field(
        description="Up to 20,000 characters; must contain {{ registration_url }}. Variables: "
        "candidate_name, company_name, opening_title, registration_url, unsubscribe_url."
    )


@strawberry.input(description="Company settings; omitted fields stay as they are.")
class UpdateCompanySettingsInput:
    undo_window_minutes: int | None = strawberry.field(
        default=None, description="0 to 1440: how long rejection mails wait (unreject window)."
    )
    agency_fee_yen: int | None = strawberry.field(
        default=None, description="The usual agency fee, for estimated savings."
    )
    contact_email: str | None = strawberry.field(
        default=None, description="The company's contact address, up to 320 characters."
    )
    mail_from_name: str | None = strawberry.field(
        default=None,
        description="From display name of the company's own mails (rejection, follow-up, "
        "alert), up to 200 characters, e.g. 「株式会社〇〇 採用担当」; the address stays the "
        "network's. Empty: the company name and 採用担当 (Recruiting).",
    )
    reply_to_email: str | None = strawberry.field(
        default=None,
        description="Reply-To of the company's own mails, so that candidates can answer the "
        "company. Empty: contactEmail.",
    )
