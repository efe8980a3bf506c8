"""API keys ``rk_<prefix>_<secret>``: only a SHA-256 of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from tortoise import connections

from server.config import get_settings
from server.models import CompanyStatus
from server.principal import Principal

KEY_PREFIX = "rk_"
TOUCH_INTERVAL_SECONDS = 60


class AuthError(Exception):
    """Authentication failed; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class NewKey:
    raw: str
    prefix: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> NewKey:
    """A fresh key; ``raw`` is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return NewKey(f"{KEY_PREFIX}{prefix}_{secret}", prefix, hash_secret(secret))


def parse_bearer(header: str | None) -> tuple[str, str]:
    """Splits ``Bearer rk_<prefix>_<secret>`` into prefix and secret."""
    if not header:
        raise AuthError(401, "UNAUTHENTICATED", "missing Authorization: Bearer rk_... header")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise AuthError(401, "UNAUTHENTICATED", "expected Authorization: Bearer rk_...")
    prefix, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or not prefix or not secret:
        raise AuthError(401, "UNAUTHENTICATED", "malformed API key")
    return prefix, secret


# Last time this process touched a key's last_used_at: at most one write per key a minute.
_touched: dict[str, float] = {}


async def _touch(key_id: int, prefix: str) -> None:
    now = time.monotonic()
    if now - _touched.get(prefix, -TOUCH_INTERVAL_SECONDS) < TOUCH_INTERVAL_SECONDS:
        return
    _touched[prefix] = now
    await connections.get("default").execute_query(
        "UPDATE api_key SET last_used_at = now() WHERE id = $1 AND "
        "(last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
        [key_id, TOUCH_INTERVAL_SECONDS],
    )


async def authenticate(header: str | None) -> Principal:
    """Resolves an Authorization header to the calling principal.

    Raises:
        AuthError: 401 for a missing, malformed, unknown or revoked key; 403 for a key whose
            company is not active.
    """
    prefix, secret = parse_bearer(header)
    key = await _lookup(prefix)
    if key is None or not hmac.compare_digest(key["secret_hash"], hash_secret(secret)):
        raise AuthError(401, "UNAUTHENTICATED", "invalid API key")
    if key["revoked_at"] is not None:
        raise AuthError(401, "UNAUTHENTICATED", "this API key was revoked")
    status = key["company_status"]
    if key["company_id"] is not None and status != CompanyStatus.ACTIVE:
        raise AuthError(403, "FORBIDDEN", f"company is {status.lower()}")
    await _touch(key["id"], prefix)
    return Principal(api_key_id=key["id"], company_id=key["company_id"])


# prefix -> (monotonic expiry, the key's row or None). Each process keeps a key's row at most
# RELAY_API_KEY_CACHE_SECONDS (≤ 1 s), so a key revoked or a company suspended by any process
# is refused everywhere within it; the process that made the change forgets at once.
_cache: dict[str, tuple[float, dict | None]] = {}
_CACHE_MAX = 10_000  # unknown prefixes are kept too; a flood of them only empties the cache


def forget_keys() -> None:
    """Drops this process's cached keys (after a revocation or a company status change)."""
    _cache.clear()


async def _lookup(prefix: str) -> dict | None:
    now = time.monotonic()
    hit = _cache.get(prefix)
    if hit is not None and hit[0] > now:
        return hit[1]
    # Raw SQL: on every request, building the ORM query cost more CPU than running it.
    rows = await connections.get("default").execute_query_dict(_KEY_SQL, [prefix])
    key = rows[0] if rows else None
    seconds = get_settings().api_key_cache_seconds
    if seconds > 0:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[prefix] = (now + seconds, key)
    return key


_KEY_SQL = """
SELECT k.id, k.secret_hash, k.revoked_at, k.company_id, c.status AS company_status
FROM api_key k LEFT JOIN company c ON c.id = k.company_id
WHERE k.prefix = $1
"""
