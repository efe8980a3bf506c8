"""Answers to an introduction: the answer page, accept (the contact handed over, a provision
record) and decline, and the closings that refund the credit (consent withdrawn, erased,
no answer in 14 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from server import audit, tokens
from server.applications import opening_view
from server.errors import DomainError, ErrorCode, NotFound
from server.models import (
    Candidate,
    Company,
    Introduction,
    IntroductionStatus,
    Locale,
    Opening,
    ProvisionRecord,
    TokenPurpose,
)
from server.network import credits
from server.network.introductions import CONTACT_ITEMS, OPEN, refund_key
from server.webhooks import emitters

EXPIRE_BATCH = 500


# --- answering, expiring, withdrawing -----------------------------------------------------


@dataclass
class AnswerPage:
    """What the mailed accept/decline link shows."""

    introduction: Introduction
    company_name: str
    opening_title: str
    opening: opening_view.OpeningView | None = None

    @property
    def open(self) -> bool:
        return self.introduction.status == OPEN and self.introduction.expires_at > datetime.now(UTC)


async def for_token(raw: str, locale: Locale | str = Locale.JA) -> AnswerPage:
    """The introduction a mailed link belongs to (reads only: mail scanners prefetch links).

    Raises:
        DomainError: NOT_FOUND (unknown link, erased profile), EXPIRED.
    """
    if not raw or len(raw) > 200:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    token = await tokens.find(raw, TokenPurpose.INTRODUCTION)
    introduction = await Introduction.get_or_none(
        id=(token.data or {}).get("introduction_id", 0),
        candidate_id=token.candidate_id,  # type: ignore[attr-defined]
        candidate__erased_at__isnull=True,
    )
    if introduction is None:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    company = await Company.get(id=introduction.company_id)
    opening = await Opening.get(id=introduction.opening_id)
    details = await opening_view.view(opening, company, locale)
    return AnswerPage(introduction, company.name, opening.title, details)


async def respond(candidate_id: int, introduction_id: int, accept: bool) -> Introduction:
    """The candidate accepts or declines a request (repeating the same answer is a no-op).

    Accepting hands the company the candidate's name and email (a ProvisionRecord and an
    audit event are written); declining refunds the company's credit.

    Raises:
        DomainError: NOT_FOUND (not this person's request, erased profile), WRONG_STATE
            (already answered otherwise, or expired).
    """
    wanted = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
    async with in_transaction("default"):
        candidate = await Candidate.select_for_update().get_or_none(
            id=candidate_id, erased_at__isnull=True
        )
        introduction = await Introduction.select_for_update().get_or_none(
            id=introduction_id, candidate_id=candidate_id
        )
        if candidate is None or introduction is None:
            raise NotFound("introduction", ["introduction"])
        if introduction.status == wanted:
            return introduction
        now = datetime.now(UTC)
        if introduction.status != OPEN or introduction.expires_at <= now:
            raise DomainError(
                ErrorCode.WRONG_STATE,
                "this request was already answered or has expired",
                ["introduction"],
            )
        if accept:
            await _accept(introduction, now, candidate)
        else:
            await _close(introduction, IntroductionStatus.DECLINED, now)
    return introduction


async def _accept(introduction: Introduction, now: datetime, candidate: Candidate) -> None:
    introduction.status = IntroductionStatus.ACCEPTED
    introduction.responded_at = now
    await introduction.save(update_fields=["status", "responded_at"])
    record = await ProvisionRecord.create(
        candidate_id=introduction.candidate_id,
        company_id=introduction.company_id,
        introduction_id=introduction.id,
        items=CONTACT_ITEMS,
    )
    await audit.record(
        None,
        "introduction.accept",
        "Introduction",
        introduction.id,
        company_id=introduction.company_id,
        candidate_id=introduction.candidate_id,
        provision_record_id=record.id,
        items=CONTACT_ITEMS,
    )
    contact = {"name": candidate.display_name, "email": candidate.email or ""}
    await emitters.introduction(introduction, contact)


async def _close(introduction: Introduction, status: IntroductionStatus, now: datetime) -> None:
    """DECLINED or EXPIRED, and the credit back (inside the caller's transaction, which holds
    the introduction's lock)."""
    entry, _ = await credits.post(
        introduction.company_id,
        1,
        credits.CreditKind.REFUND,
        refund_key(introduction.id),
        memo=f"introduction #{introduction.id} {status.value.lower()}",
    )
    introduction.status = status
    introduction.refund_entry_id = entry.id
    fields = ["status", "refund_entry_id"]
    if status == IntroductionStatus.DECLINED:
        introduction.responded_at = now
        fields.append("responded_at")
    await introduction.save(update_fields=fields)
    await emitters.introduction(introduction)


async def decline_open(candidate_id: int, now: datetime | None = None) -> list[int]:
    """Ends the candidate's open requests and refunds them (consent withdrawn, profile erased).

    Runs inside the caller's transaction, which holds the candidate's lock. A request past its
    expiry that the cron has not reached yet ends as EXPIRED, the others as DECLINED.

    Returns:
        The ids of the introductions ended now.
    """
    now = now or datetime.now(UTC)
    rows = (
        await Introduction.filter(candidate_id=candidate_id, status=OPEN)
        .select_for_update()
        .order_by("id")
    )
    for introduction in rows:
        expired = introduction.expires_at <= now
        status = IntroductionStatus.EXPIRED if expired else IntroductionStatus.DECLINED
        await _close(introduction, status, now)
    return [r.id for r in rows]


async def expire_due(now: datetime) -> int:
    """Every REQUESTED introduction past its expiry → EXPIRED with its credit refunded.

    One short transaction per introduction; rows another run (or the candidate's answer)
    holds are skipped (``SKIP LOCKED``) and the status is checked again under the lock, so
    concurrent and repeated runs refund once.

    Returns:
        The number of introductions this run expired.
    """
    expired, last_id = 0, 0
    while True:
        ids = await (
            Introduction.filter(status=OPEN, expires_at__lte=now, id__gt=last_id)
            .order_by("id")
            .limit(EXPIRE_BATCH)
            .values_list("id", flat=True)
        )
        for introduction_id in ids:
            expired += await _expire_one(introduction_id, now)
        if len(ids) < EXPIRE_BATCH:
            return expired
        last_id = ids[-1]


async def _expire_one(introduction_id: int, now: datetime) -> int:
    async with in_transaction("default"):
        introduction = (
            await Introduction.filter(id=introduction_id, status=OPEN, expires_at__lte=now)
            .select_for_update(skip_locked=True)
            .first()
        )
        if introduction is None:
            return 0
        await _close(introduction, IntroductionStatus.EXPIRED, now)
    return 1
