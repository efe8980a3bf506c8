"""Re-approach: a member sends one chosen open opening to a person of the company's pool.

The mail is a capped one (kind ``OPENING_ALERT``, the dedupe key of the opening's alert, so
the automatic alert and a re-approach never both send one opening): it needs the person's
current FOLLOW_UP consent, a live and unpaused profile, an address not suppressed, no
application in process at the company. It is never dropped for the caps, it waits:

* the company sends a person at most one opening per ``followups.ALERT_INTERVAL`` (30 days):
  a second one waits until 30 days after the first;
* the person's network-wide budget (``server.mail.budget``) may hold it later still.

``send_at`` says when a new one would go, so a page can say so before anyone sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import audit
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import budget as mail_budget
from server.models import (
    Candidate,
    Company,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    OpeningStatus,
)
from server.pool import followups, mailing, notes, talent_pool
from server.pool.talent_pool import Fit
from server.principal import Permission, Principal

MAX_CHOICES = 100

_SPENT = (MailStatus.PENDING, MailStatus.SENDING, MailStatus.SENT)


@dataclass(frozen=True)
class Sent:
    message_id: int
    opening_id: int
    send_after: datetime
    held: bool  # the caps hold it back until ``send_after``


async def _company_slot(company_id: int, candidate_id: int, now: datetime) -> datetime:
    """From when the company may send the person another opening (now, or 30 days after the
    latest one it sent or placed)."""
    rows = await MailMessage.filter(
        kind=MailKind.OPENING_ALERT,
        company_id=company_id,
        candidate_id=candidate_id,
        status__in=list(_SPENT),
    ).values_list("send_after", "sent_at")
    times = [sent_at or send_after for send_after, sent_at in rows]
    if not times:
        return now
    return max(now, max(times) + followups.ALERT_INTERVAL)


async def send_at(principal: Principal, candidate_id: int, now: datetime) -> datetime:
    """When an opening sent to this person of the caller's pool now would go out.

    Raises:
        NotFound: the person is not in the caller's pool now.
    """
    await notes.in_pool(principal, candidate_id, now)
    desired = await _company_slot(principal.require_company(), candidate_id, now)
    return await mail_budget.place(candidate_id, desired)


@dataclass(frozen=True)
class Choice:
    fit: Fit
    sent: bool  # already sent to the person (it cannot be sent again)


async def choices(principal: Principal, candidate_id: int, now: datetime) -> list[Choice]:
    """The caller's open openings the person never applied to, best fitting first (those
    sharing no tag last, newest first, score 0), each saying whether it was already sent.

    Raises:
        NotFound: the person is not in the caller's pool now.
    """
    await notes.in_pool(principal, candidate_id, now)
    company_id = principal.require_company()
    person = await Candidate.get(id=candidate_id)
    applied = await talent_pool.applied_openings(company_id, person.email_normalized or "")
    fitting = await talent_pool.fits(
        company_id, list(person.tag_ids or []), applied=applied, limit=MAX_CHOICES
    )
    seen = {f.opening_id for f in fitting} | set(applied)
    rows = await Opening.filter(company_id=company_id, status=OpeningStatus.OPEN).order_by(
        "-opened_at", "-id"
    )
    fits = [*fitting, *(Fit(o.id, o.title, 0.0, []) for o in rows if o.id not in seen)]
    fits = fits[:MAX_CHOICES]
    keys = {
        followups.alert_key(company_id, candidate_id, o): o.id
        for o in rows
        if o.id in {f.opening_id for f in fits}
    }
    taken = await MailMessage.filter(dedupe_key__in=list(keys) or [""]).values_list(
        "dedupe_key", flat=True
    )
    sent = {keys[k] for k in taken}
    return [Choice(f, f.opening_id in sent) for f in fits]


async def _opening(company_id: int, opening_id: int) -> Opening:
    opening = await Opening.get_or_none(id=opening_id, company_id=company_id)
    if opening is None:
        raise NotFound("opening", ["openingId"])
    if opening.status != OpeningStatus.OPEN:
        raise DomainError(ErrorCode.WRONG_STATE, "the opening is not open", ["openingId"])
    return opening


async def send_opening(
    principal: Principal,
    candidate_id: int,
    opening_id: int,
    now: datetime,
    redis: ArqRedis | None = None,
) -> Sent:
    """Queues the mail of one open opening to a person of the caller's pool.

    Raises:
        DomainError: FORBIDDEN (a viewer); NOT_FOUND (the person is not in the caller's pool,
            the opening is not the caller's); WRONG_STATE on ``openingId`` (not open);
            INVALID on ``openingId`` (the person applied to it); ALREADY_EXISTS on
            ``openingId`` (already sent to the person); WRONG_STATE (the person cannot be
            mailed now: consent, pause, suppressed address, an application in process).
    """
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    row = await notes.in_pool(principal, candidate_id, now)
    opening = await _opening(company_id, opening_id)
    company = await Company.get(id=company_id)
    async with in_transaction("default"):
        message = await _queue(company, opening, row, now)
        await audit.record(
            principal,
            "pool.send_opening",
            "Opening",
            opening.id,
            candidate=candidate_id,
            send_after=message.send_after.isoformat(),
        )
    await mailing.enqueue_due(redis, [message], now)
    return Sent(message.id, opening.id, message.send_after, message.send_after > now)


async def _queue(company: Company, opening: Opening, row: dict, now: datetime) -> MailMessage:
    key = followups.alert_key(company.id, row["candidate_id"], opening)
    candidate = await mail_budget.lock_candidate(row["candidate_id"])
    if await MailMessage.exists(dedupe_key=key):
        raise DomainError(
            ErrorCode.ALREADY_EXISTS, "this opening was already sent to the person", ["openingId"]
        )
    if not await mailing.reachable(company.id, candidate, now):
        raise DomainError(ErrorCode.WRONG_STATE, "the person cannot be mailed now")
    assert candidate is not None and candidate.email
    applied = await talent_pool.applied_openings(company.id, candidate.email_normalized or "")
    if opening.id in applied:
        raise DomainError(ErrorCode.INVALID, "the person applied to this opening", ["openingId"])
    fit = talent_pool.fit_of(list(opening.tag_ids or []), list(candidate.tag_ids or []))
    matched = fit.matched_tag_ids if fit else []
    rendered, unsubscribe = await mailing.opening_alert(
        company, candidate, row, opening, matched, reapproach=True
    )
    desired = await _company_slot(company.id, candidate.id, now)
    return await mailing.queue_capped(
        MailKind.OPENING_ALERT, candidate, company, rendered, key, unsubscribe, desired
    )
