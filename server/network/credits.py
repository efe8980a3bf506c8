"""Introduction credits: the append-only ledger, settlement (ten referrals for one credit),
operator adjustments and the ledger check.

Every writer locks the company row (``FOR NO KEY UPDATE``), then anything else in primary-key
order, so balance updates are serialised per company and never deadlock. Not ``FOR UPDATE``:
a caller that inserted a row referencing the company in the same transaction (an
introduction) holds a KEY SHARE lock on it through the foreign key, and two such callers
would each wait for the other's KEY SHARE to upgrade.
Ledger rows are immutable and keyed by a deterministic business id: a retry finds the
existing entry and never posts twice.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit, idempotency
from server.config import get_settings
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import (
    Company,
    CreditEntry,
    CreditKind,
    Referral,
    ReferralReview,
    ReferralStatus,
)
from server.principal import Principal
from server.text import normalize
from server.webhooks import emitters

REFERRALS_PER_CREDIT = 10
# Referrals held for the operator's review (server.network.referral_fraud) or rejected never settle.
SETTLING_REVIEWS = (ReferralReview.NONE, ReferralReview.APPROVED)
MAX_MEMO_LENGTH = 500
MAX_ADJUSTMENT = 1000
MAX_KEY_LENGTH = 200  # CreditEntry.idempotency_key


@dataclass(frozen=True)
class Progress:
    """Where a company stands on its way to the next credit."""

    qualified: int  # referrals that ever qualified (QUALIFIED + SETTLED)
    settled: int  # referrals already counted in a credit
    toward_next_credit: int  # QUALIFIED, waiting for settlement (0-9 once settled)
    credits_earned: int  # SETTLEMENT entries


@dataclass(frozen=True)
class Mismatch:
    """A company whose stored balance disagrees with its ledger."""

    company_id: int
    stored: int  # Company.credit_balance
    computed: int  # SUM(delta) of its entries
    chain_consistent: bool  # every balance_after equals the running sum up to it


async def post(
    company_id: int,
    delta: int,
    kind: CreditKind,
    idempotency_key: str,
    *,
    memo: str = "",
    api_key_id: int | None = None,
) -> tuple[CreditEntry, bool]:
    """Appends one ledger entry and moves the company's balance, at most once per key.

    Runs inside the caller's transaction when there is one (as a savepoint).

    Returns:
        The entry and whether it was written now (False: the key existed, nothing changed).

    Raises:
        DomainError: INSUFFICIENT_CREDITS when the balance would go below zero (nothing is
            written); IDEMPOTENCY_KEY_REUSED when the key names another company, delta or
            kind; NOT_FOUND for an unknown company; INVALID for a zero delta.
    """
    if delta == 0:
        raise DomainError(ErrorCode.INVALID, "delta must not be 0", ["delta"])
    try:
        return await _post(company_id, delta, kind, idempotency_key, memo, api_key_id)
    except IntegrityError:
        # The key was taken concurrently under another company's lock.
        existing = await CreditEntry.get_or_none(idempotency_key=idempotency_key)
        if existing is None:
            raise
        _check_same(existing, company_id, delta, kind)
        return existing, False


async def _post(
    company_id: int,
    delta: int,
    kind: CreditKind,
    key: str,
    memo: str,
    api_key_id: int | None,
) -> tuple[CreditEntry, bool]:
    async with in_transaction("default"):
        company = await Company.select_for_update(no_key=True).get_or_none(id=company_id)
        if company is None:
            raise NotFound("company", ["companyId"])
        existing = await CreditEntry.get_or_none(idempotency_key=key)
        if existing is not None:
            _check_same(existing, company_id, delta, kind)
            return existing, False
        balance_after = company.credit_balance + delta
        if balance_after < 0:
            raise DomainError(
                ErrorCode.INSUFFICIENT_CREDITS,
                f"not enough credits: the balance is {company.credit_balance}",
            )
        entry = await CreditEntry.create(
            company_id=company_id,
            delta=delta,
            kind=kind,
            idempotency_key=key,
            balance_after=balance_after,
            memo=memo[:MAX_MEMO_LENGTH],
            api_key_id=api_key_id,
        )
        company.credit_balance = balance_after
        await company.save(update_fields=["credit_balance"])
    return entry, True


def _check_same(entry: CreditEntry, company_id: int, delta: int, kind: CreditKind) -> None:
    if (entry.company_id, entry.delta, entry.kind) != (company_id, delta, kind):
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was used for another ledger entry",
            ["idempotencyKey"],
        )


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


def _validate_adjustment(delta: int, memo: str) -> None:
    errors = []
    if delta == 0:
        errors.append(FieldError(ErrorCode.INVALID, "delta must not be 0", ["delta"]))
    elif abs(delta) > MAX_ADJUSTMENT:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                f"delta is between -{MAX_ADJUSTMENT} and {MAX_ADJUSTMENT}",
                ["delta"],
            )
        )
    if not memo:
        errors.append(FieldError(ErrorCode.REQUIRED, "memo is required", ["memo"]))
    elif len(memo) > MAX_MEMO_LENGTH:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG, f"memo is at most {MAX_MEMO_LENGTH} characters", ["memo"]
            )
        )
    if errors:
        raise DomainError.many(errors)


def _adjustment_key(idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"adjustment:{uuid.uuid4().hex}"
    key = f"adjustment:{idempotency_key}"
    if len(key) > MAX_KEY_LENGTH:
        key = f"adjustment:sha256:{hashlib.sha256(idempotency_key.encode()).hexdigest()}"
    return key


async def adjust(
    principal: Principal,
    company_id: int,
    delta: int,
    memo: str,
    idempotency_key: str | None = None,
) -> CreditEntry:
    """Operator: adds or removes credits by hand, with a reason, audited.

    A retry with the same ``idempotency_key`` returns the first entry; the same key with
    another company, delta or memo is refused.

    Raises:
        DomainError: FORBIDDEN for a company key; REQUIRED / TOO_LONG memo; INVALID delta;
            NOT_FOUND company; INSUFFICIENT_CREDITS when the balance would go below zero;
            IDEMPOTENCY_KEY_REUSED.
    """
    principal.require_operator()
    memo = normalize(memo)
    _validate_adjustment(delta, memo)
    request = {"company_id": company_id, "delta": delta, "memo": memo}

    async def work() -> dict[str, int]:
        entry = await _adjust(principal, company_id, delta, memo, idempotency_key)
        return {"credit_entry_id": entry.id}

    result = await idempotency.once(principal, "adjust_credits", idempotency_key, request, work)
    return await CreditEntry.get(id=result["credit_entry_id"])


async def _adjust(
    principal: Principal, company_id: int, delta: int, memo: str, idempotency_key: str | None
) -> CreditEntry:
    key = _adjustment_key(idempotency_key)
    async with in_transaction("default"):
        try:
            entry, created = await post(
                company_id,
                delta,
                CreditKind.ADJUSTMENT,
                key,
                memo=memo,
                api_key_id=principal.api_key_id,
            )
        except DomainError as error:
            if error.errors[0].code is ErrorCode.INSUFFICIENT_CREDITS:
                raise DomainError(
                    ErrorCode.INSUFFICIENT_CREDITS, error.errors[0].message, ["delta"]
                ) from error
            raise
        if created:
            await audit.record(
                principal,
                "credits.adjust",
                "Company",
                company_id,
                delta=delta,
                memo=memo,
                credit_entry_id=entry.id,
                balance_after=entry.balance_after,
                idempotency_key=idempotency_key,
            )
    return entry


_LEDGER_CHECK_SQL = """
WITH running AS (
  SELECT company_id, delta, balance_after,
         sum(delta) OVER (PARTITION BY company_id ORDER BY id) AS running_sum
  FROM credit_entry
), per_company AS (
  SELECT company_id, sum(delta) AS computed, bool_and(balance_after = running_sum) AS chain_ok
  FROM running GROUP BY company_id
)
SELECT c.id AS company_id, c.credit_balance AS stored,
       COALESCE(p.computed, 0) AS computed, COALESCE(p.chain_ok, true) AS chain_ok
FROM company c LEFT JOIN per_company p ON p.company_id = c.id
WHERE c.credit_balance <> COALESCE(p.computed, 0) OR NOT COALESCE(p.chain_ok, true)
ORDER BY c.id
"""


async def ledger_check() -> list[Mismatch]:
    """Companies whose stored balance or balance_after chain disagrees with the entries."""
    rows = await connections.get("default").execute_query_dict(_LEDGER_CHECK_SQL)
    return [
        Mismatch(
            company_id=r["company_id"],
            stored=r["stored"],
            computed=int(r["computed"]),
            chain_consistent=r["chain_ok"],
        )
        for r in rows
    ]


def ledger(principal: Principal, company_id: int | None = None) -> QuerySet[CreditEntry]:
    """Ledger entries the caller may read: its company's; operators any (or one company's).

    A company naming another company's id gets nothing, as if it did not exist.
    """
    query = CreditEntry.all()
    if not principal.is_operator:
        query = query.filter(company_id=principal.require_company())
    if company_id is not None:
        query = query.filter(company_id=company_id)
    return query
