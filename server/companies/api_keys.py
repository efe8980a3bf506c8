"""API key lifecycle: create (secret shown once), revoke, operator keys."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from server import admin_sessions, audit
from server.companies.auth import forget_keys, new_key
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.models import ApiKey, Company
from server.principal import Permission, Principal
from server.text import normalize


def scoped(principal: Principal):
    """Keys the caller may see: its company's, or every key for the operator."""
    if principal.is_operator:
        return ApiKey.all()
    return ApiKey.filter(company_id=principal.require_company())


async def create(
    principal: Principal, name: str = "", company_id: int | None = None
) -> tuple[ApiKey, str]:
    """Creates a key for the caller's company (operators may name any company).

    Returns:
        The key row and its raw value, which is never shown again.
    """
    principal.require(Permission.MANAGE)
    name = normalize(name)
    if len(name) > 100:
        raise DomainError(ErrorCode.TOO_LONG, "name is at most 100 characters", ["name"])
    if principal.is_operator:
        if company_id is None:
            raise DomainError(ErrorCode.REQUIRED, "companyId is required", ["companyId"])
        if not await Company.exists(id=company_id):
            raise NotFound("company", ["companyId"])
    else:
        company_id = principal.require_company()
    key = new_key()
    async with in_transaction("default"):
        await _check_key_cap(company_id)
        api_key = await ApiKey.create(
            company_id=company_id, name=name, prefix=key.prefix, secret_hash=key.secret_hash
        )
        await audit.record(principal, "api_key.create", "ApiKey", api_key.id, name=name)
    return api_key, key.raw


async def _check_key_cap(company_id: int) -> None:
    """Refuses a key past the cap; the company row lock serialises concurrent creations."""
    await Company.filter(id=company_id).select_for_update().first()
    limit = get_settings().max_api_keys_per_company
    if await ApiKey.filter(company_id=company_id, revoked_at__isnull=True).count() >= limit:
        raise DomainError(
            ErrorCode.LIMIT_REACHED,
            f"a company may hold at most {limit} active API keys; revoke one first",
        )


async def revoke(principal: Principal, key_id: int) -> ApiKey:
    """Revokes a key at once; revoking twice keeps the first time."""
    principal.require(Permission.MANAGE)
    async with in_transaction("default"):
        api_key = await scoped(principal).select_for_update().get_or_none(id=key_id)
        if api_key is None:
            raise NotFound("API key", ["apiKeyId"])
        if api_key.revoked_at is None:
            api_key.revoked_at = datetime.now(UTC)
            await api_key.save(update_fields=["revoked_at"])
            await admin_sessions.end_all(api_key.id)
            await audit.record(principal, "api_key.revoke", "ApiKey", api_key.id)
    forget_keys()
    return api_key


async def create_operator_key(name: str = "operator") -> str:
    """Creates an operator key (CLI only); returns the raw key."""
    key = new_key()
    api_key = await ApiKey.create(
        company_id=None, name=normalize(name), prefix=key.prefix, secret_hash=key.secret_hash
    )
    await audit.record(None, "api_key.create_operator", "ApiKey", api_key.id, name=name)
    return key.raw
