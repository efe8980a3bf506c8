"""Server-side ``/admin`` sessions: a random id in the cookie, its SHA-256 in ``admin_session``.

A session ends at logout, when its operator key is revoked, or at ``expires_at``; each login
makes a new id (and ends the one the browser came with), so a planted or leaked id never
survives a login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from server.models import AdminSession
from server.principal import Principal

MAX_AGE = timedelta(hours=8)
MAX_ID_LENGTH = 100


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def start(api_key_id: int, previous: str | None = None) -> str:
    """Opens a session for an operator key; returns the id for the cookie (never stored)."""
    if previous:
        await end(previous)
    session_id = secrets.token_urlsafe(32)
    await AdminSession.create(
        session_hash=_hash(session_id),
        api_key_id=api_key_id,
        expires_at=datetime.now(UTC) + MAX_AGE,
    )
    return session_id


async def principal(session_id: str | None) -> Principal | None:
    """The operator of a live session: not ended, not expired, its key live and an operator's."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return None
    session = await AdminSession.get_or_none(
        session_hash=_hash(session_id),
        ended_at__isnull=True,
        expires_at__gt=datetime.now(UTC),
        api_key__revoked_at__isnull=True,
        api_key__company_id__isnull=True,
    )
    return Principal(api_key_id=session.api_key_id, company_id=None) if session else None


async def end(session_id: str) -> None:
    """Ends a session (logout); an unknown or ended one is left as it is."""
    if len(session_id) <= MAX_ID_LENGTH:
        await AdminSession.filter(session_hash=_hash(session_id), ended_at__isnull=True).update(
            ended_at=datetime.now(UTC)
        )


async def end_all(api_key_id: int) -> int:
    """Ends every open session of a key (its revocation); returns how many."""
    return await AdminSession.filter(api_key_id=api_key_id, ended_at__isnull=True).update(
        ended_at=datetime.now(UTC)
    )
