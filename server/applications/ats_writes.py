"""The writes of an ATS import (:mod:`server.applications.ats_import`), for the rows its
checks let through: applicants and applications upserted in bulk with their history, then the
rejected rows sent on to the rejection flow, all in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from server.applications import applicants, rejections
from server.applications import reasons as rejection_reasons
from server.applications.records import resolve_tags
from server.errors import ErrorCode, FieldError
from server.models import (
    Applicant,
    Application,
    ApplicationEvent,
    ApplicationSource,
    ApplicationStatus,
    Company,
    Opening,
)
from server.network import tags

if TYPE_CHECKING:
    from server.applications.ats_import import ImportResult, ImportRow

OLD_REJECTION = timedelta(days=30)


async def write_rows(
    company: Company,
    good: list[tuple[int, ImportRow, Opening]],
    result: ImportResult,
    send_old_mails: bool,
) -> None:
    """Writes the checked rows (with their opening), adding counts and errors to ``result``:
    a hired application is not rejected; a rejection decided more than 30 days ago gets its
    referral but no mail unless ``send_old_mails``."""
    now = datetime.now(UTC)
    resolved = await tags.resolve_each(t for _, row, _ in good for t in row.tags)
    row_tags = [await resolve_tags(row.tags, resolved) for _, row, _ in good]
    default_reason, _ = await rejection_reasons.find(company.id, None)
    reasons: dict[str, tuple] = {}
    async with in_transaction("default"):
        people = await _upsert_applicants(company, good, row_tags)
        existing = {
            (a.applicant_id, a.opening_id): a
            for a in await Application.select_for_update().filter(
                company_id=company.id,
                applicant_id__in=[p.id for p in people.values()],
                source=ApplicationSource.DIRECT,
            )
        }
        fresh = await _create_applications(company, good, people, existing, now)
        for index, row, opening in good:
            applicant = people[row.external_id]
            application = existing.get((applicant.id, opening.id))
            if (
                application is not None
                and application.status == ApplicationStatus.HIRED
                and row.status == ApplicationStatus.REJECTED
            ):
                result.errors.append(
                    FieldError(
                        ErrorCode.WRONG_STATE,
                        "a hired application cannot be rejected",
                        ["rows", str(index), "status"],
                    )
                )
                continue
            if application is None:
                changed = fresh[(applicant.id, opening.id)], True
            else:
                changed = await _apply_row(company, row, application, now)
            if changed is None:
                result.unchanged += 1
                continue
            application, was_new = changed
            result.created += was_new
            result.updated += not was_new
            if row.status == ApplicationStatus.REJECTED:
                reason = default_reason
                note = ""
                if row.rejection_reason:
                    if row.rejection_reason not in reasons:
                        reasons[row.rejection_reason] = await rejection_reasons.find(
                            company.id, row.rejection_reason
                        )
                    reason, note = reasons[row.rejection_reason]
                decided = row.decided_at or now
                old = now - decided > OLD_REJECTION
                result.rejections.append(
                    await rejections.apply(
                        company,
                        application,
                        applicant,
                        opening,
                        rejections.Decision(reason, note, row.evaluation),
                        now=now,
                        mail_allowed=send_old_mails or not old,
                    )
                )


async def _upsert_applicants(
    company: Company, good: list[tuple[int, ImportRow, Opening]], row_tags: list[list[int]]
) -> dict[str, Applicant]:
    """One query to read, bulk writes for new and changed applicants."""
    wanted: dict[str, tuple[str, str, str, list[int]]] = {}
    for (_, row, _), tag_ids in zip(good, row_tags, strict=True):
        wanted[row.external_id] = (*applicants.clean(row.name, row.email), tag_ids)
    found = {
        a.external_id: a
        for a in await Applicant.filter(company_id=company.id, external_id__in=list(wanted))
    }
    new, changed = [], []
    for external_id, (name, email, email_normalized, tag_ids) in wanted.items():
        current = found.get(external_id)
        if current is None:
            new.append(
                Applicant(
                    company_id=company.id,
                    external_id=external_id,
                    name=name,
                    email=email,
                    email_normalized=email_normalized,
                    tag_ids=tag_ids,
                    locale=company.locale,
                )
            )
        elif (current.name, current.email, current.tag_ids) != (name, email, tag_ids):
            current.name, current.email = name, email
            current.email_normalized, current.tag_ids = email_normalized, tag_ids
            changed.append(current)
    if new:
        await Applicant.bulk_create(new, batch_size=1000)
        found |= {
            a.external_id: a
            for a in await Applicant.filter(
                company_id=company.id, external_id__in=[a.external_id for a in new]
            )
        }
    if changed:
        await Applicant.bulk_update(
            changed, fields=["name", "email", "email_normalized", "tag_ids"], batch_size=1000
        )
    return found


async def _create_applications(
    company: Company,
    good: list[tuple[int, ImportRow, Opening]],
    people: dict[str, Applicant],
    existing: dict[tuple[int, int], Application],
    now: datetime,
) -> dict[tuple[int, int], Application]:
    """Bulk-creates the applications the rows add, each with its first status event (two
    inserts per thousand rows rather than two per row); returns them by (applicant, opening).

    A rejected row starts as APPLIED: the rejection is applied to it afterwards.
    """
    new: dict[tuple[int, int], Application] = {}
    for _, row, opening in good:
        key = (people[row.external_id].id, opening.id)
        if key in existing:
            continue
        status = row.status
        new[key] = Application(
            company_id=company.id,
            applicant_id=key[0],
            opening_id=opening.id,
            status=ApplicationStatus.APPLIED if status == ApplicationStatus.REJECTED else status,
            applied_at=row.applied_at or now,
            decided_at=row.decided_at,
        )
    if not new:
        return {}
    await Application.bulk_create(list(new.values()), batch_size=1000)
    created = {
        (a.applicant_id, a.opening_id): a
        for a in await Application.filter(
            company_id=company.id,
            applicant_id__in=list({key[0] for key in new}),
            source=ApplicationSource.DIRECT,
        )
        if (a.applicant_id, a.opening_id) in new
    }
    await ApplicationEvent.bulk_create(
        [
            ApplicationEvent(
                company_id=company.id, application_id=a.id, status=a.status, at=a.applied_at
            )
            for a in created.values()
        ],
        batch_size=1000,
    )
    return created


async def _apply_row(
    company: Company,
    row: ImportRow,
    application: Application,
    now: datetime,
) -> tuple[Application, bool] | None:
    """Moves one existing application; None when the row changes nothing."""
    status = row.status
    if application.status == status:
        return None
    if status != ApplicationStatus.REJECTED:
        application.status = status
        application.decided_at = row.decided_at or application.decided_at
        await application.save()
        await ApplicationEvent.create(
            company_id=company.id,
            application_id=application.id,
            status=status,
            at=row.decided_at or now,
        )
    return application, False
