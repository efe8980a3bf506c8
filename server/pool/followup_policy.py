"""A company's follow-up policy (flow 7): the delays after a rejection at which its talent
pool is followed up, whether follow-ups are on, whether one goes out when no opening fits, and
the company's time zone. The mails themselves are :mod:`server.pool.followups`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tortoise.transactions import in_transaction

from server import audit
from server.errors import DomainError, ErrorCode, FieldError
from server.models import Company
from server.principal import Permission, Principal

MAX_DELAYS = 5
MAX_DELAY_DAYS = 1095


def _check_delays(delays: list[int]) -> list[FieldError]:
    field = ["delaysDays"]
    if len(delays) > MAX_DELAYS:
        return [FieldError(ErrorCode.TOO_LONG, f"at most {MAX_DELAYS} delays", field)]
    errors = [
        FieldError(ErrorCode.INVALID, f"a delay is 1 to {MAX_DELAY_DAYS} days", [*field, str(i)])
        for i, days in enumerate(delays)
        if not 1 <= days <= MAX_DELAY_DAYS
    ]
    if not errors and delays != sorted(set(delays)):
        errors.append(
            FieldError(ErrorCode.INVALID, "delays must be increasing, without repeats", field)
        )
    return errors


def _check_timezone(timezone: str) -> list[FieldError]:
    try:
        valid = timezone in available_timezones() and bool(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        valid = False
    if valid:
        return []
    return [FieldError(ErrorCode.INVALID, "not an IANA time zone, e.g. Asia/Tokyo", ["timezone"])]


async def update_policy(
    principal: Principal,
    *,
    delays_days: list[int] | None = None,
    enabled: bool | None = None,
    send_without_match: bool | None = None,
    timezone: str | None = None,
) -> Company:
    """Changes the given parts of the caller's follow-up policy.

    Raises:
        DomainError: TOO_LONG (more than five delays), INVALID (a delay outside 1..1095, not
            increasing or repeated; an unknown time zone), each on its input field.
    """
    principal.require(Permission.MANAGE)
    company_id = principal.require_company()
    errors = _check_delays(delays_days) if delays_days is not None else []
    if timezone is not None:
        errors += _check_timezone(timezone)
    if errors:
        raise DomainError.many(errors)
    async with in_transaction("default"):
        company = await Company.select_for_update(no_key=True).get(id=company_id)
        if delays_days is not None:
            company.followup_delays = list(delays_days)
        if enabled is not None:
            company.followup_enabled = enabled
        if send_without_match is not None:
            company.followup_without_match = send_without_match
        if timezone is not None:
            company.timezone = timezone
        await company.save()
        await audit.record(
            principal,
            "company.followup_policy",
            "Company",
            company_id,
            delays_days=company.followup_delays,
            enabled=company.followup_enabled,
            send_without_match=company.followup_without_match,
            timezone=company.timezone,
        )
    return company
