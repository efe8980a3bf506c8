"""Stateful property test of the credit ledger: any sequence of qualifying referrals,
(concurrent) settlements, spends, refunds, retries and introductions (requested, accepted,
declined, expired, also racing the expiry cron) keeps the ledger consistent.

Hypothesis rules are synchronous, so the machine runs in a worker thread and hands each
piece of async work to the test's event loop (where Tortoise's connections live).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from tortoise import connections

from server.candidates import consent
from server.errors import DomainError, ErrorCode
from server.models import (
    Candidate,
    Company,
    CreditEntry,
    CreditKind,
    Introduction,
    IntroductionStatus,
    Opening,
    Referral,
    ReferralStatus,
)
from server.network import credits, introduction_answers, introductions, settlement
from server.principal import Principal
from tests.server.test_credits import qualify

T = TypeVar("T")
COMPANIES = ("A", "B")
SETTINGS = settings(
    max_examples=12,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


REFUNDED = (IntroductionStatus.DECLINED, IntroductionStatus.EXPIRED)


@dataclass
class Intro:
    """The machine's model of one introduction."""

    id: int
    company: str
    expires_at: datetime
    status: IntroductionStatus = IntroductionStatus.REQUESTED


@dataclass(frozen=True)
class Posted:
    """A ledger post the machine made, to retry or refund later."""

    company: str
    delta: int
    kind: CreditKind
    key: str


async def new_company(name: str) -> int:
    token = secrets.token_hex(8)
    company = await Company.create(name=name, slug=f"prop-{token}", join_code=token)
    return company.id


async def new_opening(company_id: int) -> int:
    return (await Opening.create(company_id=company_id, title="prop")).id


async def new_candidate() -> int:
    email = f"{secrets.token_hex(8)}@example.jp"
    candidate = await Candidate.create(email=email, email_normalized=email, headline="x")
    await consent.record(
        candidate, consent.ConsentScope.NETWORK_SHARING, True, source="test", company_id=None
    )
    return candidate.id


async def request_introduction(company_id: int, opening_id: int) -> Introduction:
    principal = Principal(api_key_id=None, company_id=company_id)
    return await introductions.request(principal, opening_id, await new_candidate())


async def settle_concurrently(company_id: int, runs: int) -> int:
    """``runs`` settlements at once, each in its own task (so its own connection)."""
    results = await asyncio.gather(*(settlement.settle(company_id) for _ in range(runs)))
    return sum(len(r) for r in results)


async def status_of(introduction_id: int) -> IntroductionStatus:
    return IntroductionStatus((await Introduction.get(id=introduction_id)).status)


async def candidate_of(introduction_id: int) -> int:
    return (await Introduction.get(id=introduction_id)).candidate_id


