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

from server import audit, idempotency, timezones, tokens
from server.applications import opening_view
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    Introduction,
    IntroductionStatus,
    Locale,
    MailKind,
    Opening,
    OpeningStatus,
    ProvisionRecord,
    TokenPurpose,
)
from server.network import credits, eligibility
from server.principal import Principal
from server.webhooks import emitters

EXPIRY = timedelta(days=14)
CONTACT_ITEMS = ["name", "email"]
EXPIRE_BATCH = 500
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


# --- requesting ---------------------------------------------------------------------------

MAIL = {
    Locale.JA: (
        "【キャリアリレー】{company}から「{opening}」のご紹介リクエストが届きました",
        "{name}様\n\n"
        "キャリアリレーに共有いただいたプロフィールをご覧になった{company}から、"
        "求人「{opening}」について、{name}様にお会いしたいとのリクエストが届きました。\n\n"
        "{opening_details}\n\n"
        "承諾すると、お名前とメールアドレスを{company}にだけお伝えします。"
        "お断りした場合、企業に{name}様の情報が伝わることはありません。\n\n"
        "承諾する: {accept_url}\n"
        "お断りする: {decline_url}\n\n"
        "リンクを開くと確認画面が表示され、ボタンを押したときに回答が確定します。\n"
        "回答期限: {expires}（期限を過ぎると、リクエストは自動的に終了します）\n\n"
        "紹介リクエストの一覧、プロフィールや同意の変更はマイページから: {portal_url}\n\n"
        "キャリアリレー\n",
    ),
    Locale.EN: (
        "[Career Relay] {company} would like to meet you about “{opening}”",
        "Dear {name},\n\n"
        "{company} saw the profile you share on Career Relay and would like to meet you about "
        "their opening “{opening}”.\n\n"
        "{opening_details}\n\n"
        "If you accept, we give your name and email address to {company} only. If you "
        "decline, the company learns nothing about you.\n\n"
        "Accept: {accept_url}\n"
        "Decline: {decline_url}\n\n"
        "Each link opens a page to confirm; your answer counts when you press its button.\n"
        "Answer by: {expires} (after that the request ends by itself)\n\n"
        "Your requests, profile and consent are on My page: {portal_url}\n\n"
        "Career Relay\n",
    ),
}


def answer_url(raw: str, answer: str, locale: Locale) -> str:
    """The mailed link to the confirm page of one answer (``accept`` or ``decline``), in the
    candidate's language."""
    return f"{get_settings().public_url}/me/introductions/{raw}/{answer}?lang={locale.value}"


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
            IDEMPOTENCY_KEY_REUSED.
    """
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
            mail_id = await _queue_mail(introduction, company, opening, candidate)
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


async def _queue_mail(
    introduction: Introduction, company: Company, opening: Opening, candidate: Candidate
) -> int:
    locale = Locale(candidate.locale)
    raw = await tokens.issue(
        TokenPurpose.INTRODUCTION,
        email=candidate.email_normalized or "",
        candidate_id=candidate.id,
        company_id=company.id,
        data={"introduction_id": introduction.id},
        ttl=introduction.expires_at - datetime.now(UTC),
    )
    subject, body = MAIL[locale]
    values = {
        "name": candidate.display_name,
        "company": company.name,
        "opening": opening.title,
        "opening_details": opening_view.mail_text(
            await opening_view.view(opening, company, locale), locale
        ),
        "accept_url": answer_url(raw, "accept", locale),
        "decline_url": answer_url(raw, "decline", locale),
        "expires": _local_day(introduction.expires_at),
        "portal_url": f"{get_settings().public_url}/me",
    }
    message, _ = await outbox.queue_mail(
        kind=MailKind.INTRODUCTION,
        recipient=candidate.email or "",
        unsubscribe=await outbox.unsubscribe_url(candidate.email or ""),
        subject=subject.format(**values),
        body_text=body.format(**values),
        locale=locale,
        dedupe_key=f"introduction:{introduction.id}",
        company_id=company.id,
        candidate_id=candidate.id,
    )
    return message.id


def _local_day(value: datetime) -> str:
    return value.astimezone(timezones.JAPAN).strftime("%Y-%m-%d")


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


# --- the company's side after acceptance -------------------------------------------------


async def mark_hired(principal: Principal, introduction_id: int) -> Introduction:
    """Records that the company hired the person of an accepted introduction (idempotent).

    Raises:
        DomainError: NOT_FOUND (another company's), WRONG_STATE (not accepted).
    """
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
