"""The credit ledger: posting, settlement (ten for one), adjustments and the ledger check."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from arq.worker import Worker
from tortoise import connections
from tortoise.transactions import in_transaction

from server.errors import DomainError, ErrorCode
from server.models import (
    AuditEvent,
    Company,
    CreditEntry,
    CreditKind,
    Referral,
    ReferralStatus,
)
from server.network import credits, settlement
from server.principal import Principal
from tests.fixtures.graphql import OPERATOR
from workers.network.credits import settle_credits
from workers.settings import CRON_JOBS, worker_settings


async def qualify(company_id: int, n: int) -> list[Referral]:
    """Inserts ``n`` QUALIFIED referrals of the company, as registration leaves them."""
    now = datetime.now(UTC)
    rows = [
        Referral(
            company_id=company_id,
            email_normalized=f"{secrets.token_hex(6)}@example.jp",
            token_hash=secrets.token_hex(32),
            status=ReferralStatus.QUALIFIED,
            expires_at=now + timedelta(days=180),
            qualified_at=now,
        )
        for _ in range(n)
    ]
    await Referral.bulk_create(rows)
    return rows


async def balance(company_id: int) -> int:
    return (await Company.get(id=company_id)).credit_balance


async def test_settle_turns_every_full_ten_into_one_credit(company_a):
    # given
    await qualify(company_a.company_id, 25)

    # when
    written = await settlement.settle(company_a.company_id)

    # then
    assert [(e.delta, e.kind, e.balance_after) for e in written] == [
        (1, CreditKind.SETTLEMENT, 1),
        (1, CreditKind.SETTLEMENT, 2),
    ]
    assert await balance(company_a.company_id) == 2
    assert await Referral.filter(status=ReferralStatus.SETTLED).count() == 20
    waiting = await Referral.filter(status=ReferralStatus.QUALIFIED, settlement_id=None)
    assert len(waiting) == 5
    for entry in written:
        settled = await Referral.filter(settlement_id=entry.id)
        assert len(settled) == 10
        assert all(r.status == ReferralStatus.SETTLED and r.settled_at for r in settled)
    assert await settlement.progress(company_a.company_id) == settlement.Progress(
        qualified=25, settled=20, toward_next_credit=5, credits_earned=2
    )


async def test_settle_again_writes_nothing_new(company_a):
    await qualify(company_a.company_id, 25)
    await settlement.settle(company_a.company_id)

    again = await settlement.settle(company_a.company_id)

    assert again == []
    assert await CreditEntry.filter(kind=CreditKind.SETTLEMENT).count() == 2
    assert await balance(company_a.company_id) == 2


async def test_concurrent_settlements_never_credit_twice(company_a):
    await qualify(company_a.company_id, 25)

    runs = await asyncio.gather(*(settlement.settle(company_a.company_id) for _ in range(5)))

    assert sum(len(r) for r in runs) == 2
    assert await CreditEntry.filter(kind=CreditKind.SETTLEMENT).count() == 2
    assert await balance(company_a.company_id) == 2
    assert await Referral.filter(status=ReferralStatus.SETTLED).count() == 20
    assert await credits.ledger_check() == []


async def test_remainder_is_settled_once_it_makes_ten(company_a):
    await qualify(company_a.company_id, 25)
    await settlement.settle(company_a.company_id)

    await qualify(company_a.company_id, 5)
    written = await settlement.settle(company_a.company_id)

    assert len(written) == 1
    progress = await settlement.progress(company_a.company_id)
    assert (progress.qualified, progress.settled, progress.toward_next_credit) == (30, 30, 0)
    assert progress.credits_earned == 3


async def test_settle_only_counts_the_company_s_own_referrals(company_a, company_b):
    await qualify(company_a.company_id, 9)
    await qualify(company_b.company_id, 10)

    assert await settlement.settle(company_a.company_id) == []
    assert len(await settlement.settle(company_b.company_id)) == 1
    assert (await balance(company_a.company_id), await balance(company_b.company_id)) == (0, 1)


async def test_post_refuses_a_negative_balance_and_writes_nothing(company_a):
    with pytest.raises(DomainError) as raised:
        await credits.post(company_a.company_id, -1, CreditKind.INTRODUCTION, "spend:1")

    assert [e.code for e in raised.value.errors] == [ErrorCode.INSUFFICIENT_CREDITS]
    assert await CreditEntry.all().count() == 0
    assert await balance(company_a.company_id) == 0


async def test_post_twice_with_one_key_writes_one_entry(company_a):
    first, created = await credits.post(
        company_a.company_id, 3, CreditKind.ADJUSTMENT, "grant:1", memo="welcome"
    )
    again, created_again = await credits.post(
        company_a.company_id, 3, CreditKind.ADJUSTMENT, "grant:1", memo="welcome"
    )

    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert await CreditEntry.all().count() == 1
    assert await balance(company_a.company_id) == 3


async def test_post_key_reused_for_another_entry_is_refused(company_a, company_b):
    await credits.post(company_a.company_id, 1, CreditKind.ADJUSTMENT, "grant:1")

    for company_id, delta in ((company_b.company_id, 1), (company_a.company_id, 2)):
        with pytest.raises(DomainError) as raised:
            await credits.post(company_id, delta, CreditKind.ADJUSTMENT, "grant:1")
        assert raised.value.errors[0].code == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert await CreditEntry.all().count() == 1


async def test_post_joins_the_caller_s_transaction(company_a):
    with pytest.raises(RuntimeError):
        async with in_transaction("default"):
            await credits.post(company_a.company_id, 1, CreditKind.ADJUSTMENT, "grant:1")
            raise RuntimeError("the caller fails after posting")

    assert await CreditEntry.all().count() == 0
    assert await balance(company_a.company_id) == 0


async def test_concurrent_spends_never_go_below_zero(company_a):
    await credits.post(company_a.company_id, 2, CreditKind.ADJUSTMENT, "grant:1")

    async def spend(i: int) -> bool:
        try:
            await credits.post(company_a.company_id, -1, CreditKind.INTRODUCTION, f"spend:{i}")
        except DomainError:
            return False
        return True

    results = await asyncio.gather(*(spend(i) for i in range(5)))

    assert sum(results) == 2
    assert await balance(company_a.company_id) == 0
    assert await credits.ledger_check() == []


async def test_adjust_is_audited_and_idempotent(company_a):
    principal = OPERATOR

    entry = await credits.adjust(principal, company_a.company_id, 5, " goodwill ", "adj-1")
    again = await credits.adjust(principal, company_a.company_id, 5, "goodwill", "adj-1")

    assert again.id == entry.id
    assert (entry.kind, entry.delta, entry.memo) == (CreditKind.ADJUSTMENT, 5, "goodwill")
    events = await AuditEvent.filter(action="credits.adjust")
    assert len(events) == 1
    assert events[0].data["idempotency_key"] == "adj-1"
    with pytest.raises(DomainError) as raised:
        await credits.adjust(principal, company_a.company_id, 5, "other memo", "adj-1")
    assert raised.value.errors[0].code == ErrorCode.IDEMPOTENCY_KEY_REUSED


async def test_adjust_validates_and_never_goes_negative(company_a):
    with pytest.raises(DomainError) as raised:
        await credits.adjust(OPERATOR, company_a.company_id, 0, " ")
    assert sorted((e.field[0], e.code) for e in raised.value.errors) == [
        ("delta", ErrorCode.INVALID),
        ("memo", ErrorCode.REQUIRED),
    ]
    with pytest.raises(DomainError) as raised:
        await credits.adjust(OPERATOR, company_a.company_id, -1, "take one back")
    assert [(e.field, e.code) for e in raised.value.errors] == [
        (["delta"], ErrorCode.INSUFFICIENT_CREDITS)
    ]
    company = Principal(api_key_id=None, company_id=company_a.company_id)
    with pytest.raises(DomainError) as raised:
        await credits.adjust(company, company_a.company_id, 1, "self-service")
    assert raised.value.errors[0].code == ErrorCode.FORBIDDEN
    assert await CreditEntry.all().count() == 0


async def test_ledger_is_scoped_to_the_caller(company_a, company_b):
    await credits.post(company_a.company_id, 1, CreditKind.ADJUSTMENT, "a")
    await credits.post(company_b.company_id, 1, CreditKind.ADJUSTMENT, "b")
    as_a = Principal(api_key_id=None, company_id=company_a.company_id)

    assert [e.idempotency_key for e in await credits.ledger(as_a)] == ["a"]
    assert await credits.ledger(as_a, company_b.company_id).count() == 0
    assert await credits.ledger(OPERATOR).count() == 2
    assert [e.idempotency_key for e in await credits.ledger(OPERATOR, company_b.company_id)] == [
        "b"
    ]


async def test_ledger_check_finds_a_tampered_balance(company_a, company_b):
    await credits.post(company_a.company_id, 3, CreditKind.ADJUSTMENT, "grant:a")
    await credits.post(company_b.company_id, 1, CreditKind.ADJUSTMENT, "grant:b")
    assert await credits.ledger_check() == []

    await connections.get("default").execute_query(
        "UPDATE company SET credit_balance = 7 WHERE id = $1", [company_a.company_id]
    )

    assert await credits.ledger_check() == [
        credits.Mismatch(
            company_id=company_a.company_id, stored=7, computed=3, chain_consistent=True
        )
    ]


async def test_ledger_check_finds_a_broken_chain(company_a):
    await credits.post(company_a.company_id, 3, CreditKind.ADJUSTMENT, "grant:1")
    await credits.post(company_a.company_id, -1, CreditKind.INTRODUCTION, "spend:1")

    await connections.get("default").execute_query(
        "UPDATE credit_entry SET balance_after = 4 WHERE idempotency_key = 'grant:1'"
    )

    [mismatch] = await credits.ledger_check()
    assert (mismatch.stored, mismatch.computed, mismatch.chain_consistent) == (2, 2, False)


async def test_settle_credits_job_settles_one_company(redis, company_a):
    await qualify(company_a.company_id, 12)
    job = await redis.enqueue_job("settle_credits", company_a.company_id)
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))

    await worker.main()

    # (qualifying also queued other jobs, e.g. webhook dispatch; none may fail)
    assert worker.jobs_failed == 0
    assert await job.result(timeout=1) == 1
    assert await balance(company_a.company_id) == 1
    await worker.close()


async def test_settle_credits_job_without_company_settles_every_due_company(
    redis, company_a, company_b, make_company
):
    idle = await make_company("Idle KK")
    await qualify(company_a.company_id, 20)
    await qualify(company_b.company_id, 11)
    await qualify(idle.company_id, 9)
    jobs = [await redis.enqueue_job("settle_credits"), await redis.enqueue_job("settle_credits")]
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))

    await worker.main()

    # the two runs may overlap: together they write each credit once
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
    assert sum([await j.result(timeout=1) for j in jobs]) == 3
    balances = [await balance(c.company_id) for c in (company_a, company_b, idle)]
    assert balances == [2, 1, 0]
    await worker.close()


async def test_settle_credits_job_for_a_missing_company_does_nothing(redis):
    await redis.enqueue_job("settle_credits", 999_999)
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))

    await worker.main()

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    await worker.close()


def test_settlement_cron_runs_every_ten_minutes_once_across_workers():
    [job] = [c for c in CRON_JOBS if c.coroutine is settle_credits]

    assert job.unique and job.run_at_startup
    assert job.minute == {0, 10, 20, 30, 40, 50}
