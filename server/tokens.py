"""Single-purpose tokens in links mailed to people: random, stored only as SHA-256, expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from server.errors import DomainError, ErrorCode
from server.models import CandidateToken, TokenPurpose

DEFAULT_TTL = {
    TokenPurpose.PORTAL: timedelta(days=7),
    TokenPurpose.UNSUBSCRIBE: timedelta(days=3650),
    TokenPurpose.JOIN_CONFIRM: timedelta(days=2),
    TokenPurpose.INTRODUCTION: timedelta(days=14),
    TokenPurpose.REAPPLY: timedelta(days=90),
    TokenPurpose.RECONFIRM: timedelta(days=30),
}


def new_token() -> str:
    """A fresh URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def issue(
    purpose: TokenPurpose,
    *,
    email: str = "",
    candidate_id: int | None = None,
    company_id: int | None = None,
    data: dict[str, Any] | None = None,
    ttl: timedelta | None = None,
) -> str:
    """Stores a token's hash and returns the raw token (put it in a link, never store it)."""
    raw = new_token()
    await CandidateToken.create(
        purpose=purpose,
        token_hash=hash_token(raw),
        email_normalized=email,
        candidate_id=candidate_id,
        company_id=company_id,
        data=data or {},
        expires_at=datetime.now(UTC) + (ttl or DEFAULT_TTL[purpose]),
    )
    return raw


async def find(raw: str, purpose: TokenPurpose, *, for_update: bool = False) -> CandidateToken:
    """The live token of this purpose.

    Raises:
        DomainError: NOT_FOUND for an unknown token or one of another purpose, EXPIRED for an
            expired one. Whether it was used is the caller's rule (some links work twice).
    """
    query = CandidateToken.filter(token_hash=hash_token(raw), purpose=purpose)
    if for_update:
        query = query.select_for_update()
    token = await query.first()
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid")
    if token.expires_at <= datetime.now(UTC):
        raise DomainError(ErrorCode.EXPIRED, "this link has expired")
    return token


async def use(token: CandidateToken) -> None:
    """Marks a single-use token used (inside the caller's transaction)."""
    if token.used_at is not None:
        raise DomainError(ErrorCode.WRONG_STATE, "this link was already used")
    token.used_at = datetime.now(UTC)
    await token.save(update_fields=["used_at"])
