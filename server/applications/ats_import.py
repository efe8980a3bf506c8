"""Importing applications from an ATS export: rows checked one by one, good rows upserted in
bulk (applicants, applications, their history), the rejected ones sent on to the rejection
flow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import idempotency
from server.applications import applicants, rejections
from server.applications import reasons as rejection_reasons
from server.applications.records import resolve_tags
from server.errors import DomainError, ErrorCode, FieldError
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
from server.principal import Permission, Principal
from server.text import fold, normalize

MAX_IMPORT_ROWS = 10_000
OLD_REJECTION = timedelta(days=30)


# --- import -----------------------------------------------------------------------------


@dataclass
class ImportRow:
    external_id: str
    name: str
    email: str
    opening_id: int | None = None
    opening_title: str | None = None
    status: ApplicationStatus = ApplicationStatus.APPLIED
    tags: list[str] = field(default_factory=list)
    applied_at: datetime | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    evaluation: int | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    rejections: list[rejections.Rejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({tuple(e.field[:2]) for e in self.errors})

    def to_json(self) -> dict:
        """What a retry with the same idempotency key gets back (mails are not sent again)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [[e.code.value, e.message, e.field] for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        errors = [FieldError(ErrorCode(code), message, f) for code, message, f in data["errors"]]
        return cls(data["created"], data["updated"], data["unchanged"], errors)


def _row_errors(index: int, row: ImportRow) -> list[FieldError]:
    prefix = ["rows", str(index)]
    errors = applicants.check(normalize(row.name), normalize(row.email), row.external_id, prefix)
    if not (row.external_id or "").strip():
        errors.append(
            FieldError(ErrorCode.REQUIRED, "externalId is required", [*prefix, "externalId"])
        )
    if row.opening_id is None and not (row.opening_title or "").strip():
        errors.append(
            FieldError(
                ErrorCode.REQUIRED, "openingId or openingTitle is required", [*prefix, "openingId"]
            )
        )
    if len(row.tags) > 100:
        errors.append(FieldError(ErrorCode.TOO_LONG, "at most 100 tags", [*prefix, "tags"]))
    if row.rejection_reason and len(row.rejection_reason) > rejections.MAX_NOTE:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG,
                f"rejectionReason is at most {rejections.MAX_NOTE} characters",
                [*prefix, "rejectionReason"],
            )
        )
    errors += rejections.check_evaluation(row.evaluation, prefix)
    return errors


def _find_opening(row: ImportRow, by_id: dict[int, Opening], by_title: dict[str, Opening]):
    if row.opening_id is not None:
        return by_id.get(row.opening_id)
    return by_title.get(fold(row.opening_title or ""))


async def import_rows(
    principal: Principal,
    rows: list[ImportRow],
    *,
    send_old_mails: bool = False,
    redis: ArqRedis | None = None,
    idempotency_key: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Upserts applicants and applications from ATS rows; bad rows never block good ones.

    Re-running the same rows changes nothing and sends nothing. Rejected rows create
    referrals; their mails go out unless decided more than 30 days ago (``send_old_mails``
    overrides). A retry with the same ``idempotency_key`` returns the first run's counts.
    ``dry_run`` writes nothing: the per-row errors, and what the import would create,
    update or leave unchanged.
    """
    principal.require_company()
    principal.require(Permission.WRITE)
    if dry_run:
        return await _dry_run(principal, rows)
    fresh: list[ImportResult] = []

    async def work() -> dict:
        fresh.append(await _import(principal, rows, send_old_mails))
        return fresh[0].to_json()

    request = {"rows": [asdict(r) for r in rows], "send_old_mails": send_old_mails}
    recorded = await idempotency.once_after(
        principal, "importApplications", idempotency_key, request, work
    )
    if not fresh:  # a retry: the first run's result, nothing to send
        return ImportResult.from_json(recorded)
    if redis is not None:
        await rejections.enqueue_due(redis, fresh[0].rejections)
    return fresh[0]


async def _import(
    principal: Principal, rows: list[ImportRow], send_old_mails: bool
) -> ImportResult:
    result = ImportResult()
    company = await Company.get(id=principal.require_company())
    good = await _check(company.id, rows, result)
    if good:
        await _import_good_rows(company, good, result, send_old_mails)
    return result


async def _dry_run(principal: Principal, rows: list[ImportRow]) -> ImportResult:
    """What :func:`_import` would do, read but not written (hired-then-rejected rows are
    found as the import finds them)."""
    company_id = principal.require_company()
    result = ImportResult()
    good = await _check(company_id, rows, result)
    people = {
        a.external_id: a.id
        for a in await Applicant.filter(
            company_id=company_id, external_id__in=list({r.external_id for _, r, _ in good})
        )
    }
    existing = {
        (a.applicant_id, a.opening_id): a.status
        for a in await Application.filter(
            company_id=company_id,
            applicant_id__in=list(people.values()),
            source=ApplicationSource.DIRECT,
        )
    }
    for index, row, opening in good:
        status = existing.get((people.get(row.external_id), opening.id))
        if status is None:
            result.created += 1
        elif status == ApplicationStatus.HIRED and row.status == ApplicationStatus.REJECTED:
            result.errors.append(
                FieldError(
                    ErrorCode.WRONG_STATE,
                    "a hired application cannot be rejected",
                    ["rows", str(index), "status"],
                )
            )
        elif status == row.status:
            result.unchanged += 1
        else:
            result.updated += 1
    return result


async def _check(
    company_id: int, rows: list[ImportRow], result: ImportResult
) -> list[tuple[int, ImportRow, Opening]]:
    """The rows that can be imported, with their opening; the others' errors in ``result``."""
    if len(rows) > MAX_IMPORT_ROWS:
        raise DomainError(
            ErrorCode.TOO_LONG, f"at most {MAX_IMPORT_ROWS} rows per import", ["rows"]
        )
    all_openings = await Opening.filter(company_id=company_id)
    by_id = {o.id: o for o in all_openings}
    by_title = {fold(o.title): o for o in all_openings}
    good: list[tuple[int, ImportRow, Opening]] = []
    seen_ids: set[str] = set()
    for index, row in enumerate(rows):
        errors = _row_errors(index, row)
        opening = _find_opening(row, by_id, by_title)
        if not errors and opening is None:
            errors.append(
                FieldError(
                    ErrorCode.NOT_FOUND, "opening not found", ["rows", str(index), "openingId"]
                )
            )
        key = f"{row.external_id}\x00{opening.id if opening else ''}"
        if not errors and key in seen_ids:
            errors.append(
                FieldError(
                    ErrorCode.ALREADY_EXISTS,
                    "duplicate of an earlier row",
                    ["rows", str(index), "externalId"],
                )
            )
        if errors:
            result.errors += errors
            continue
        seen_ids.add(key)
        good.append((index, row, opening))
    return good


async def _import_good_rows(
    company: Company,
    good: list[tuple[int, ImportRow, Opening]],
    result: ImportResult,
    send_old_mails: bool,
) -> None:
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
