"""Referral fraud (issue 11 item 9): signals, the operator's review, and the clawback.

A company could create applicants at addresses it controls, reject them and register them
itself to earn credits. When a referral registers, :func:`flag` looks for signals:

* ``COMPANY_NETWORK``: the registration came from a network (IPv4 /24, IPv6 /64) the
  company's own API keys were used from (recorded by :func:`record_network`);
* ``COMPANY_DOMAIN``: the address's domain is the company's own (its contact address or
  the link domains the operator allowed it), free mail providers aside;
* ``BURST``: ``referral_burst_size`` or more of the company's referrals registered from one
  network within ``referral_burst_minutes``;
* ``FAST_AFTER_MAIL``: it registered within ``referral_fast_seconds`` of its mail being sent.

A flagged referral is ``HELD``: it may qualify (the person counts for this company only) but
never settles until the operator approves it; a rejected one never counts, and one that had
already settled is clawed back by an audited ``CLAWBACK`` ledger entry. Every referral also
waits ``referral_hold_hours`` after qualifying before it settles (server.network.settlement).
Loopback addresses carry no information (a local proxy): they are not recorded and raise no
signal; run uvicorn with ``--proxy-headers`` behind a proxy so the client address is real.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from tortoise import connections
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.models import (
    Company,
    CompanyNetwork,
    CreditEntry,
    CreditKind,
    Referral,
    ReferralReview,
    ReferralStatus,
)
from server.network import credits
from server.principal import Principal

COMPANY_NETWORK = "COMPANY_NETWORK"
COMPANY_DOMAIN = "COMPANY_DOMAIN"
BURST = "BURST"
FAST_AFTER_MAIL = "FAST_AFTER_MAIL"
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.co.jp",
        "yahoo.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "icloud.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "softbank.ne.jp",
    }
)
RECORD_INTERVAL_SECONDS = 60
# Last time this process recorded a (company, network): at most one write a minute each.
_recorded: dict[tuple[int, str], float] = {}


@lru_cache(maxsize=4096)  # called for every API request; parsing was ~2% of a small one's CPU
def network_of(address: str | None) -> str:
    """The network an address belongs to (IPv4 /24, IPv6 /64), "" for loopback or junk."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.is_loopback or ip.is_unspecified:
        return ""
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


async def record_network(company_id: int | None, address: str | None) -> None:
    """Remembers that the company's API keys were used from this address's network."""
    network = network_of(address)
    if company_id is None or not network:
        return
    now = time.monotonic()
    if now - _recorded.get((company_id, network), -RECORD_INTERVAL_SECONDS) < (
        RECORD_INTERVAL_SECONDS
    ):
        return
    _recorded[(company_id, network)] = now
    await connections.get("default").execute_query(
        "INSERT INTO company_network (company_id, network, first_seen_at, last_seen_at) "
        "VALUES ($1, $2, now(), now()) "
        "ON CONFLICT (company_id, network) DO UPDATE SET last_seen_at = now()",
        [company_id, network],
    )


def _company_domains(company: Company) -> set[str]:
    domains = set(company.allowed_link_domains)
    if "@" in company.contact_email:
        domains.add(company.contact_email.rsplit("@", 1)[1].lower())
    return domains - FREE_MAIL


async def signals(referral: Referral, company: Company, network: str, now: datetime) -> list[str]:
    """The fraud signals of a registration happening now from ``network``."""
    settings = get_settings()
    found = []
    if network and await CompanyNetwork.exists(company_id=company.id, network=network):
        found.append(COMPANY_NETWORK)
    domain = referral.email_normalized.rsplit("@", 1)[-1]
    if any(domain == d or domain.endswith(f".{d}") for d in _company_domains(company)):
        found.append(COMPANY_DOMAIN)
    if network:
        since = now - timedelta(minutes=settings.referral_burst_minutes)
        recent = await Referral.filter(
            company_id=company.id, registration_network=network, registered_at__gte=since
        ).count()
        if recent + 1 >= settings.referral_burst_size:
            found.append(BURST)
    mailed = referral.mailed_at
    if mailed is not None and now - mailed < timedelta(seconds=settings.referral_fast_seconds):
        found.append(FAST_AFTER_MAIL)
    return found


async def flag(referral: Referral, company: Company, address: str | None) -> list[str]:
    """Stores the registration's network and signals on the referral (before it is saved
    as registered, inside the registration's transaction); a flagged referral is HELD."""
    network = network_of(address)
    referral.registration_network = network
    referral.fraud_flags = await signals(referral, company, network, datetime.now(UTC))
    if referral.fraud_flags:
        referral.review = ReferralReview.HELD
    return ["registration_network", "fraud_flags", "review"]


def flagged(principal: Principal, review: ReferralReview | None = None) -> QuerySet[Referral]:
    """Operator: referrals with fraud signals (held ones unless ``review`` says otherwise)."""
    principal.require_operator()
    return Referral.filter(review=review or ReferralReview.HELD)


def clawback_key(settlement_id: int) -> str:
    return f"clawback:settlement:{settlement_id}"


async def review(principal: Principal, referral_id: int, *, approve: bool, note: str) -> Referral:
    """Operator: approves a flagged referral (it may settle) or rejects a referral (it never
    counts; if it already settled, its settlement's credit is clawed back, once per
    settlement and as far as the balance allows). Audited.

    Raises:
        DomainError: FORBIDDEN; NOT_FOUND; WRONG_STATE (approving a referral not held,
            reviewing one already rejected).
    """
    principal.require_operator()
    found = await Referral.get_or_none(id=referral_id)
    if found is None:
        raise NotFound("referral", ["referralId"])
    async with in_transaction("default"):
        # The company row first, like every ledger writer (server.network.credits), then the
        # referral.
        await Company.select_for_update().get(id=found.company_id)
        referral = await Referral.select_for_update().get(id=referral_id)
        if referral.review == ReferralReview.REJECTED or (
            approve and referral.review != ReferralReview.HELD
        ):
            raise DomainError(
                ErrorCode.WRONG_STATE, "this referral is not waiting for review", ["referralId"]
            )
        clawback = None
        if not approve and referral.settlement_id is not None:
            clawback = await _claw_back(principal, referral)
        referral.review = ReferralReview.APPROVED if approve else ReferralReview.REJECTED
        referral.reviewed_at = datetime.now(UTC)
        fields = ["review", "reviewed_at"]
        if not approve:
            referral.status = ReferralStatus.CANCELLED
            referral.closed_at = referral.reviewed_at
            referral.clawback_id = clawback.id if clawback else None
            fields += ["status", "closed_at", "clawback_id"]
        await referral.save(update_fields=fields)
        await audit.record(
            principal,
            "referral.approve" if approve else "referral.reject",
            "Referral",
            referral.id,
            company_id=referral.company_id,
            flags=referral.fraud_flags,
            note=note,
            clawback_entry_id=clawback.id if clawback else None,
        )
    return referral


async def _claw_back(principal: Principal, referral: Referral) -> CreditEntry | None:
    assert referral.settlement_id is not None
    company = await Company.get(id=referral.company_id)
    existing = await CreditEntry.get_or_none(idempotency_key=clawback_key(referral.settlement_id))
    if existing is not None or company.credit_balance < 1:
        return existing
    entry, _ = await credits.post(
        referral.company_id,
        -1,
        CreditKind.CLAWBACK,
        clawback_key(referral.settlement_id),
        memo=f"clawback: referral #{referral.id} rejected as fraudulent",
        api_key_id=principal.api_key_id,
    )
    return entry
