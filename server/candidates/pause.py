"""Pausing: a person stops follow-ups, alerts, reconfirmation mails and network matching
until a date of their choice (``Candidate.paused_until``), from the portal.

The pause lasts through the chosen day in Japan time (it ends at the next midnight there).
Mails already waiting are cancelled when they come due (``server.mail.budget.stop_reason``);
``server.network.eligibility`` leaves paused people out of matches.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tortoise.transactions import in_transaction

from server import timezones
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode
from server.models import Candidate

ZONE = timezones.JAPAN
MAX_PAUSE_DAYS = 366


def local_today(now: datetime) -> date:
    return now.astimezone(ZONE).date()


def end_of(day: date) -> datetime:
    """The UTC instant the pause through ``day`` (Japan time) ends."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZONE).astimezone(UTC)


def last_day(paused_until: datetime) -> date:
    """The last paused day (Japan time) of a stored ``paused_until``."""
    return (paused_until.astimezone(ZONE) - timedelta(microseconds=1)).date()


def parse_day(text: str) -> date:
    """A date typed as YYYY-MM-DD (what ``<input type=date>`` posts).

    Raises:
        DomainError: INVALID on ``paused_until``.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, "not a date", ["paused_until"]) from error


async def set_pause(
    candidate_id: int, until: date | None, now: datetime | None = None
) -> Candidate:
    """Pauses through ``until`` (a day from today to a year ahead), or resumes with None.

    Raises:
        DomainError: INVALID on ``paused_until`` for a past day or one over a year ahead;
            NOT_FOUND for an erased profile.
    """
    now = now or datetime.now(UTC)
    if until is not None:
        today = local_today(now)
        if not today <= until <= today + timedelta(days=MAX_PAUSE_DAYS):
            raise DomainError(
                ErrorCode.INVALID,
                f"choose a day from today to {MAX_PAUSE_DAYS} days ahead",
                ["paused_until"],
            )
    async with in_transaction("default"):
        candidate = await candidates.live(candidate_id, for_update=True)
        candidate.paused_until = end_of(until) if until is not None else None
        await candidate.save(update_fields=["paused_until", "updated_at"])
    return candidate


def is_paused(candidate: Candidate, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return candidate.paused_until is not None and candidate.paused_until > now
