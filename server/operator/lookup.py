"""Operator look-ups for requests that come by mail or phone: a candidate by email (to act on
an erasure or disclosure request) and the mails held back for one person."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q

from server import audit
from server.models import Candidate, MailMessage, MailStatus
from server.principal import Principal
from server.text import normalize_email

MAX_HELD = 100


async def candidate_by_email(principal: Principal, email: str) -> Candidate | None:
    """Operator: the profile registered with this address (any width or case), audited."""
    principal.require_operator()
    address = normalize_email(email)
    if not address:
        return None
    candidate = await Candidate.get_or_none(email_normalized=address)
    if candidate is not None:
        await audit.record(principal, "candidate.lookup", "Candidate", candidate.id)
    return candidate


async def held_mails(
    principal: Principal,
    *,
    candidate_id: int | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> list[MailMessage]:
    """Operator: pending mails to one person that wait past now (e.g. held by the mail cap),
    soonest first. The person is named by candidate id or by address."""
    principal.require_operator()
    person = []
    if candidate_id is not None:
        person.append(Q(candidate_id=candidate_id))
    if email:
        address = normalize_email(email)
        person.append(Q(recipient__iexact=address))
        found = await Candidate.get_or_none(email_normalized=address)
        if found is not None:
            person.append(Q(candidate_id=found.id))
    if not person:
        return []
    return (
        await MailMessage.filter(Q(*person, join_type=Q.OR), status=MailStatus.PENDING)
        .filter(send_after__gt=now or datetime.now(UTC))
        .order_by("send_after", "id")
        .limit(MAX_HELD)
    )
