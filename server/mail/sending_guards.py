"""Guards against phishing through the platform (issue 11 item 8).

* Links: a company's rejection mail may link only to the network's own URLs (the host of
  ``RELAY_PUBLIC_URL``) and the domains the operator allowed for that company. Checked when
  the template is saved and again on every rendered mail (names and opening titles are
  company-supplied text too).
* Daily quota: at most so many of a company's rejection mails go out on one (company-local)
  day: ``RELAY_MAIL_QUOTA_NEW_COMPANY`` while it is younger than ``RELAY_NEW_COMPANY_DAYS``,
  then ``RELAY_MAIL_QUOTA_DEFAULT``, unless the operator set ``Company.daily_mail_quota``.
  A mail over it is held to 9:00 of the first day with room; when the next 30 days are full
  the rejection with a mail is refused (QUOTA_EXCEEDED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tortoise import connections

from server import audit
from server.config import get_settings
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import Company, MailKind, MailMessage, MailStatus
from server.principal import Principal

MAX_HOLD_DAYS = 30
SEND_HOUR = timedelta(hours=9)  # a held mail goes out at 9:00 company time
MAX_DOMAINS = 20
# Scheme URLs (any scheme with //), www. hosts, and bare domain names followed by a path:
# mail clients turn all three into links.
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s<>\"'）」]+")
_WWW = re.compile(r"(?i)(?<![\w.\-/@])www\.[a-z0-9\-.]+")
_BARE = re.compile(r"(?i)(?<![\w.\-/@:])((?:[a-z0-9\-]+\.)+[a-z]{2,})(?=/)")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_QUOTA_LOCK = 0x51A11  # pg_advisory_xact_lock class: one quota count per company at a time
_SPENT = (MailStatus.PENDING, MailStatus.SENDING, MailStatus.SENT)


def hosts_in(text: str) -> list[str]:
    """The host of every link a mail client would make of ``text`` (lowercase)."""
    found = []
    for match in _URL.finditer(text):
        try:
            host = urlsplit(match.group(0)).hostname or ""
        except ValueError:
            host = ""
        found.append(host or match.group(0))
    found += [m.group(0) for m in _WWW.finditer(text)]
    found += [m.group(1) for m in _BARE.finditer(text)]
    return [h.lower().rstrip(".") for h in found]


def network_host() -> str:
    return (urlsplit(get_settings().public_url).hostname or "").lower()


def _allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith(f".{d}") for d in domains)


def disallowed_hosts(text: str, company: Company) -> list[str]:
    """Link hosts in ``text`` that are neither the network's nor allowed for the company."""
    domains = [network_host(), *company.allowed_link_domains]
    return sorted({h for h in hosts_in(text) if not _allowed(h, domains)})


def check_links(texts: dict[str, str], company: Company) -> None:
    """Refuses links to hosts the company may not link to.

    Raises:
        DomainError: LINK_NOT_ALLOWED on each field (key of ``texts``) holding one.
    """
    errors = []
    for field, text in texts.items():
        bad = disallowed_hosts(text, company)
        if bad:
            errors.append(
                FieldError(
                    ErrorCode.LINK_NOT_ALLOWED,
                    f"links only to this network and the domains the operator allowed for "
                    f"your company; not allowed: {', '.join(bad)}",
                    [field],
                )
            )
    if errors:
        raise DomainError.many(errors)


def quota(company: Company, now: datetime | None = None) -> int:
    """Rejection mails the company may send in one (company-local) day."""
    if company.daily_mail_quota is not None:
        return company.daily_mail_quota
    settings = get_settings()
    now = now or datetime.now(UTC)
    if company.created_at > now - timedelta(days=settings.new_company_days):
        return settings.mail_quota_new_company
    return settings.mail_quota_default


def _day(company: Company, at: datetime) -> tuple[datetime, datetime]:
    local = at.astimezone(ZoneInfo(company.timezone))
    start = datetime.combine(local.date(), time(), local.tzinfo)
    return start, start + timedelta(days=1)


