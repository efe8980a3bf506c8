"""Re-application from a talent-pool mail: ``/a/{token}`` (flow 7).

The REAPPLY token names the opening and the company's applicant record of the person. Reading
it (:func:`load`) changes nothing (mail scanners prefetch links); :func:`reapply` creates one
Application with source REAPPLICATION for that opening, and a second call finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from server import tokens
from server.applications import opening_view
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode, NotFound
from server.models import (
    Applicant,
    Application,
    ApplicationEvent,
    ApplicationSource,
    ApplicationStatus,
    CandidateToken,
    Company,
    Opening,
    OpeningStatus,
    TokenPurpose,
)
from server.webhooks import emitters


@dataclass
class ReapplyPage:
    company: Company
    opening: Opening
    applied: bool
    details: opening_view.OpeningView | None = None

    @property
    def open(self) -> bool:
        return self.opening.status == OpeningStatus.OPEN


@dataclass
class Reapplication:
    application: Application
    created: bool
    company: Company
    opening: Opening


async def _resolve(raw: str, *, for_update: bool = False):
    """The token, its opening, company and applicant.

    Raises:
        DomainError: NOT_FOUND (unknown token, erased profile, opening gone), EXPIRED.
    """
    if not raw or len(raw) > 200:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    token: CandidateToken = await tokens.find(raw, TokenPurpose.REAPPLY, for_update=for_update)
    data = token.data or {}
    try:
        if token.candidate_id is not None:  # type: ignore[attr-defined]
            await candidates.live(token.candidate_id)  # type: ignore[attr-defined]
        opening = await Opening.get_or_none(
            id=int(data["opening_id"]),
            company_id=token.company_id,  # type: ignore[attr-defined]
        )
        applicant = await Applicant.get_or_none(
            id=int(data["applicant_id"]),
            company_id=token.company_id,  # type: ignore[attr-defined]
        )
    except (KeyError, ValueError, TypeError, NotFound) as error:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"]) from error
    if opening is None or applicant is None:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    company = await Company.get(id=opening.company_id)
    return token, opening, company, applicant


async def _existing(applicant: Applicant, opening: Opening) -> Application | None:
    return await Application.get_or_none(
        applicant_id=applicant.id, opening_id=opening.id, source=ApplicationSource.REAPPLICATION
    )


async def load(raw: str, locale: str = "ja") -> ReapplyPage:
    """What the confirmation page shows; reads only."""
    _, opening, company, applicant = await _resolve(raw)
    applied = await _existing(applicant, opening) is not None
    details = await opening_view.view(opening, company, locale)
    return ReapplyPage(company, opening, applied, details)


async def reapply(raw: str, now: datetime | None = None) -> Reapplication:
    """Applies the person again to the opening, once.

    Raises:
        DomainError: NOT_FOUND, EXPIRED (the link); WRONG_STATE when the opening has closed.
    """
    now = now or datetime.now(UTC)
    async with in_transaction("default"):
        token, opening, company, applicant = await _resolve(raw, for_update=True)
        existing = await _existing(applicant, opening)
        if existing is not None:
            return Reapplication(existing, False, company, opening)
        if opening.status != OpeningStatus.OPEN:
            raise DomainError(ErrorCode.WRONG_STATE, "this opening is closed", ["token"])
        application = await Application.create(
            company_id=company.id,
            applicant_id=applicant.id,
            opening_id=opening.id,
            status=ApplicationStatus.APPLIED,
            source=ApplicationSource.REAPPLICATION,
            applied_at=now,
        )
        await ApplicationEvent.create(
            company_id=company.id,
            application_id=application.id,
            status=ApplicationStatus.APPLIED,
            at=now,
        )
        if token.used_at is None:
            token.used_at = now
            await token.save(update_fields=["used_at"])
        await emitters.reapplied(application, applicant, opening)
    return Reapplication(application, True, company, opening)
