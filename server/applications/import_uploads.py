"""The console's import in steps: an uploaded file kept server-side (never the rows from the
browser), its columns mapped (remembered per company), a dry run, then the import in chunks
with its progress recorded on the upload.

The import runs in the web process, after the answer to the POST (the page then shows the
rows done as they grow), chunk by chunk, each chunk committed with the rows done. No worker
has to be up for it and nothing is queued that could be lost unseen: a run cut short (a
deploy, a crash) leaves its rows done recorded and, once its heartbeat is stale, is resumed
from there by posting again (the import is idempotent per row); a second run while one is
alive is refused.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from tortoise.expressions import Q

from server import audit
from server.applications import ats_files, ats_reader
from server.errors import DomainError, ErrorCode, NotFound
from server.models import ImportMapping, ImportUpload
from server.principal import Permission, Principal

UPLOAD_TTL = timedelta(hours=24)
CHUNK = 500
# An import whose request ended without finishing may be resumed after this long.
STALE_RUN = timedelta(minutes=5)
MAX_FILENAME = 200
KEPT_PER_COMPANY = 20
log = logging.getLogger(__name__)


async def remembered(company_id: int) -> dict[str, str]:
    return {m.header: m.field for m in await ImportMapping.filter(company_id=company_id)}


async def upload(principal: Principal, filename: str, data: bytes) -> ImportUpload:
    """Reads the file (DomainError on field ``file`` when it cannot be imported) and keeps it
    with the mapping guessed from known and remembered headers."""
    company_id = principal.require_company()
    principal.require(Permission.WRITE)
    if not data:
        raise DomainError(ErrorCode.REQUIRED, "choose a file", ["file"])
    table = ats_files.read_table(data)
    now = datetime.now(UTC)
    await _sweep(company_id, now)
    return await ImportUpload.create(
        token=secrets.token_urlsafe(24),
        company_id=company_id,
        member_id=principal.member_id,
        filename=(filename or "import.csv")[-MAX_FILENAME:],
        content=data,
        mapping=ats_reader.guess_mapping(table.headers, await remembered(company_id)),
        total_rows=len(table.rows),
        expires_at=now + UPLOAD_TTL,
    )


async def _sweep(company_id: int, now: datetime) -> None:
    """Expired uploads go, and a company keeps at most :data:`KEPT_PER_COMPANY` files."""
    await ImportUpload.filter(expires_at__lt=now).delete()
    older = (
        await ImportUpload.filter(company_id=company_id)
        .order_by("-created_at")
        .offset(KEPT_PER_COMPANY - 1)
        .values_list("id", flat=True)
    )
    if older:  # never one being imported
        await ImportUpload.filter(
            Q(started_at__isnull=True) | Q(finished_at__isnull=False), id__in=list(older)
        ).delete()


async def get(principal: Principal, token: str) -> ImportUpload:
    """The company's upload (NOT_FOUND for another company's, an expired one or none)."""
    found = await ImportUpload.get_or_none(
        token=token, company_id=principal.require_company(), expires_at__gt=datetime.now(UTC)
    )
    if found is None:
        raise NotFound("import")
    return found


async def recent(principal: Principal, limit: int = 10) -> list[ImportUpload]:
    return (
        await ImportUpload.filter(
            company_id=principal.require_company(), expires_at__gt=datetime.now(UTC)
        )
        .order_by("-created_at")
        .limit(limit)
    )


def table(found: ImportUpload) -> ats_files.Table:
    if found.finished_at is not None:
        raise DomainError(ErrorCode.WRONG_STATE, "this file was imported already", ["file"])
    return ats_files.read_table(bytes(found.content))


async def save_mapping(principal: Principal, token: str, mapping: list[str]) -> ImportUpload:
    """Sets the columns' fields and remembers the company's own choices for next time."""
    principal.require(Permission.WRITE)
    found = await get(principal, token)
    headers = table(found).headers
    mapping = [f if f in ats_reader.FIELDS else ats_reader.IGNORED for f in mapping]
    mapping = (mapping + [ats_reader.IGNORED] * len(headers))[: len(headers)]
    errors = ats_reader.check_mapping(mapping)
    if errors:
        raise DomainError.many(errors)
    found.mapping = mapping
    await found.save(update_fields=["mapping"])
    await _remember(found.company_id, headers, mapping)
    return found


async def _remember(company_id: int, headers: list[str], mapping: list[str]) -> None:
    """Keeps the choices a known header would not give; forgets those it gives again."""
    chosen = {k[:200]: f for k, f in ats_reader.to_remember(headers, mapping).items()}
    for header, field in chosen.items():
        await ImportMapping.update_or_create({"field": field}, company_id=company_id, header=header)
    usual = [ats_reader.header_key(h)[:200] for h in headers]
    await ImportMapping.filter(
        company_id=company_id, header__in=[k for k in usual if k not in chosen]
    ).delete()


def _parsed(found: ImportUpload) -> ats_reader.Parsed:
    mapping = list(found.mapping)
    errors = ats_reader.check_mapping(mapping)
    if errors:
        raise DomainError.many(errors)
    return ats_reader.parse_rows(table(found), mapping)


async def dry_run(principal: Principal, token: str) -> ats_reader.Outcome:
    """What the import would do, with every row's problems; nothing is written."""
    principal.require(Permission.WRITE)
    parsed = _parsed(await get(principal, token))
    outcome = ats_reader.Outcome()
    async for _ in ats_reader.import_parsed(
        principal, parsed, outcome, chunk=ats_files.MAX_ROWS, dry_run=True
    ):
        pass
    return outcome


