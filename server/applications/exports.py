"""A company's applications and referrals as rows for a spreadsheet, read in batches so a
large company streams rather than loads (the adapters write the CSV)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from server.models import Application, Referral, RejectionReason
from server.principal import Principal

BATCH = 1000

# The import's field names where the column is one it reads back (server/applications/
# ats_reader.py): an export, edited, can be imported again.
APPLICATION_COLUMNS = (
    "externalId",
    "name",
    "email",
    "openingTitle",
    "status",
    "appliedAt",
    "decidedAt",
    "rejectionReason",
    "evaluation",
)
REFERRAL_COLUMNS = (
    "name",
    "email",
    "openingTitle",
    "referralStatus",
    "createdAt",
    "mailedAt",
    "clickedAt",
    "registeredAt",
    "qualifiedAt",
)
Row = list[Any]  # str, int, datetime, a status enum or None


def _reason(reason: RejectionReason | None, note: str, lang: str) -> str:
    name = (reason.name_ja if lang == "ja" else reason.name_en) if reason else ""
    return " / ".join(part for part in (name, note) if part)


async def application_rows(principal: Principal, lang: str) -> AsyncIterator[Row]:
    """The company's applications, oldest first, in :data:`APPLICATION_COLUMNS` order."""
    company_id = principal.require_company()
    last = 0
    while True:
        batch = (
            await Application.filter(company_id=company_id, id__gt=last)
            .order_by("id")
            .limit(BATCH)
            .select_related("applicant", "opening", "rejection_reason")
        )
        for a in batch:
            yield [
                a.applicant.external_id or "",
                a.applicant.name,
                a.applicant.email,
                a.opening.title,
                a.status,
                a.applied_at,
                a.decided_at,
                _reason(a.rejection_reason, a.rejection_note, lang),
                a.evaluation,
            ]
        if len(batch) < BATCH:
            return
        last = batch[-1].id


async def referral_rows(principal: Principal) -> AsyncIterator[Row]:
    """The company's referrals (rejection mails' invitations), oldest first, in
    :data:`REFERRAL_COLUMNS` order."""
    company_id = principal.require_company()
    last = 0
    while True:
        batch = (
            await Referral.filter(company_id=company_id, id__gt=last).order_by("id").limit(BATCH)
        )
        ids = [r.application_id for r in batch if r.application_id]
        applications = {
            a.id: a
            for a in await Application.filter(company_id=company_id, id__in=ids).select_related(
                "applicant", "opening"
            )
        }
        for r in batch:
            application = applications.get(r.application_id or 0)
            yield [
                application.applicant.name if application else "",
                application.applicant.email if application else r.email_normalized,
                application.opening.title if application else "",
                r.status,
                r.created_at,
                r.mailed_at,
                r.first_clicked_at,
                r.registered_at,
                r.qualified_at,
            ]
        if len(batch) < BATCH:
            return
        last = batch[-1].id
