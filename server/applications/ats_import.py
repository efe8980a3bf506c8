"""Importing applications from an ATS export: the rows, checked one by one (a bad row never
blocks a good one); the good ones written by :mod:`server.applications.ats_writes`
(applicants, applications and their history upserted in bulk, the rejected ones sent on to the
rejection flow); a dry run that counts what an import would do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from arq.connections import ArqRedis

from server import idempotency
from server.applications import applicants, ats_writes, rejections
from server.errors import DomainError, ErrorCode, FieldError
from server.models import (
    Applicant,
    Application,
    ApplicationSource,
    ApplicationStatus,
    Company,
    Opening,
)
from server.principal import Permission, Principal
from server.text import fold, normalize

MAX_IMPORT_ROWS = 10_000


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
        await ats_writes.write_rows(company, good, result, send_old_mails)
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
