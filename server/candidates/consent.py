"""Consent: append-only records; the current consent of a scope is its latest record.

``NETWORK_SHARING`` is network-wide (no company); ``FOLLOW_UP`` is given to one company (the
one that rejected the candidate), so its current state is the latest record per company.
``Candidate.sharing`` mirrors the current ``NETWORK_SHARING`` consent and is kept in step here,
inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.models import Candidate, Consent, ConsentScope
from server.network import cards, introduction_answers

# Version of the consent wording and privacy notice shown at /privacy; bump it whenever the
# wording changes, so every record says which text the person agreed to.
TERMS_VERSION = "2025-07-ja-en-1"

SOURCE_REGISTER = "web:register"
SOURCE_PORTAL = "web:portal"
SOURCE_ERASURE = "web:erasure"


@dataclass(frozen=True)
class CurrentConsent:
    scope: ConsentScope
    company_id: int | None
    granted: bool
    terms_version: str
    source: str
    at: datetime


async def current(candidate_id: int) -> dict[tuple[ConsentScope, int | None], CurrentConsent]:
    """The latest record of every (scope, company) the candidate ever answered."""
    latest: dict[tuple[ConsentScope, int | None], CurrentConsent] = {}
    rows = await Consent.filter(candidate_id=candidate_id).order_by("created_at", "id")
    for row in rows:
        company_id = row.company_id if row.scope == ConsentScope.FOLLOW_UP else None
        latest[(row.scope, company_id)] = CurrentConsent(
            row.scope, company_id, row.granted, row.terms_version, row.source, row.created_at
        )
    return latest


async def is_granted(candidate_id: int, scope: ConsentScope, company_id: int | None = None) -> bool:
    """Whether the latest record of this scope (and company, for FOLLOW_UP) grants it."""
    query = Consent.filter(candidate_id=candidate_id, scope=scope)
    if scope == ConsentScope.FOLLOW_UP:
        query = query.filter(company_id=company_id)
    row = await query.order_by("-created_at", "-id").first()
    return bool(row and row.granted)


async def record(
    candidate: Candidate,
    scope: ConsentScope,
    granted: bool,
    *,
    source: str,
    company_id: int | None = None,
    terms_version: str = TERMS_VERSION,
) -> Consent:
    """Appends one consent record (call inside a transaction holding the candidate's lock).

    FOLLOW_UP consent is given to one company and needs ``company_id``; NETWORK_SHARING keeps
    ``Candidate.sharing`` in step (never true for an erased profile).
    """
    if scope == ConsentScope.FOLLOW_UP and company_id is None:
        raise ValueError("FOLLOW_UP consent names the company it is given to")
    row = await Consent.create(
        candidate_id=candidate.id,
        scope=scope,
        company_id=company_id if scope == ConsentScope.FOLLOW_UP else None,
        granted=granted,
        terms_version=terms_version,
        source=source,
    )
    if scope == ConsentScope.NETWORK_SHARING:
        sharing = granted and candidate.erased_at is None
        if candidate.sharing != sharing:
            candidate.sharing = sharing
            await candidate.save(
                update_fields=["sharing", "updated_at", *cards.keep_snapshot(candidate)]
            )
        if not granted:  # open introduction requests end with the consent, credits refunded
            await introduction_answers.decline_open(candidate.id)
    return row


async def withdraw_all(candidate: Candidate, *, source: str) -> list[Consent]:
    """Appends a withdrawal for every consent currently granted (inside a transaction)."""
    rows = []
    for (scope, company_id), state in (await current(candidate.id)).items():
        if state.granted:
            rows.append(await record(candidate, scope, False, source=source, company_id=company_id))
    if candidate.sharing:
        candidate.sharing = False
        await candidate.save(update_fields=["sharing", "updated_at"])
    return rows
