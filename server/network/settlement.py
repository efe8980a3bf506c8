"""Settlement: ten qualified referrals past their holding period make one credit, and each
company's progress toward its next one.

Settlement posts to the ledger (server.network.credits) under the company row lock, so
repeated or concurrent runs never count a referral twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from server.config import get_settings
from server.errors import NotFound
from server.models import Company, CreditEntry, CreditKind, Referral, ReferralReview, ReferralStatus
from server.network.credits import post
from server.webhooks import emitters

REFERRALS_PER_CREDIT = 10
# Referrals held for the operator's review (server.network.referral_fraud) or rejected never settle.
SETTLING_REVIEWS = (ReferralReview.NONE, ReferralReview.APPROVED)


@dataclass(frozen=True)
class Progress:
    """Where a company stands on its way to the next credit."""

    qualified: int  # referrals that ever qualified (QUALIFIED + SETTLED)
    settled: int  # referrals already counted in a credit
    toward_next_credit: int  # QUALIFIED, waiting for settlement (0-9 once settled)
    credits_earned: int  # SETTLEMENT entries


def settlement_key(company_id: int, referral_ids: list[int]) -> str:
    """The business id of the credit earned by these referrals (disjoint sets: unique)."""
    return f"settlement:{company_id}:{referral_ids[0]}-{referral_ids[-1]}"


async def settle(company_id: int, *, holding: timedelta | None = None) -> list[CreditEntry]:
    """Turns every full ten of the company's unsettled QUALIFIED referrals into one credit.

    Only referrals past the holding period (``referral_hold_hours`` after qualifying) and not
    held for or rejected by the operator's fraud review count.

    The remainder waits for the next run. Runs are serialised by the company row lock, and
    read the referrals after taking it, so concurrent or repeated runs never count a referral
    twice.

    Returns:
        The SETTLEMENT entries written by this run (empty when there was nothing to do).
    """
    written: list[CreditEntry] = []
    async with in_transaction("default"):
        if await Company.select_for_update(no_key=True).get_or_none(id=company_id) is None:
            raise NotFound("company")
        ids = await _lock_unsettled(company_id, holding)
        now = datetime.now(UTC)
        for start in range(0, len(ids) - REFERRALS_PER_CREDIT + 1, REFERRALS_PER_CREDIT):
            chunk = ids[start : start + REFERRALS_PER_CREDIT]
            entry, created = await post(
                company_id,
                1,
                CreditKind.SETTLEMENT,
                settlement_key(company_id, chunk),
                memo=f"{REFERRALS_PER_CREDIT} qualified referrals",
            )
            await Referral.filter(id__in=chunk).update(
                status=ReferralStatus.SETTLED, settlement_id=entry.id, settled_at=now
            )
            if created:
                written.append(entry)
                await emitters.credit_settled(entry, chunk)
    return written


def _settles_before(holding: timedelta | None = None) -> datetime:
    """Referrals that qualified before this have waited the holding period (the setting's
    unless ``holding`` is given)."""
    if holding is None:
        holding = timedelta(hours=get_settings().referral_hold_hours)
    return datetime.now(UTC) - holding


async def _lock_unsettled(company_id: int, holding: timedelta | None) -> list[int]:
    rows = (
        await Referral.filter(
            company_id=company_id,
            status=ReferralStatus.QUALIFIED,
            settlement_id__isnull=True,
            review__in=SETTLING_REVIEWS,
            qualified_at__lte=_settles_before(holding),
        )
        .select_for_update()
        .order_by("id")
        .values_list("id", flat=True)
    )
    return list(rows)


async def companies_due() -> list[int]:
    """Companies holding at least ten unsettled QUALIFIED referrals, by id."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT company_id FROM referral WHERE status = $1 AND settlement_id IS NULL "
        "AND review = ANY($3::text[]) AND qualified_at <= $4 "
        "GROUP BY company_id HAVING count(*) >= $2 ORDER BY company_id",
        [
            ReferralStatus.QUALIFIED.value,
            REFERRALS_PER_CREDIT,
            [r.value for r in SETTLING_REVIEWS],
            _settles_before(),
        ],
    )
    return [r["company_id"] for r in rows]


async def settle_due() -> int:
    """Settles every company that is due, one short transaction each; returns credits written."""
    total = 0
    for company_id in await companies_due():
        total += len(await settle(company_id))
    return total


_PROGRESS_SQL = """
SELECT c.id AS company_id,
  count(r.id) FILTER (WHERE r.status IN ('QUALIFIED', 'SETTLED')) AS qualified,
  count(r.id) FILTER (WHERE r.status = 'SETTLED') AS settled,
  count(r.id) FILTER (WHERE r.status = 'QUALIFIED') AS waiting,
  (SELECT count(*) FROM credit_entry e WHERE e.company_id = c.id AND e.kind = 'SETTLEMENT')
    AS earned
FROM unnest($1::bigint[]) AS c(id) LEFT JOIN referral r ON r.company_id = c.id
GROUP BY c.id
"""


async def progress(company_id: int) -> Progress:
    """The company's qualified referrals and credits earned from them."""
    return (await progress_many([company_id]))[company_id]


async def progress_many(company_ids: list[int]) -> dict[int, Progress]:
    """``progress`` of several companies in one statement."""
    rows = await connections.get("default").execute_query_dict(_PROGRESS_SQL, [list(company_ids)])
    return {
        row["company_id"]: Progress(
            qualified=row["qualified"],
            settled=row["settled"],
            toward_next_credit=row["waiting"],
            credits_earned=row["earned"],
        )
        for row in rows
    }