async def _sending_on(company_id: int, start: datetime, end: datetime) -> int:
    return await MailMessage.filter(
        company_id=company_id,
        kind=MailKind.REJECTION,
        status__in=_SPENT,
        send_after__gte=start,
        send_after__lt=end,
    ).count()


async def used(company: Company, now: datetime | None = None) -> int:
    """Rejection mails of the company sent or due today (its local day)."""
    return await _sending_on(company.id, *_day(company, now or datetime.now(UTC)))


async def held(company: Company, now: datetime | None = None) -> int:
    """Rejection mails of the company waiting for a later day (held by the quota or
    scheduled so)."""
    _, end = _day(company, now or datetime.now(UTC))
    return await MailMessage.filter(
        company_id=company.id,
        kind=MailKind.REJECTION,
        status=MailStatus.PENDING,
        send_after__gte=end,
    ).count()


async def place(company: Company, desired: datetime) -> datetime:
    """When the company's next rejection mail may go out: ``desired``, or held to the
    morning of the first later day under its quota (inside the caller's transaction; an
    advisory lock per company serialises concurrent rejections).

    Raises:
        DomainError: QUOTA_EXCEEDED when every day up to ``MAX_HOLD_DAYS`` ahead is full.
    """
    await connections.get("default").execute_query(
        "SELECT pg_advisory_xact_lock($1, $2)", [_QUOTA_LOCK, company.id]
    )
    limit = quota(company)
    start, end = _day(company, desired)
    for offset in range(MAX_HOLD_DAYS + 1):
        day = timedelta(days=offset)
        if await _sending_on(company.id, start + day, end + day) < limit:
            return desired if offset == 0 else start + day + SEND_HOUR
    raise DomainError(
        ErrorCode.QUOTA_EXCEEDED,
        f"your company may send {limit} rejection mails a day and the next {MAX_HOLD_DAYS} "
        f"days are full; reject without a mail or ask the network operator to raise the quota",
        ["sendMail"],
    )


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned = sorted({d.strip().lower().rstrip(".") for d in domains if d.strip()})
    errors = [
        FieldError(ErrorCode.INVALID, f"{d!r} is not a domain name", ["allowedLinkDomains"])
        for d in cleaned
        if not _DOMAIN.match(d)
    ]
    if len(cleaned) > MAX_DOMAINS:
        errors.append(
            FieldError(ErrorCode.INVALID, f"at most {MAX_DOMAINS} domains", ["allowedLinkDomains"])
        )
    if errors:
        raise DomainError.many(errors)
    return cleaned


@dataclass(frozen=True)
class GuardChange:
    allowed_link_domains: list[str] | None = None
    daily_mail_quota: int | None = None
    default_quota: bool = False  # drop the company's own quota: the settings apply again


async def set_guards(principal: Principal, company_id: int, change: GuardChange) -> Company:
    """Operator: sets a company's allowed link domains and / or its daily mail quota, audited.

    Raises:
        DomainError: FORBIDDEN for a company key; INVALID domains or quota; NOT_FOUND.
    """
    principal.require_operator()
    domains = (
        None if change.allowed_link_domains is None else _clean_domains(change.allowed_link_domains)
    )
    if change.daily_mail_quota is not None and not 0 <= change.daily_mail_quota <= 1_000_000:
        raise DomainError(ErrorCode.INVALID, "quota is 0 to 1,000,000", ["dailyMailQuota"])
    company = await Company.get_or_none(id=company_id)
    if company is None:
        raise NotFound("company", ["companyId"])
    before = {"domains": company.allowed_link_domains, "quota": company.daily_mail_quota}
    if domains is not None:
        company.allowed_link_domains = domains
    if change.default_quota:
        company.daily_mail_quota = None
    elif change.daily_mail_quota is not None:
        company.daily_mail_quota = change.daily_mail_quota
    await company.save(update_fields=["allowed_link_domains", "daily_mail_quota"])
    await audit.record(
        principal,
        "company.set_mail_guards",
        "Company",
        company.id,
        before=before,
        domains=company.allowed_link_domains,
        quota=company.daily_mail_quota,
    )
    return company
