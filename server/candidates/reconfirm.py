"""Reconfirming old consent (flow 7): a consent granted more than twelve months ago is asked
about once by mail (keep / withdraw links, ``/c/{token}/keep`` and ``/c/{token}/withdraw``);
without an answer in 30 days it lapses: a ``granted=False`` record with source ``lapsed`` is
appended, which takes the person out of matches (``Candidate.sharing``) and follow-ups.

The RECONFIRM token remembers which consent records it asked about and when; a record
changed since (in the portal) is no longer the token's business. Mails are not capped (not a
follow-up) and not sent while the person has paused mails (they are asked after the pause).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise import connections
from tortoise.transactions import in_transaction

from server import tokens
from server.candidates import consent
from server.candidates import profiles as candidates
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    Candidate,
    CandidateToken,
    Company,
    Consent,
    ConsentScope,
    MailKind,
    MailMessage,
    TokenPurpose,
)
from server.pool import followup_mails, mailing

STALE_AFTER = timedelta(days=365)
ANSWER_WITHIN = timedelta(days=30)
SOURCE_LAPSED = "lapsed"
SOURCE_RECONFIRM = "web:reconfirm"

# Current granted consents older than $1, of live unpaused people not asked already.
_STALE = """
SELECT l.candidate_id, array_agg(l.id ORDER BY l.id) AS consent_ids
FROM (
  SELECT DISTINCT ON (candidate_id, scope, coalesce(company_id, 0))
         id, candidate_id, granted, created_at
  FROM consent
  ORDER BY candidate_id, scope, coalesce(company_id, 0), created_at DESC, id DESC
) l
JOIN candidate c ON c.id = l.candidate_id
WHERE l.granted AND l.created_at <= $1
  AND c.erased_at IS NULL AND c.email IS NOT NULL
  AND (c.paused_until IS NULL OR c.paused_until <= $2)
  AND NOT EXISTS (
    SELECT 1 FROM candidate_token t
    WHERE t.candidate_id = c.id AND t.purpose = 'RECONFIRM' AND t.used_at IS NULL
  )
