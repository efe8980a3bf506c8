"""Console sessions: a mailed link opens one; the cookie holds a random id, the database its hash.

A session ends at logout, at the member's removal (or their company's suspension), after
:data:`IDLE` without a request, and at :data:`MAX_AGE` whatever happens; each sign-in makes a
new id, so a planted or leaked id never survives one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from server import audit
from server.errors import DomainError, ErrorCode
from server.models import CompanyStatus, MemberSession, MemberSignIn
from server.principal import Principal
from server.tokens import hash_token

IDLE = timedelta(hours=2)
MAX_AGE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
MAX_ID_LENGTH = 100


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def check_link(raw: str) -> MemberSignIn:
    """The live sign-in link of this token (the page asks to confirm before using it)."""
    link = await _find(raw)
    if link is None:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid")
    if link.used_at is not None:
        raise DomainError(ErrorCode.WRONG_STATE, "this link was already used")
    if link.expires_at <= datetime.now(UTC):
        raise DomainError(ErrorCode.EXPIRED, "this link has expired")
    return link


async def _find(raw: str, *, for_update: bool = False) -> MemberSignIn | None:
    if len(raw) > MAX_ID_LENGTH:
        return None
    query = MemberSignIn.filter(
        token_hash=hash_token(raw),
        member__removed_at__isnull=True,
        member__company__status=CompanyStatus.ACTIVE,
    )
    if for_update:
        query = query.select_for_update()
    return await query.first()


async def sign_in(raw: str, previous: str | None = None) -> tuple[Principal, str]:
    """Uses a link (once) and opens a session; returns the member and the cookie's id."""
    async with in_transaction("default"):
        await check_link(raw)
        link = await _find(raw, for_update=True)
        assert link is not None
        if link.used_at is not None:  # a concurrent use won
            raise DomainError(ErrorCode.WRONG_STATE, "this link was already used")
        now = datetime.now(UTC)
        link.used_at = now
        await link.save(update_fields=["used_at"])
        member = await link.member
        if member.joined_at is None:
            member.joined_at = now
            await member.save(update_fields=["joined_at"])
        if previous:
            await end(previous)
        session_id = secrets.token_urlsafe(32)
        await MemberSession.create(
            session_hash=_hash(session_id),
            member_id=member.id,
            last_seen_at=now,
            expires_at=now + MAX_AGE,
        )
        principal = _principal(member)
        await audit.record(principal, "member.sign_in", "Member", member.id)
    return principal, session_id


def _principal(member) -> Principal:
    return Principal(
        api_key_id=None, company_id=member.company_id, member_id=member.id, role=member.role
    )


async def principal(session_id: str | None) -> Principal | None:
    """The member of a live session: not ended, not idle, not expired, still a member of an
    active company; the session's last request time moves on."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return None
    now = datetime.now(UTC)
    session = await MemberSession.get_or_none(
        session_hash=_hash(session_id),
        ended_at__isnull=True,
        expires_at__gt=now,
        last_seen_at__gt=now - IDLE,
        member__removed_at__isnull=True,
        member__company__status=CompanyStatus.ACTIVE,
    ).prefetch_related("member")
    if session is None:
        return None
    if now - session.last_seen_at > TOUCH_EVERY:
        await MemberSession.filter(id=session.id).update(last_seen_at=now)
    return _principal(session.member)


async def end(session_id: str) -> None:
    """Ends a session (logout); an unknown or ended one is left as it is."""
    if len(session_id) <= MAX_ID_LENGTH:
        await MemberSession.filter(session_hash=_hash(session_id), ended_at__isnull=True).update(
            ended_at=datetime.now(UTC)
        )


async def end_all(member_id: int) -> int:
    """Ends every open session of a member (removal); returns how many."""
    return await MemberSession.filter(member_id=member_id, ended_at__isnull=True).update(
        ended_at=datetime.now(UTC)
    )
