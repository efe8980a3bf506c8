"""Applications: created by hand or imported from an ATS (upsert), and their status history."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from server import audit
from server.applications import applicants, openings
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import (
    Applicant,
    Application,
    ApplicationEvent,
    ApplicationSource,
    ApplicationStatus,
    Company,
    Tag,
)
from server.network import tags
from server.principal import Permission, Principal
from server.text import normalize


def scoped(principal: Principal):
    """The caller's applications only."""
    return Application.filter(company_id=principal.require_company())


async def get(principal: Principal, application_id: int) -> Application:
    application = await scoped(principal).get_or_none(id=application_id)
    if application is None:
        raise NotFound("application", ["applicationId"])
    return application


async def history(principal: Principal, application_id: int) -> list[ApplicationEvent]:
    """Status changes of one application, oldest first."""
    application = await get(principal, application_id)
    return await ApplicationEvent.filter(application_id=application.id).order_by("at", "id")


async def histories(
    principal: Principal, application_ids: list[int]
) -> dict[int, list[ApplicationEvent]]:
    """Status changes of the caller's applications among ``application_ids``, oldest first."""
    events = await ApplicationEvent.filter(
        application_id__in=application_ids, application__company_id=principal.require_company()
    ).order_by("at", "id")
    found: dict[int, list[ApplicationEvent]] = {}
    for event in events:
        found.setdefault(event.application_id, []).append(event)
    return found


async def resolve_tags(texts: list[str], resolved: dict[str, Tag] | None = None) -> list[int]:
    """Tag ids of free texts, from a batch resolved beforehand (or resolved now)."""
    if resolved is None:
        resolved = await tags.resolve_each(texts)
    ids = [resolved[k].id for k in map(tags.normalize_tag_text, texts) if k in resolved]
    return list(dict.fromkeys(ids))


async def create(
    principal: Principal,
    opening_id: int,
    *,
    name: str,
    email: str,
    external_id: str | None = None,
    tag_texts: list[str] | None = None,
    status: ApplicationStatus = ApplicationStatus.APPLIED,
    applied_at: datetime | None = None,
) -> Application:
    """Records an application by hand (the applicant is upserted on its external id)."""
    company_id = principal.require_company()
    errors = applicants.check(normalize(name), normalize(email), external_id, [])
    if status == ApplicationStatus.REJECTED:
        errors.append(FieldError(ErrorCode.INVALID, "use rejectApplication to reject", ["status"]))
    if errors:
        raise DomainError.many(errors)
    opening = await openings.get(principal, opening_id)
    name, email, email_normalized = applicants.clean(name, email)
    tag_ids = await resolve_tags(tag_texts or [])
    now = datetime.now(UTC)
    async with in_transaction("default"):
        company = await Company.get(id=company_id)
        applicant = await _upsert_applicant(
            company, external_id, name, email, email_normalized, tag_ids
        )
        if await Application.exists(
            applicant_id=applicant.id, opening_id=opening.id, source=ApplicationSource.DIRECT
        ):
            raise DomainError(
                ErrorCode.ALREADY_EXISTS,
                "this person already applied to this opening",
                ["openingId"],
            )
        application = await Application.create(
            company_id=company_id,
            applicant_id=applicant.id,
            opening_id=opening.id,
            status=status,
            applied_at=applied_at or now,
        )
        await ApplicationEvent.create(
            company_id=company_id, application_id=application.id, status=status, at=now
        )
    return application


async def _upsert_applicant(
    company: Company,
    external_id: str | None,
    name: str,
    email: str,
    email_normalized: str,
    tag_ids: list[int],
) -> Applicant:
    applicant = None
    if external_id is not None:
        applicant = await Applicant.get_or_none(company_id=company.id, external_id=external_id)
    if applicant is None:
        return await Applicant.create(
            company_id=company.id,
            external_id=external_id,
            name=name,
            email=email,
            email_normalized=email_normalized,
            tag_ids=tag_ids,
            locale=company.locale,
        )
    applicant.name, applicant.email, applicant.email_normalized = name, email, email_normalized
    applicant.tag_ids = tag_ids or applicant.tag_ids
    await applicant.save()
    return applicant


async def set_status(
    principal: Principal, application_id: int, status: ApplicationStatus
) -> Application:
    """Moves an application along (review, offer, hire, decline); rejecting has its own path."""
    principal.require(Permission.WRITE)
    if status == ApplicationStatus.REJECTED:
        raise DomainError(ErrorCode.INVALID, "use rejectApplication to reject", ["status"])
    async with in_transaction("default"):
        application = await scoped(principal).select_for_update().get_or_none(id=application_id)
        if application is None:
            raise NotFound("application", ["applicationId"])
        if application.status != status:
            now = datetime.now(UTC)
            application.status = status
            if status in (ApplicationStatus.HIRED, ApplicationStatus.DECLINED):
                application.decided_at = now
            await application.save()
            await ApplicationEvent.create(
                company_id=application.company_id,
                application_id=application.id,
                status=status,
                at=now,
            )
            await audit.record(
                principal, "application.status", "Application", application.id, status=status.value
            )
    return application