GROUP BY l.candidate_id
ORDER BY l.candidate_id
"""


@dataclass
class ReconfirmPage:
    candidate: Candidate
    sharing: bool
    companies: list[str]
    answered: bool


async def _is_current(row: Consent) -> bool:
    """Whether this record is still the latest of its scope (and company)."""
    latest = (
        await Consent.filter(
            candidate_id=row.candidate_id, scope=row.scope, company_id=row.company_id
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return latest is not None and latest.id == row.id


async def _open_records(token: CandidateToken) -> list[Consent]:
    """The asked-about records still current and granted."""
    ids = [int(i) for i in (token.data or {}).get("consent_ids", [])]
    rows = await Consent.filter(id__in=ids).order_by("id")
    return [r for r in rows if r.granted and await _is_current(r)]


async def ask_due(now: datetime, redis: ArqRedis | None = None) -> list[MailMessage]:
    """Mails every person whose consent has grown stale; returns the mails queued."""
    rows = await connections.get("default").execute_query_dict(_STALE, [now - STALE_AFTER, now])
    queued = []
    for row in rows:
        message = await _ask(row["candidate_id"], list(row["consent_ids"]), now)
        if message is not None:
            queued.append(message)
    await mailing.enqueue_due(redis, queued, now)
    return queued


async def _ask(candidate_id: int, consent_ids: list[int], now: datetime) -> MailMessage | None:
    key = f"reconfirm:{candidate_id}:{max(consent_ids)}"
    async with in_transaction("default"):
        candidate = await Candidate.select_for_update().get_or_none(id=candidate_id)
        if candidate is None or candidate.erased_at is not None or not candidate.email:
            return None
        if await MailMessage.exists(dedupe_key=key) or await CandidateToken.exists(
            candidate_id=candidate_id, purpose=TokenPurpose.RECONFIRM, used_at=None
        ):
            return None
        records = await Consent.filter(id__in=consent_ids)
        names = await _company_names(records)
        raw = await tokens.issue(
            TokenPurpose.RECONFIRM,
            email=candidate.email_normalized or "",
            candidate_id=candidate.id,
            data={"consent_ids": consent_ids, "asked_at": now.isoformat()},
            ttl=ANSWER_WITHIN,
        )
        base = f"{get_settings().public_url}/c/{raw}"
        unsubscribe = await outbox.unsubscribe_url(candidate.email)
        rendered = followup_mails.reconfirm(
            candidate.locale,
            candidate_name=candidate.display_name,
            sharing=any(r.scope == ConsentScope.NETWORK_SHARING for r in records),
            follow_up_companies=names,
            keep_url=f"{base}/keep",
            withdraw_url=f"{base}/withdraw",
            deadline=followup_mails.local_date(now + ANSWER_WITHIN, None, candidate.locale),
            unsubscribe_url=unsubscribe,
        )
        message, _ = await outbox.queue_mail(
            kind=MailKind.CONSENT_RECONFIRM,
            recipient=candidate.email,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            locale=candidate.locale,
            dedupe_key=key,
            unsubscribe=unsubscribe,
            candidate_id=candidate.id,
            send_after=now,
        )
    return message


async def _company_names(records: list[Consent]) -> list[str]:
    ids = [r.company_id for r in records if r.scope == ConsentScope.FOLLOW_UP and r.company_id]
    companies = {c.id: c.name for c in await Company.filter(id__in=ids)}
    return [companies[i] for i in ids if i in companies]


async def lapse_unanswered(now: datetime) -> int:
    """Appends ``lapsed`` withdrawals for questions unanswered for 30 days; returns how many
    consent records lapsed."""
    lapsed = 0
    for token_id, data in await CandidateToken.filter(
        purpose=TokenPurpose.RECONFIRM, used_at=None
    ).values_list("id", "data"):
        asked = datetime.fromisoformat((data or {}).get("asked_at", now.isoformat()))
        if asked <= now - ANSWER_WITHIN:
            lapsed += await _lapse(token_id, now)
    return lapsed


async def _lapse(token_id: int, now: datetime) -> int:
    async with in_transaction("default"):
        token = await CandidateToken.select_for_update().get_or_none(id=token_id, used_at=None)
        if token is None or token.candidate_id is None:  # type: ignore[attr-defined]
            return 0
        candidate = await Candidate.select_for_update().get(id=token.candidate_id)  # type: ignore[attr-defined]
        records = await _open_records(token)
        for row in records:
            await consent.record(
                candidate, row.scope, False, source=SOURCE_LAPSED, company_id=row.company_id
            )
        token.used_at = now
        token.data = {**(token.data or {}), "lapsed": True}
        await token.save(update_fields=["used_at", "data"])
    return len(records)


async def _token(raw: str, *, for_update: bool = False) -> CandidateToken:
    if not raw or len(raw) > 200:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    token = await tokens.find(raw, TokenPurpose.RECONFIRM, for_update=for_update)
    if token.candidate_id is None:  # type: ignore[attr-defined]
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    return token


async def load(raw: str) -> ReconfirmPage:
    """What the confirmation page shows; reads only.

    Raises:
        DomainError: NOT_FOUND (unknown link, erased profile), EXPIRED.
    """
    token = await _token(raw)
    try:
        candidate = await candidates.live(token.candidate_id)  # type: ignore[attr-defined]
    except NotFound as error:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"]) from error
    records = await _open_records(token)
    return ReconfirmPage(
        candidate=candidate,
        sharing=any(r.scope == ConsentScope.NETWORK_SHARING for r in records),
        companies=await _company_names(records),
        answered=token.used_at is not None,
    )


async def answer(raw: str, keep: bool) -> bool:
    """Keeps (a fresh granted record) or withdraws the asked-about consents.

    Returns:
        False when the question was already answered (or lapsed): nothing changes then.
    """
    async with in_transaction("default"):
        token = await _token(raw, for_update=True)
        if token.used_at is not None:
            return False
        try:
            candidate = await candidates.live(token.candidate_id, for_update=True)  # type: ignore[attr-defined]
        except NotFound as error:
            raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"]) from error
        for row in await _open_records(token):
            await consent.record(
                candidate, row.scope, keep, source=SOURCE_RECONFIRM, company_id=row.company_id
            )
        token.used_at = datetime.now(UTC)
        token.data = {**(token.data or {}), "answer": "keep" if keep else "withdraw"}
        await token.save(update_fields=["used_at", "data"])
    return True
