"""Following up a company's talent pool (flow 7): the daily follow-up mails and the
new-opening alerts, at the company's policy (:mod:`server.pool.followup_policy`).

* A follow-up goes out at each delay of the company's policy after the person's latest
  rejection there, once per delay per person per company (the outbox dedupe key
  ``followup:{company}:{candidate}:{delay}``), listing up to three of the company's open
  openings that fit, each with a re-apply link. A delay missed by more than
  ``FOLLOW_UP_WINDOW`` (worker down, consent given late, a delay added to the policy later) is
  skipped rather than sent late.
* A new-opening alert goes to the pool members an opening fits well enough
  (``ALERT_MIN_SCORE``) when it opens, at most one per person per company per 30 days.
* Both kinds spend the person's network-wide budget (``server.mail.budget``) and need, under
  the candidate's row lock: current FOLLOW_UP consent to that company, a live and unpaused
  profile, an address not suppressed (:mod:`server.pool.mailing`).

Every function takes ``now`` so tests and the cron control the clock. Safe to run twice and
concurrently: the candidate lock serialises placing, and the dedupe key stops a second row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import queue
from server.config import get_settings
from server.mail import budget as mail_budget
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    CompanyStatus,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    OpeningStatus,
)
from server.pool import followup_mails, mailing, talent_pool

log = logging.getLogger(__name__)

FOLLOW_UP_WINDOW = timedelta(days=30)
ALERT_INTERVAL = timedelta(days=30)
ALERT_MIN_SCORE = 0.3
MAX_OPENINGS_LISTED = 3
ALERTS_JOB = "opening_alerts"
# The alert sweeper re-enqueues openings opened this recently (their job may be lost).
ALERT_SWEEP_SPAN = timedelta(hours=3)


# --- follow-ups ---------------------------------------------------------------------------


def followup_key(company_id: int, candidate_id: int, delay: int) -> str:
    return f"followup:{company_id}:{candidate_id}:{delay}"


def _due_delays(rejected_at: datetime, delays: list[int], now: datetime) -> list[int]:
    due_at = {d: rejected_at + timedelta(days=d) for d in delays}
    return [d for d in delays if due_at[d] <= now < due_at[d] + FOLLOW_UP_WINDOW]


async def send_followups(now: datetime, redis: ArqRedis | None = None) -> list[MailMessage]:
    """Queues every due follow-up of every active company; returns the mails queued now."""
    queued: list[MailMessage] = []
    companies = await Company.filter(status=CompanyStatus.ACTIVE, followup_enabled=True)
    for company in companies:
        queued += await company_followups(company, now)
    await mailing.enqueue_due(redis, queued, now)
    return queued


async def company_followups(company: Company, now: datetime) -> list[MailMessage]:
    """Queues the company's due follow-ups (one transaction per mail)."""
    delays = [int(d) for d in company.followup_delays or []]
    if not delays:
        return []
    rows = await talent_pool.members(
        company.id,
        now,
        "EXISTS (SELECT 1 FROM unnest($3::int[]) d "
        "WHERE p.rejected_at + make_interval(days => d) <= $2 "
        "AND p.rejected_at + make_interval(days => d) + $4::interval > $2)",
        [delays, FOLLOW_UP_WINDOW],
    )
    wanted = {
        followup_key(company.id, row["candidate_id"], d): row
        for row in rows
        for d in _due_delays(row["rejected_at"], delays, now)
    }
    taken = set(
        await MailMessage.filter(dedupe_key__in=list(wanted)).values_list("dedupe_key", flat=True)
    )
    queued = []
    for key, row in wanted.items():
        if key not in taken:
            message = await _queue_followup(company, row, key, now)
            if message is not None:
                queued.append(message)
    return queued


def _applied_on(row: dict, company: Company, candidate: Candidate) -> str:
    """The day the person applied (not the day they were rejected), or "" when unknown."""
    if row.get("applied_at") is None:
        return ""
    return followup_mails.local_date(row["applied_at"], company.timezone, candidate.locale)


