"""A company's own referral link ``/join/{company_code}`` (flow 3, second path).

A candidate enters an address, gets a confirmation link by mail (a JOIN_CONFIRM token), and
only when they confirm is a ``LINK`` referral created for the company (one per company and
address: a partial unique index). Nothing counts before the address is proven. Per link we
count clicks (``Company.join_clicks``), confirmations (LINK referrals) and registrations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server import i18n, ratelimit, tokens
from server.candidates.registration import DONE
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    Company,
    CompanyStatus,
    Locale,
    MailKind,
    Referral,
    ReferralSource,
    ReferralStatus,
    TokenPurpose,
)
from server.text import is_email, normalize_email

log = logging.getLogger(__name__)

# How long a confirmed address may take to register (as long as a rejection mail's link).
LINK_LIFETIME = timedelta(days=180)


@dataclass(frozen=True)
class JoinStats:
    clicks: int
    confirmations: int
    registrations: int


@dataclass
class Confirmation:
    """What ``/join/confirm/{token}`` shows before the person confirms."""

    company: Company
    email: str


@dataclass
class Confirmed:
    referral: Referral
    company: Company
    # A fresh registration token, or None when the address has already registered.
    registration_token: str | None


async def _company(code: str) -> Company:
    if not code or len(code) > 64:
        raise NotFound("link")
    company = await Company.get_or_none(join_code=code, status=CompanyStatus.ACTIVE)
    if company is None:
        raise NotFound("link")
    return company


async def open_link(code: str) -> Company:
    """The company behind a join link, counting the click (a counter only).

    Raises:
        NotFound: unknown code or a company that is not active.
    """
    company = await _company(code)
    await Company.filter(id=company.id).update(join_clicks=F("join_clicks") + 1)
    return company


async def company_for(code: str) -> Company:
    """The company behind a join link, without counting."""
    return await _company(code)


async def request_confirmation(
    code: str, email: str, *, locale: Locale | str = Locale.JA, redis: ArqRedis | None = None
) -> None:
    """Mails a confirmation link to the address (through the outbox).

    The answer does not depend on the address; an address is sent at most
    ``ratelimit.MAILS_PER_ADDRESS`` link mails per hour from all companies' links and /me
    together, sub-addresses counted as their mailbox (further requests are silently dropped).

    Raises:
        NotFound: unknown link. DomainError: REQUIRED / INVALID email.
    """
    company = await _company(code)
    email = (email or "").strip()
    if not email:
        raise DomainError(ErrorCode.REQUIRED, "email is required", ["email"])
    if not is_email(email):
        raise DomainError(ErrorCode.INVALID, "not an email address", ["email"])
    address = normalize_email(email)
    if redis is not None and not await ratelimit.hit(
        redis, ratelimit.MAILS_PER_ADDRESS, ratelimit.mailbox(address)
    ):
        log.info("join confirmation for company %s dropped: too many for one address", company.id)
        return
    locale = Locale(str(locale)) if str(locale) in {"ja", "en"} else Locale.JA
    ttl = tokens.DEFAULT_TTL[TokenPurpose.JOIN_CONFIRM]
    async with in_transaction("default"):
        raw = await tokens.issue(
            TokenPurpose.JOIN_CONFIRM,
            email=address,
            company_id=company.id,
            data={"locale": locale.value},
        )
        subject = i18n.translate(locale, "mail.join_confirm.subject")
        body = i18n.translate(locale, "mail.join_confirm.body")
        url = f"{get_settings().public_url}/join/confirm/{raw}"
        message, _ = await outbox.queue_mail(
            kind=MailKind.JOIN_CONFIRM,
            recipient=address,
            subject=subject,
            body_text=body.format(
                company_name=company.name, url=url, hours=int(ttl.total_seconds() // 3600)
            ),
            locale=locale,
            dedupe_key=f"join-confirm:{tokens.hash_token(raw)}",
            company_id=company.id,
        )
    if redis is not None:
        await outbox.enqueue_send(redis, [message.id])


async def load_confirmation(raw: str) -> Confirmation:
    """The confirmation page (reads only: mail scanners prefetch links).

    Raises:
        DomainError: NOT_FOUND / EXPIRED.
    """
    token = await tokens.find(raw, TokenPurpose.JOIN_CONFIRM)
    company = await Company.get_or_none(id=token.company_id, status=CompanyStatus.ACTIVE)
    if company is None:
        raise NotFound("link")
    return Confirmation(company, token.email_normalized)


async def confirm(raw: str) -> Confirmed:
    """The address is proven: creates the company's LINK referral (once per address).

    Confirming again (the same link or a second one) makes no second referral: it returns the
    same referral with a fresh registration token, or none once the person has registered.

    Raises:
        DomainError: NOT_FOUND / EXPIRED.
    """
    for attempt in range(3):
        try:
            return await _confirm(raw)
        except IntegrityError:
            # Two confirmations of one address raced on the (company, email) LINK index.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _confirm(raw: str) -> Confirmed:
    now = datetime.now(UTC)
    async with in_transaction("default"):
        token = await tokens.find(raw, TokenPurpose.JOIN_CONFIRM, for_update=True)
        company = await Company.get_or_none(id=token.company_id, status=CompanyStatus.ACTIVE)
        if company is None:
            raise NotFound("link")
        referral = (
            await Referral.filter(
                company_id=company.id,
                email_normalized=token.email_normalized,
                source=ReferralSource.LINK,
            )
            .select_for_update()
            .first()
        )
        if token.used_at is None:
            token.used_at = now
            await token.save(update_fields=["used_at"])
        if referral is not None and referral.status in DONE:
            return Confirmed(referral, company, None)
        registration_token = tokens.new_token()
        expires_at = now + LINK_LIFETIME
        if referral is None:
            referral = await Referral.create(
                company_id=company.id,
                source=ReferralSource.LINK,
                email_normalized=token.email_normalized,
                token_hash=tokens.hash_token(registration_token),
                status=ReferralStatus.CLICKED,
                click_count=1,
                first_clicked_at=now,
                expires_at=expires_at,
            )
        else:
            # Only hashes are stored, so a second confirmation rotates the token.
            referral.token_hash = tokens.hash_token(registration_token)
            referral.expires_at = expires_at
            if referral.status in (ReferralStatus.EXPIRED, ReferralStatus.CANCELLED):
                referral.status = ReferralStatus.CLICKED
            await referral.save(update_fields=["token_hash", "expires_at", "status"])
    return Confirmed(referral, company, registration_token)


async def stats(company_id: int) -> JoinStats:
    """Clicks, confirmations and registrations of a company's join link."""
    company = await Company.get(id=company_id)
    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS confirmations, "
        "count(*) FILTER (WHERE registered_at IS NOT NULL) AS registrations "
        "FROM referral WHERE company_id = $1 AND source = 'LINK'",
        [company_id],
    )
    return JoinStats(company.join_clicks, rows[0]["confirmations"], rows[0]["registrations"])
