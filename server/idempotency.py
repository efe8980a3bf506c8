"""Idempotency keys for mutations that spend or create: a retry returns the first result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import DomainError, ErrorCode
from server.models import IdempotencyRecord
from server.principal import Principal

MAX_KEY_LENGTH = 200


def _owner(principal: Principal) -> str:
    return f"company:{principal.company_id}" if principal.company_id else "operator"


def _hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


async def once(
    principal: Principal,
    operation: str,
    key: str | None,
    request: dict[str, Any],
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Runs ``work`` (which returns a JSON-able result) at most once per key.

    ``work`` runs in the same transaction as the record, so a crash leaves neither. A
    concurrent retry waits on the unique index and then reads the first result.

    Raises:
        DomainError: IDEMPOTENCY_KEY_REUSED when the key was used with another request.
    """
    if key is None:
        return await work()
    _check_key(key)
    owner, digest = _owner(principal), _hash(request)
    try:
        async with in_transaction("default"):
            existing = await IdempotencyRecord.get_or_none(
                owner=owner, operation=operation, key=key
            )
            if existing is None:
                result = await work()
                await IdempotencyRecord.create(
                    owner=owner, operation=operation, key=key, request_hash=digest, result=result
                )
                return result
    except IntegrityError:
        existing = await IdempotencyRecord.get_or_none(owner=owner, operation=operation, key=key)
        if existing is None:  # the work itself violated a constraint
            raise
    return _first_result(existing, digest)


async def once_after(
    principal: Principal,
    operation: str,
    key: str | None,
    request: dict[str, Any],
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Like :func:`once`, for work that is idempotent by itself and runs its own
    transactions (a bulk upsert): the result is recorded after the work commits.

    Two concurrent first tries may both run the work, which is harmless by its nature; the
    first recorded result is the one every retry gets.
    """
    if key is None:
        return await work()
    _check_key(key)
    owner, digest = _owner(principal), _hash(request)
    existing = await IdempotencyRecord.get_or_none(owner=owner, operation=operation, key=key)
    if existing is None:
        result = await work()
        try:
            await IdempotencyRecord.create(
                owner=owner, operation=operation, key=key, request_hash=digest, result=result
            )
            return result
        except IntegrityError:
            existing = await IdempotencyRecord.get(owner=owner, operation=operation, key=key)
    return _first_result(existing, digest)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            ErrorCode.INVALID,
            f"idempotencyKey is 1 to {MAX_KEY_LENGTH} characters",
            ["idempotencyKey"],
        )


def _first_result(existing: IdempotencyRecord, digest: str) -> dict[str, Any]:
    if existing.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotencyKey was used with a different input",
            ["idempotencyKey"],
        )
    return existing.result