async def gather(jobs: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    return await asyncio.gather(*jobs)


async def rows(sql: str, ids: list[int]) -> list[dict[str, Any]]:
    return await connections.get("default").execute_query_dict(sql, [ids])


_BALANCES = """
SELECT c.id, c.credit_balance AS stored, COALESCE(sum(e.delta), 0) AS computed,
       count(e.id) FILTER (WHERE e.kind = 'SETTLEMENT') AS earned
FROM company c LEFT JOIN credit_entry e ON e.company_id = c.id
WHERE c.id = ANY($1) GROUP BY c.id
"""
_SETTLEMENT_SIZES = """
SELECT e.id, count(r.id) AS referrals, bool_and(r.company_id = e.company_id) AS same_company,
       bool_and(r.status = 'SETTLED' AND r.settled_at IS NOT NULL) AS all_settled
FROM credit_entry e LEFT JOIN referral r ON r.settlement_id = e.id
WHERE e.kind = 'SETTLEMENT' AND e.company_id = ANY($1) GROUP BY e.id
"""
_REFUNDS = """
SELECT refund.id AS refund_id, count(spend.id) AS spends
FROM credit_entry refund LEFT JOIN credit_entry spend
  ON spend.kind = 'INTRODUCTION' AND spend.company_id = refund.company_id
 AND refund.idempotency_key = 'refund:' || spend.idempotency_key
WHERE refund.kind = 'REFUND' AND refund.company_id = ANY($1) GROUP BY refund.id
"""
_INTRODUCTIONS = """
SELECT i.id, i.status, s.delta AS spent, s.idempotency_key AS spend_key,
       r.delta AS refunded, r.idempotency_key AS refund_key
FROM introduction i JOIN credit_entry s ON s.id = i.spend_entry_id
LEFT JOIN credit_entry r ON r.id = i.refund_entry_id
WHERE i.company_id = ANY($1)
"""


def make_machine(loop: asyncio.AbstractEventLoop) -> type[RuleBasedStateMachine]:
    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    class LedgerMachine(RuleBasedStateMachine):
        spends = Bundle("spends")
        posts = Bundle("posts")
        intros = Bundle("intros")

        def __init__(self) -> None:
            super().__init__()
            # Fresh companies per example: tables are only emptied after the whole test.
            self.ids = {name: run(new_company(f"Prop {name}")) for name in COMPANIES}
            self.qualified = dict.fromkeys(COMPANIES, 0)
            self.earned = dict.fromkeys(COMPANIES, 0)
            self.balance = dict.fromkeys(COMPANIES, 0)
            self.openings = {name: run(new_opening(self.ids[name])) for name in COMPANIES}
            self.model: dict[int, Intro] = {}

        @rule(company=st.sampled_from(COMPANIES), n=st.integers(1, 12))
        def qualify_referrals(self, company: str, n: int) -> None:
            run(qualify(self.ids[company], n))
            self.qualified[company] += n

        @rule(company=st.sampled_from(COMPANIES), runs=st.integers(1, 4))
        def settle(self, company: str, runs: int) -> None:
            written = run(settle_concurrently(self.ids[company], runs))

            due = self.qualified[company] // settlement.REFERRALS_PER_CREDIT
            assert written == due - self.earned[company]
            self.earned[company] = due
            self.balance[company] += written
            progress = run(settlement.progress(self.ids[company]))
            assert progress.credits_earned == due
            assert progress.toward_next_credit == (
                self.qualified[company] % settlement.REFERRALS_PER_CREDIT
            )

        @rule(targets=(spends, posts), company=st.sampled_from(COMPANIES))
        def spend(self, company: str):
            posted = Posted(company, -1, CreditKind.INTRODUCTION, f"spend:{secrets.token_hex(8)}")
            try:
                _, created = run(self._post(posted))
            except DomainError as error:
                assert self.balance[company] == 0
                assert [e.code for e in error.errors] == [ErrorCode.INSUFFICIENT_CREDITS]
                return multiple()
            assert self.balance[company] > 0 and created
            self.balance[company] -= 1
            return posted

        @rule(target=posts, spent=consumes(spends))
        def refund(self, spent: Posted) -> Posted:
            posted = Posted(spent.company, 1, CreditKind.REFUND, f"refund:{spent.key}")
            _, created = run(self._post(posted))
            assert created
            self.balance[spent.company] += 1
            return posted

        @rule(posted=posts)
        def retry(self, posted: Posted) -> None:
            entry, created = run(self._post(posted))
            assert not created
            assert (entry.idempotency_key, entry.delta) == (posted.key, posted.delta)

        @initialize(a=st.integers(0, 3), b=st.integers(0, 3))
        def start_with_credits(self, a: int, b: int) -> None:
            """Most examples start with a few credits, so introductions happen early."""
            for company, n in zip(COMPANIES, (a, b), strict=True):
                if n:
                    self.grant(company, n)

        @rule(company=st.sampled_from(COMPANIES), n=st.integers(1, 2))
        def grant(self, company: str, n: int) -> None:
            key = f"grant:{secrets.token_hex(8)}"
            run(credits.post(self.ids[company], n, CreditKind.ADJUSTMENT, key))
            self.balance[company] += n

        @rule(target=intros, company=st.sampled_from(COMPANIES))
        def request(self, company: str):
            try:
                row = run(request_introduction(self.ids[company], self.openings[company]))
            except DomainError as error:
                assert self.balance[company] == 0
                assert [e.code for e in error.errors] == [ErrorCode.INSUFFICIENT_CREDITS]
                return multiple()
            assert self.balance[company] > 0
            self.balance[company] -= 1
            self.model[row.id] = Intro(row.id, company, row.expires_at)
            event("introduction requested")
            return row.id

        @rule(intro=intros, accept=st.booleans())
        def answer(self, intro: int, accept: bool) -> None:
            model = self.model[intro]
            wanted = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
            candidate_id = run(candidate_of(intro))
            try:
                run(introduction_answers.respond(candidate_id, intro, accept))
            except DomainError as error:
                assert model.status not in (IntroductionStatus.REQUESTED, wanted)
                assert [e.code for e in error.errors] == [ErrorCode.WRONG_STATE]
                return
            assert model.status in (IntroductionStatus.REQUESTED, wanted)
            if model.status == IntroductionStatus.REQUESTED and not accept:
                self.balance[model.company] += 1
            model.status = wanted

        @rule(intro=intros, runs=st.integers(1, 3), race_decline=st.booleans())
        def expire(self, intro: int, runs: int, race_decline: bool) -> None:
            """The cron (``runs`` at once) at this introduction's deadline, optionally racing
            the candidate's decline of it: either way the credit comes back once."""
            now = self.model[intro].expires_at + timedelta(seconds=1)
            jobs = [introduction_answers.expire_due(now) for _ in range(runs)]
            candidate_id = run(candidate_of(intro))
            if race_decline:
                jobs.append(self._decline_quietly(candidate_id, intro))
            run(gather(jobs))
            raced = self.model[intro]
            if race_decline and raced.status == IntroductionStatus.REQUESTED:
                raced.status = run(status_of(intro))
                assert raced.status in REFUNDED
                self.balance[raced.company] += 1
            for model in self.model.values():
                if model.status == IntroductionStatus.REQUESTED and model.expires_at <= now:
                    model.status = IntroductionStatus.EXPIRED
                    self.balance[model.company] += 1
                    event("introduction expired")

        async def _decline_quietly(self, candidate_id: int, intro: int) -> int:
            try:
                await introduction_answers.respond(candidate_id, intro, False)
            except DomainError as error:  # the cron was first, or the answer was given
                assert [e.code for e in error.errors] == [ErrorCode.WRONG_STATE]
            return 0

        async def _post(self, posted: Posted) -> tuple[CreditEntry, bool]:
            return await credits.post(
                self.ids[posted.company], posted.delta, posted.kind, posted.key
            )

        @invariant()
        def ledger_is_consistent(self) -> None:
            run(self._check())

        async def _check(self) -> None:
            ids = list(self.ids.values())
            by_id = {row["id"]: row for row in await rows(_BALANCES, ids)}
            for name, company_id in self.ids.items():
                row = by_id[company_id]
                assert row["stored"] == row["computed"] == self.balance[name] >= 0
                assert row["earned"] == self.earned[name]
                assert row["earned"] <= self.qualified[name] // settlement.REFERRALS_PER_CREDIT
            assert not [m for m in await credits.ledger_check() if m.company_id in ids]
            await self._check_settlements(ids)
            refunds = await rows(_REFUNDS, ids)
            assert all(r["spends"] == 1 for r in refunds)
            await self._check_introductions(ids)

        async def _check_introductions(self, ids: list[int]) -> None:
            found = {r["id"]: r for r in await rows(_INTRODUCTIONS, ids)}
            assert set(found) == set(self.model)
            for intro_id, model in self.model.items():
                row = found[intro_id]
                assert row["status"] in (model.status, model.status.value)
                assert (row["spent"], row["spend_key"]) == (-1, f"introduction:{intro_id}")
                if model.status in REFUNDED:
                    assert (row["refunded"], row["refund_key"]) == (
                        1,
                        f"refund:introduction:{intro_id}",
                    )
                else:
                    assert row["refunded"] is None

        async def _check_settlements(self, ids: list[int]) -> None:
            sizes = await rows(_SETTLEMENT_SIZES, ids)
            assert all(
                s["referrals"] == settlement.REFERRALS_PER_CREDIT
                and s["same_company"]
                and s["all_settled"]
                for s in sizes
            )
            settled = Referral.filter(company_id__in=ids, status=ReferralStatus.SETTLED)
            assert await settled.count() == len(sizes) * settlement.REFERRALS_PER_CREDIT
            assert not await settled.filter(settlement_id__isnull=True).exists()
            assert not await Referral.filter(
                company_id__in=ids, status=ReferralStatus.QUALIFIED, settlement_id__isnull=False
            ).exists()

    return LedgerMachine


async def test_ledger_stays_consistent_under_any_sequence(app):
    machine = make_machine(asyncio.get_running_loop())

    await asyncio.to_thread(run_state_machine_as_test, machine, settings=SETTINGS)
