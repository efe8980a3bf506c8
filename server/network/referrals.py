"""Referrals: the personal link a rejection mail carries, and what became of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.expressions import F

from server import tokens
from server.models import Referral, ReferralSource, ReferralStatus
from server.principal import Principal

LINK_LIFETIME = timedelta(days=180)
# Statuses a click may still move forward to CLICKED.
BEFORE_CLICK = (ReferralStatus.PENDING, ReferralStatus.MAILED)


def scoped(principal: Principal):
    """The caller's referrals only."""
    return Referral.filter(company_id=principal.require_company())


async def create_for_mail(
    company_id: int, application_id: int, email_normalized: str
) -> tuple[Referral, str]:
    """A referral with a fresh token (only its hash stored); returns it and the raw token."""
    raw = tokens.new_token()
    referral = await Referral.create(
        company_id=company_id,
        application_id=application_id,
        source=ReferralSource.MAIL,
        email_normalized=email_normalized,
        token_hash=tokens.hash_token(raw),
        expires_at=datetime.now(UTC) + LINK_LIFETIME,
    )
    return referral, raw


async def by_token(raw: str) -> Referral | None:
    """The live referral a link token belongs to (None when unknown or expired)."""
    referral = await Referral.get_or_none(token_hash=tokens.hash_token(raw))
    if referral is None or referral.expires_at <= datetime.now(UTC):
        return None
    return referral


async def record_click(raw: str) -> Referral | None:
    """Counts a click on ``/r/{token}``: first click time once, later ones only counted.

    A GET must never consume the token (mail scanners prefetch links), so this only counts.
    """
    referral = await by_token(raw)
    if referral is None:
        return None
    now = datetime.now(UTC)
    await Referral.filter(id=referral.id).update(click_count=F("click_count") + 1)
    await Referral.filter(id=referral.id, first_clicked_at__isnull=True).update(
        first_clicked_at=now
    )
    await Referral.filter(id=referral.id, status__in=BEFORE_CLICK).update(
        status=ReferralStatus.CLICKED
    )
    await referral.refresh_from_db()
    return referral


async def counts_by_status(company_id: int) -> dict[ReferralStatus, int]:
    """How many of the company's referrals are in each status (every status listed)."""
    return (await counts_by_status_many([company_id]))[company_id]


async def counts_by_status_many(company_ids: list[int]) -> dict[int, dict[ReferralStatus, int]]:
    """``counts_by_status`` of several companies in one statement."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT company_id, status, count(*) AS n FROM referral WHERE company_id = ANY($1) "
        "GROUP BY company_id, status",
        [list(company_ids)],
    )
    found = {(r["company_id"], ReferralStatus(r["status"])): r["n"] for r in rows}
    return {
        c: {status: found.get((c, status), 0) for status in ReferralStatus} for c in company_ids
    }


# The dates a referral's life is told by, in order.
DATES = (
    "created_at",
    "mailed_at",
    "first_clicked_at",
    "registered_at",
    "qualified_at",
    "settled_at",
    "closed_at",
)


async def recent(
    principal: Principal,
    status: ReferralStatus | None = None,
    *,
    limit: int = 50,
    before: int | None = None,
) -> list[dict]:
    """The caller's referrals, newest first (ids below ``before``), optionally in one status:
    id, status, the dates of ``DATES``, and the applicant and opening they came from (the
    company's own records; empty once the application is gone)."""
    query = scoped(principal)
    if status is not None:
        query = query.filter(status=status)
    if before is not None:
        query = query.filter(id__lt=before)
    return await (
        query.order_by("-id")
        .limit(limit)
        .values(
            "id",
            "status",
            *DATES,
            applicant="application__applicant__name",
            opening="application__opening__title",
        )
    )