async def start(principal: Principal, token: str) -> ImportUpload:
    """Claims the import for one run (refused while another is running); the rows are
    imported by :func:`finish`, in this request or after its answer."""
    principal.require(Permission.WRITE)
    found = await get(principal, token)
    table(found)  # not imported yet
    errors = ats_reader.check_mapping(list(found.mapping))
    if errors:
        raise DomainError.many(errors)
    await _claim(found)
    return found


async def finish(principal: Principal, found: ImportUpload, redis: ArqRedis | None) -> None:
    """Imports a started upload from its rows done, chunk by chunk, each recorded; the file
    is dropped at the end. A failure leaves the rows done and the run resumable at once."""
    try:
        await _import(principal, found, redis)
    except Exception:
        log.exception("import %s stopped after %s rows", found.id, found.done_rows)
        await ImportUpload.filter(id=found.id).update(started_at=_stalled())
        raise


async def run(principal: Principal, token: str, redis: ArqRedis | None) -> ImportUpload:
    """:func:`start` and :func:`finish` in one go."""
    found = await start(principal, token)
    await finish(principal, found, redis)
    return found


def _stalled() -> datetime:
    return datetime.now(UTC) - STALE_RUN * 2


async def _import(principal: Principal, found: ImportUpload, redis: ArqRedis | None) -> None:
    parsed = _parsed(found)
    outcome = ats_reader.Outcome.from_json(found.result)
    async for done in ats_reader.import_parsed(
        principal, parsed, outcome, chunk=CHUNK, start=found.done_rows, redis=redis
    ):
        found.done_rows, found.result = done, outcome.to_json()
        found.started_at = datetime.now(UTC)  # a heartbeat: the run is alive
        await found.save(update_fields=["done_rows", "result", "started_at"])
    found.finished_at, found.content = datetime.now(UTC), b""
    await found.save(update_fields=["finished_at", "content"])
    await audit.record(
        principal,
        "applications.import",
        "ImportUpload",
        found.id,
        rows=found.total_rows,
        created=outcome.created,
        updated=outcome.updated,
        rejected=outcome.rejected_rows,
    )


async def _claim(found: ImportUpload) -> None:
    """Marks the run started; refuses while another request is running it."""
    now = datetime.now(UTC)
    claimed = (
        await ImportUpload.filter(id=found.id, finished_at=None)
        .filter(started_at=None)
        .update(started_at=now)
    ) or (
        await ImportUpload.filter(
            id=found.id, finished_at=None, started_at__lt=now - STALE_RUN
        ).update(started_at=now)
    )
    if not claimed:
        raise DomainError(ErrorCode.WRONG_STATE, "this import is running already", ["file"])
    found.started_at = now
