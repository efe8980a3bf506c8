"""Introductions (flow 6): a company spends one credit to ask a matched candidate to meet.

Life of an introduction::

    REQUESTED ──accept──> ACCEPTED ──mark_hired──> (hired_at set)
        │──decline / consent withdrawn / erased──> DECLINED  + REFUND
        └──14 days without an answer (cron)──────> EXPIRED   + REFUND

The spend (``introduction:<id>``, -1) and the refund (``refund:introduction:<id>``, +1) are
ledger entries keyed by the introduction, so a retry never posts twice and every refund
matches exactly one spend. Lock order everywhere: candidate, then introduction, then the
company (inside ``credits.post``, ``FOR NO KEY UPDATE``: the introduction inserted before
holds a KEY SHARE lock on it, which that lock does not wait for), so requests, answers,
withdrawals and the expiry cron never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit, idempotency
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    Introduction,
    IntroductionStatus,
    Opening,
    OpeningStatus,
)
from server.network import credits, eligibility
from server.network.introduction_mails import queue_mail
from server.principal import Permission, Principal

EXPIRY = timedelta(days=14)
CONTACT_ITEMS = ["name", "email"]
OPEN = IntroductionStatus.REQUESTED


@dataclass(frozen=True)
class Contact:
    """What an accepted introduction gives the company."""

    name: str
    email: str


def spend_key(introduction_id: int) -> str:
    return f"introduction:{introduction_id}"


def refund_key(introduction_id: int) -> str:
    return f"refund:{spend_key(introduction_id)}"


def scoped(principal: Principal) -> QuerySet[Introduction]:
    """The caller's company's introductions only."""
    return Introduction.filter(company_id=principal.require_company())


async def get(principal: Principal, introduction_id: int) -> Introduction:
    row = await scoped(principal).get_or_none(id=introduction_id)
    if row is None:
        raise NotFound("introduction", ["introductionId"])
    return row


async def request(
    principal: Principal,
    opening_id: int,
    candidate_id: int,
    idempotency_key: str | None = None,
    *,
    redis: ArqRedis | None = None,
) -> Introduction:
    """Spends one credit and mails the candidate a request to meet, for one of the caller's
    open openings.

    A retry with the same ``idempotency_key`` returns the first introduction and spends
    nothing; the same key with another opening or candidate is refused.

    Raises:
        DomainError: NOT_FOUND (an opening that is not the caller's), WRONG_STATE (a closed
            opening), NOT_MATCHABLE (withdrawn, erased, paused, the company's own applicant,
            already introduced), INSUFFICIENT_CREDITS (nothing is written),
            IDEMPOTENCY_KEY_REUSED; FORBIDDEN (a viewer).
    """
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    asked = {"opening_id": opening_id, "candidate_id": candidate_id}

    async def work() -> dict[str, int]:
        introduction, mail_id = await _request(principal, company_id, opening_id, candidate_id)
        return {"introduction_id": introduction.id, "mail_id": mail_id}

    operation = "requestIntroduction"
    try:
        result = await idempotency.once(principal, operation, idempotency_key, asked, work)
    except DomainError as error:
        if idempotency_key is None or error.errors[0].code is not ErrorCode.NOT_MATCHABLE:
            raise
        # A concurrent call with this key may have introduced the candidate meanwhile: its
        # record answers the retry (or the candidate really is not matchable: raised again).
        result = await idempotency.once(principal, operation, idempotency_key, asked, work)
    if redis is not None:
        await outbox.enqueue_send(redis, [result["mail_id"]])
    return await Introduction.get(id=result["introduction_id"])


async def _request(
    principal: Principal, company_id: int, opening_id: int, candidate_id: int
) -> tuple[Introduction, int]:
    try:
        async with in_transaction("default"):
            opening = await Opening.get_or_none(id=opening_id, company_id=company_id)
            if opening is None:
                raise NotFound("opening", ["openingId"])
            if opening.status != OpeningStatus.OPEN:
                raise DomainError(ErrorCode.WRONG_STATE, "the opening is closed", ["openingId"])
            # The candidate's lock serialises this with their consent withdrawal and with a
            # concurrent request of the same company (which then sees this introduction).
            candidate = await Candidate.select_for_update().get_or_none(id=candidate_id)
            if candidate is None:
                raise _not_matchable()
            await eligibility.ensure_matchable(company_id, candidate_id, ["candidateId"])
            now = datetime.now(UTC)
            introduction = await Introduction.create(
                company_id=company_id,
                opening_id=opening.id,
                candidate_id=candidate.id,
                expires_at=now + EXPIRY,
            )
            entry, _ = await _spend(company_id, introduction.id)
            introduction.spend_entry_id = entry.id
            await introduction.save(update_fields=["spend_entry_id"])
            company = await Company.get(id=company_id)
            mail_id = await queue_mail(introduction, company, opening, candidate)
            await audit.record(
                principal,
                "introduction.request",
                "Introduction",
                introduction.id,
                opening_id=opening.id,
                candidate_id=candidate.id,
                credit_entry_id=entry.id,
            )
    except IntegrityError as error:
        # A concurrent request of this company for this candidate won the unique pair.
        if await Introduction.exists(company_id=company_id, candidate_id=candidate_id):
            raise _not_matchable() from error
        raise
    return introduction, mail_id


def _not_matchable() -> DomainError:
    return DomainError(
        ErrorCode.NOT_MATCHABLE,
        "this candidate cannot be introduced to your company",
        ["candidateId"],
    )


async def _spend(company_id: int, introduction_id: int):
    try:
        return await credits.post(
            company_id,
            -1,
            credits.CreditKind.INTRODUCTION,
            spend_key(introduction_id),
            memo=f"introduction #{introduction_id}",
        )
    except DomainError as error:
        if error.errors[0].code is ErrorCode.INSUFFICIENT_CREDITS:
            raise DomainError(
                ErrorCode.INSUFFICIENT_CREDITS,
                "no credit left: every ten qualified referrals earn one",
                [],
            ) from error
        raise


# --- the company's side after acceptance -------------------------------------------------


async def mark_hired(principal: Principal, introduction_id: int) -> Introduction:
    """Records that the company hired the person of an accepted introduction (idempotent).

    Raises:
        DomainError: NOT_FOUND (another company's), WRONG_STATE (not accepted), FORBIDDEN
            (a viewer).
    """
    principal.require(Permission.WRITE)
    async with in_transaction("default"):
        introduction = await scoped(principal).select_for_update().get_or_none(id=introduction_id)
        if introduction is None:
            raise NotFound("introduction", ["introductionId"])
        if introduction.status != IntroductionStatus.ACCEPTED:
            raise DomainError(
                ErrorCode.WRONG_STATE,
                "only an accepted introduction can be marked hired",
                ["introductionId"],
            )
        if introduction.hired_at is None:
            introduction.hired_at = datetime.now(UTC)
            await introduction.save(update_fields=["hired_at"])
            await audit.record(principal, "introduction.hired", "Introduction", introduction.id)
    return introduction


async def contacts(principal: Principal, introduction_ids: list[int]) -> dict[int, Contact]:
    """Name and email for the caller's ACCEPTED introductions among these ids.

    Nothing for another company's introduction, one not accepted, or an erased profile.
    """
    rows = await (
        scoped(principal)
        .filter(
            id__in=introduction_ids,
            status=IntroductionStatus.ACCEPTED,
            candidate__erased_at__isnull=True,
        )
        .select_related("candidate")
    )
    return {
        r.id: Contact(r.candidate.display_name, r.candidate.email or "")
        for r in rows
        if r.candidate.email
    }


async def introduced_candidates(
    principal: Principal, candidate_ids: list[int]
) -> dict[int, Candidate]:
    """Candidates among these ids that were introduced to the caller's company."""
    introduced = scoped(principal).filter(candidate_id__in=candidate_ids)
    rows = await Candidate.filter(id__in=Subquery(introduced.values("candidate_id")))
    return {c.id: c for c in rows}
