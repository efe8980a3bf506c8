"""Introduction credits: the append-only ledger, operator adjustments and the ledger check
(settlement, ten referrals for one credit: server.network.settlement).

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

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit, idempotency
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import Company, CreditEntry, CreditKind
from server.principal import Principal
from server.text import normalize

MAX_MEMO_LENGTH = 500
MAX_ADJUSTMENT = 1000
MAX_KEY_LENGTH = 200  # CreditEntry.idempotency_key


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
