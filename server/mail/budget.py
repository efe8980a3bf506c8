"""The per-person budget of follow-up and new-opening alert mails, shared by all companies.

At most ``followup_mail_cap`` (default 2) such mails reach one person in any 30 days; a mail
over the cap is not dropped, its ``send_after`` moves to when the window has room again.
Rejection, introduction and other mails are not counted. Callers place a capped mail while
holding the candidate row's lock (:func:`lock_candidate`), so concurrent companies' jobs
placing mails for one person see each other's rows.

Capped mails are placed in time order per person (a new one never goes before the latest one
already placed), so only the 30 days ending at the new mail need checking.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.config import get_settings
from server.models import (
    Application,
    ApplicationStatus,
    Candidate,
    Consent,
    ConsentScope,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    OpeningStatus,
)

CAPPED_KINDS = frozenset({MailKind.FOLLOW_UP, MailKind.OPENING_ALERT})
WINDOW = timedelta(days=30)
# Mails that went or may still go out; cancelled, failed and suppressed ones cost nothing.
_SPENT = (MailStatus.PENDING, MailStatus.SENDING, MailStatus.SENT)
# Someone applying again, in review, offered or hired at a company needs no invitation there.
IN_PROCESS = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.OFFERED,
    ApplicationStatus.HIRED,
)


async def lock_candidate(candidate_id: int) -> Candidate | None:
    """The candidate row, locked until the caller's transaction ends."""
    return await Candidate.select_for_update().get_or_none(id=candidate_id)


async def _spent_times(candidate_id: int) -> list[datetime]:
    rows = await MailMessage.filter(
        candidate_id=candidate_id, kind__in=list(CAPPED_KINDS), status__in=_SPENT
    ).values_list("send_after", "sent_at")
    return sorted(sent_at or send_after for send_after, sent_at in rows)


def earliest_slot(times: list[datetime], desired: datetime, cap: int) -> datetime:
    """The earliest time from ``desired`` on (and not before the latest of ``times``) whose
    30-day window holds fewer than ``cap`` of ``times``."""
    slot = max([desired, *times[-1:]])
    recent = [t for t in times if t > slot - WINDOW]
    if len(recent) < cap:
        return slot
    # Once the oldest of the newest cap - 1 mails' predecessor leaves the window, it has room.
    return recent[len(recent) - cap] + WINDOW


async def place(candidate_id: int, desired: datetime) -> datetime:
    """When a capped mail for this person may go out (call holding the candidate's lock)."""
    cap = max(1, get_settings().followup_mail_cap)
    return earliest_slot(await _spent_times(candidate_id), desired, cap)


def alert_key(company_id: int, candidate_id: int, opening_id: int, opened_on: str) -> str:
    """Outbox dedupe key of a new-opening alert (the opening is read back from it)."""
    return f"alert:{company_id}:{candidate_id}:{opening_id}:{opened_on}"


def alert_opening_id(message: MailMessage) -> int | None:
    if message.kind != MailKind.OPENING_ALERT:
        return None
    parts = message.dedupe_key.split(":")
    return int(parts[3]) if len(parts) == 5 and parts[3].isdigit() else None


async def in_process(company_id: int | None, email_normalized: str | None) -> bool:
    """Whether the person (by address) has an application in process at the company."""
    if company_id is None or not email_normalized:
        return False
    return await Application.filter(
        company_id=company_id,
        applicant__email_normalized=email_normalized,
        status__in=list(IN_PROCESS),
    ).exists()


async def _opening_stop(message: MailMessage, email_normalized: str | None) -> str | None:
    opening_id = alert_opening_id(message)
    if opening_id is None:
        return None
    opening = await Opening.get_or_none(id=opening_id)
    if opening is None or opening.status != OpeningStatus.OPEN:
        return "opening closed"
    if email_normalized and await Application.exists(
        opening_id=opening_id, applicant__email_normalized=email_normalized
    ):
        return "applied to the opening"
    return None


async def stop_reason(message: MailMessage, now: datetime) -> str | None:
    """Why a claimed capped mail must not go out any more, or None.

    Every reason not to send that was checked when the mail was queued is checked again, as
    a capped mail may wait for weeks: consent withdrawn, profile erased, mails paused, the
    person applying or in process at the company, the alert's opening closed.
    """
    if message.kind not in CAPPED_KINDS or message.candidate_id is None:
        return None
    candidate = await Candidate.get_or_none(id=message.candidate_id)
    if candidate is None or candidate.erased_at is not None:
        return "profile erased"
    if candidate.paused_until is not None and candidate.paused_until > now:
        return "mails paused"
    # Read here rather than through server.candidates.consent, which imports the mail pipeline.
    latest = (
        await Consent.filter(
            candidate_id=candidate.id, scope=ConsentScope.FOLLOW_UP, company_id=message.company_id
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or not latest.granted:
        return "follow-up consent withdrawn"
    if await in_process(message.company_id, candidate.email_normalized):
        return "in process at the company"
    return await _opening_stop(message, candidate.email_normalized)