async def _queue_followup(company: Company, row: dict, key: str, now: datetime):
    async with in_transaction("default"):
        candidate = await mail_budget.lock_candidate(row["candidate_id"])
        if await MailMessage.exists(dedupe_key=key):  # a concurrent run placed it
            return None
        if not await mailing.reachable(company.id, candidate, now):
            return None
        assert candidate is not None and candidate.email
        applied = await talent_pool.applied_openings(company.id, candidate.email_normalized or "")
        fits = await talent_pool.fits(
            company.id, candidate.tag_ids, applied=applied, limit=MAX_OPENINGS_LISTED
        )
        if not fits and not company.followup_without_match:
            return None
        listed = [
            (
                fit.title,
                await mailing.reapply_url(
                    company.id, candidate.id, row["applicant_id"], fit.opening_id
                ),
            )
            for fit in fits
        ]
        unsubscribe = await outbox.unsubscribe_url(candidate.email)
        rendered = followup_mails.follow_up(
            candidate.locale,
            candidate_name=row["name"],
            company_name=company.name,
            applied_on=_applied_on(row, company, candidate),
            openings=listed,
            portal_url=mailing.url("/me"),
            unsubscribe_url=unsubscribe,
        )
        message = await mailing.queue_capped(
            MailKind.FOLLOW_UP, candidate, company, rendered, key, unsubscribe, now
        )
    return message


# --- new-opening alerts -------------------------------------------------------------------


def alert_key(company_id: int, candidate_id: int, opening: Opening) -> str:
    opened_on = opening.opened_at.date().isoformat()
    return mail_budget.alert_key(company_id, candidate_id, opening.id, opened_on)


async def opening_opened(redis: ArqRedis | None, opening: Opening) -> None:
    """After the commit that opened (created or reopened) an opening: its alert job."""
    if redis is None or opening.status != OpeningStatus.OPEN:
        return
    stamp = int(opening.opened_at.timestamp())
    job_id = f"{get_settings().queue_name}:alerts:{opening.id}:{stamp}"
    await queue.enqueue(redis, ALERTS_JOB, opening.id, job_id=job_id)


async def opening_alerts(
    opening_id: int, now: datetime, redis: ArqRedis | None = None
) -> list[MailMessage]:
    """Alerts the company's pool members an open opening fits; returns the mails queued."""
    opening = await Opening.get_or_none(id=opening_id)
    if opening is None or opening.status != OpeningStatus.OPEN or not opening.tag_ids:
        return []
    company = await Company.get(id=opening.company_id)
    if company.status != CompanyStatus.ACTIVE or not company.followup_enabled:
        return []
    # People rejected for this very opening (or after it opened) are not alerted about it.
    rows = await talent_pool.members(
        company.id,
        now,
        "p.tag_ids && $3::int[] AND NOT ($4::bigint = ANY(p.opening_ids)) AND p.rejected_at < $5",
        [list(opening.tag_ids), opening.id, opening.opened_at],
    )
    queued = []
    for row in rows:
        fit = talent_pool.fit_of(list(opening.tag_ids), list(row["tag_ids"] or []))
        if fit is None or fit.score < ALERT_MIN_SCORE:
            continue
        message = await _queue_alert(company, opening, row, fit, now)
        if message is not None:
            queued.append(message)
    await mailing.enqueue_due(redis, queued, now)
    return queued


async def _alerted_recently(company_id: int, candidate_id: int, now: datetime) -> bool:
    return await MailMessage.filter(
        kind=MailKind.OPENING_ALERT,
        company_id=company_id,
        candidate_id=candidate_id,
        status__in=[MailStatus.PENDING, MailStatus.SENDING, MailStatus.SENT],
        send_after__gt=now - ALERT_INTERVAL,
    ).exists()


async def _queue_alert(
    company: Company, opening: Opening, row: dict, fit: talent_pool.Fit, now: datetime
) -> MailMessage | None:
    key = alert_key(company.id, row["candidate_id"], opening)
    async with in_transaction("default"):
        candidate = await mail_budget.lock_candidate(row["candidate_id"])
        if await MailMessage.exists(dedupe_key=key):
            return None
        if await _alerted_recently(company.id, row["candidate_id"], now):
            return None
        if not await mailing.reachable(company.id, candidate, now):
            return None
        assert candidate is not None and candidate.email
        applied = await talent_pool.applied_openings(company.id, candidate.email_normalized or "")
        if opening.id in applied:
            return None
        rendered, unsubscribe = await mailing.opening_alert(
            company, candidate, row, opening, fit.matched_tag_ids
        )
        message = await mailing.queue_capped(
            MailKind.OPENING_ALERT, candidate, company, rendered, key, unsubscribe, now
        )
    return message


async def sweep_alerts(redis: ArqRedis, now: datetime | None = None) -> int:
    """Re-enqueues the alert jobs of recently opened openings (a lost job is rebuilt from the
    row; running an opening's alerts again sends nothing twice). Returns how many."""
    now = now or datetime.now(UTC)
    recent = await Opening.filter(
        status=OpeningStatus.OPEN, opened_at__gt=now - ALERT_SWEEP_SPAN
    ).only("id", "status", "opened_at")
    for opening in recent:
        await opening_opened(redis, opening)
    return len(recent)
