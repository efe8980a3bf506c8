"""Import from an ATS export (upload, columns, dry run, import with its progress) and the
CSV exports of applications and referrals. The rows always come from the file kept
server-side (server/applications/import_uploads.py), never from the browser."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from server.applications import ats_files, ats_reader, exports, import_uploads
from server.errors import DomainError, ErrorCode
from server.models import ImportUpload
from server.principal import Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

# The upload's form may be as large as the API's body limit; the reader says what it takes.
UPLOAD_BYTES = 8_000_000 - pages.MAX_FORM_BYTES
SAMPLES = 3
SHOWN_PROBLEMS = 500
REFRESH_SECONDS = 2

FIELD_LABELS = {
    "": "console.imports.field.ignore",
    "externalId": "console.imports.field.externalId",
    "name": "console.imports.field.name",
    "email": "console.imports.field.email",
    "openingTitle": "console.imports.field.openingTitle",
    "openingId": "console.imports.field.openingId",
    "status": "console.imports.field.status",
    "tags": "console.imports.field.tags",
    "appliedAt": "console.imports.field.appliedAt",
    "decidedAt": "console.imports.field.decidedAt",
    "rejectionReason": "console.imports.field.rejectionReason",
    "evaluation": "console.imports.field.evaluation",
}
PROBLEMS = {
    ErrorCode.INVALID: "console.imports.problem.INVALID",
    ErrorCode.REQUIRED: "console.imports.problem.REQUIRED",
    ErrorCode.TOO_LONG: "console.imports.problem.TOO_LONG",
    ErrorCode.NOT_FOUND: "console.imports.problem.NOT_FOUND",
    ErrorCode.ALREADY_EXISTS: "console.imports.problem.ALREADY_EXISTS",
    ErrorCode.WRONG_STATE: "console.imports.problem.WRONG_STATE",
}
EXPORT_HEADERS = {
    "externalId": "console.exports.externalId",
    "name": "console.exports.name",
    "email": "console.exports.email",
    "openingTitle": "console.exports.openingTitle",
    "status": "console.exports.status",
    "appliedAt": "console.exports.appliedAt",
    "decidedAt": "console.exports.decidedAt",
    "rejectionReason": "console.exports.rejectionReason",
    "evaluation": "console.exports.evaluation",
    "referralStatus": "console.exports.referralStatus",
    "createdAt": "console.exports.createdAt",
    "mailedAt": "console.exports.mailedAt",
    "clickedAt": "console.exports.clickedAt",
    "registeredAt": "console.exports.registeredAt",
    "qualifiedAt": "console.exports.qualifiedAt",
}


def _token(request: Request) -> str:
    return request.path_params["token"]


def _base(found: ImportUpload) -> str:
    return f"/app/imports/{found.token}"


# --- upload ---------------------------------------------------------------------------------


async def _imports_page(
    request: Request,
    principal: Principal,
    *,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    return await view.render(
        request,
        principal,
        "console/imports.html",
        {
            "uploads": await import_uploads.recent(principal),
            "errors": errors or pages.Errors(),
            "max_mb": ats_files.MAX_FILE_BYTES // 1_000_000,
            "max_rows": f"{ats_files.MAX_ROWS:,}",
        },
        status_code=status_code,
        page_path="/app/imports",
    )


@page("/app/imports")
async def imports_page(request: Request, principal: Principal) -> Response:
    return await _imports_page(request, principal)


@action("/app/imports/upload", "importApplications", file_bytes=UPLOAD_BYTES)
async def upload(request: Request, principal: Principal, form: FormData) -> Response:
    file = form.get("file")
    data = await file.read() if isinstance(file, UploadFile) else b""
    name = file.filename or "" if isinstance(file, UploadFile) else ""
    try:
        found = await import_uploads.upload(principal, name, data)
    except DomainError as error:
        errors = _file_errors(request, error)
        return await _imports_page(request, principal, errors=errors, status_code=422)
    return RedirectResponse(_base(found), status_code=303)


def _file_errors(request: Request, error: DomainError) -> pages.Errors:
    """A file that cannot be imported: the reason in the page's language, next to the field."""
    code = error.errors[0].code
    key = {
        ErrorCode.REQUIRED: "console.imports.file_required",
        ErrorCode.TOO_LONG: "console.imports.file_too_large",
        ErrorCode.TOO_MANY_ITEMS: "console.imports.file_too_many_rows",
    }.get(code, "console.imports.file_unreadable")
    message = pages.t(request)(
        key, max_mb=ats_files.MAX_FILE_BYTES // 1_000_000, max_rows=f"{ats_files.MAX_ROWS:,}"
    )
    return pages.Errors(fields={"file": message})


# --- columns --------------------------------------------------------------------------------


async def _mapping_page(
    request: Request,
    principal: Principal,
    found: ImportUpload,
    *,
    mapping: list[str] | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    table = import_uploads.table(found)
    mapping = mapping or list(found.mapping)
    remembered = await import_uploads.remembered(found.company_id)
    columns = [
        {
            "index": i,
            "header": header,
            "field": mapping[i] if i < len(mapping) else "",
            "samples": [row[i] for row in table.rows[:SAMPLES] if i < len(row)],
            "remembered": ats_reader.header_key(header) in remembered,
        }
        for i, header in enumerate(table.headers)
    ]
    return await view.render(
        request,
        principal,
        "console/import_mapping.html",
        {
            "upload": found,
            "columns": columns,
            "fields": FIELD_LABELS,
            "encoding": table.encoding,
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path=_base(found),
    )


@page("/app/imports/{token}")
async def upload_page(request: Request, principal: Principal) -> Response:
    found = await import_uploads.get(principal, _token(request))
    if found.started_at is not None:
        return await _progress_page(request, principal, found)
    return await _mapping_page(request, principal, found)


@action("/app/imports/{token}/mapping", "importApplications")
async def save_mapping(request: Request, principal: Principal, form: FormData) -> Response:
    found = await import_uploads.get(principal, _token(request))
    count = len(import_uploads.table(found).headers)
    mapping = [pages.text(form, f"column-{i}") for i in range(count)]
    try:
        found = await import_uploads.save_mapping(principal, found.token, mapping)
    except DomainError as error:
        if (answer := refused(request, error)) is not None:
            return answer
        errors = _mapping_errors(request, error)
        return await _mapping_page(
            request, principal, found, mapping=mapping, errors=errors, status_code=422
        )
    return RedirectResponse(f"{_base(found)}/check", status_code=303)


def _mapping_errors(request: Request, error: DomainError) -> pages.Errors:
    translate = pages.t(request)
    out = pages.Errors()
    for item in error.errors:
        label = translate(FIELD_LABELS.get(item.field[-1] if item.field else "", ""))
        key = (
            "console.imports.mapping_twice"
            if item.code == ErrorCode.ALREADY_EXISTS
            else "console.imports.mapping_missing"
        )
        out.page.append(translate(key, field=label))
    return out


# --- dry run --------------------------------------------------------------------------------


def _problems(
    request: Request,
    problems: Sequence[ats_reader.RowProblem],
    headers: list[str],
    mapping: list[str],
) -> list[dict[str, Any]]:
    translate = pages.t(request)
    column = {f: h for h, f in zip(headers, mapping, strict=False) if f}
    if "openingId" not in column and "openingTitle" in column:
        column["openingId"] = column["openingTitle"]  # "opening not found": the title's column
    return [
        {
            "line": p.line,
            "column": column.get(p.field) or translate(FIELD_LABELS.get(p.field, "")),
            "message": translate(_problem_key(p)),
        }
        for p in sorted(problems, key=lambda p: p.line)[:SHOWN_PROBLEMS]
    ]


def _problem_key(problem: ats_reader.RowProblem) -> str:
    if problem.code == ErrorCode.INVALID and problem.field == "email":
        return "console.imports.problem.email_INVALID"
    return PROBLEMS.get(problem.code, "console.imports.problem.INVALID")


@page("/app/imports/{token}/check")
async def check_page(request: Request, principal: Principal) -> Response:
    found = await import_uploads.get(principal, _token(request))
    if found.started_at is not None:
        return RedirectResponse(_base(found), status_code=303)
    try:
        outcome = await import_uploads.dry_run(principal, found.token)
    except DomainError as error:
        if error.errors[0].field == ["file"] or (refused(request, error) is not None):
            raise
        return await _mapping_page(
            request, principal, found, errors=_mapping_errors(request, error), status_code=422
        )
    headers = import_uploads.table(found).headers
    return await view.render(
        request,
        principal,
        "console/import_check.html",
        {
            "upload": found,
            "outcome": outcome,
            "problems": _problems(request, outcome.problems, headers, list(found.mapping)),
            "more_problems": max(0, len(outcome.problems) - SHOWN_PROBLEMS),
            "ready": outcome.created + outcome.updated + outcome.unchanged,
        },
        page_path=f"{_base(found)}/check",
    )


# --- import ---------------------------------------------------------------------------------


@action("/app/imports/{token}/run", "importApplications")
async def run(request: Request, principal: Principal, form: FormData) -> Response:
    """Starts the import and answers at once: the rows are imported after the answer while
    the progress page shows them done (server/applications/import_uploads.py)."""
    try:
        found = await import_uploads.start(principal, _token(request))
    except DomainError as error:
        if (answer := refused(request, error)) is not None:
            return answer
        return done(f"/app/imports/{_token(request)}", "console.ok.import_running")
    answer = done(_base(found), "console.ok.import_started")
    answer.background = BackgroundTask(
        import_uploads.finish, principal, found, request.app.state.redis
    )
    return answer


async def _progress_page(request: Request, principal: Principal, found: ImportUpload):
    outcome = ats_reader.Outcome.from_json(found.result)
    running = found.finished_at is None
    stalled = running and found.started_at < _now() - import_uploads.STALE_RUN
    answer = await view.render(
        request,
        principal,
        "console/import_progress.html",
        {
            "upload": found,
            "outcome": outcome,
            "problems": _problems(request, outcome.problems, [], []),
            "more_problems": max(0, len(outcome.problems) - SHOWN_PROBLEMS),
            "running": running,
            "stalled": stalled,
            "percent": found.done_rows * 100 // max(found.total_rows, 1),
        },
        page_path=_base(found),
    )
    if running and not stalled:
        # the rows done as they grow, without a script (and without the "started" message)
        answer.headers["refresh"] = f"{REFRESH_SECONDS}; url={_base(found)}"
    return answer


def _now() -> datetime:
    return datetime.now(UTC)


# --- exports --------------------------------------------------------------------------------


def _cell(value: Any, translate) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(pages.DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Enum):
        return translate(f"console.exports.value.{value.value}")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # never a formula in Excel
    return value


async def _csv(
    request: Request, columns: Sequence[str], rows: AsyncIterator[list[Any]]
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM and CRLF line ends: what Excel opens as Japanese text."""
    translate = pages.t(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([translate(EXPORT_HEADERS[c]) for c in columns])
    yield codecs.BOM_UTF8 + _take(buffer)
    count = 0
    async for row in rows:
        writer.writerow([_cell(v, translate) for v in row])
        count += 1
        if count % 500 == 0:
            yield _take(buffer)
    yield _take(buffer)


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def _download(body: AsyncIterator[bytes], name: str) -> StreamingResponse:
    stamp = _now().astimezone(pages.DISPLAY_ZONE).strftime("%Y%m%d")
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "cache-control": "no-store",
        },
    )


@page("/app/applications/export.csv")
async def export_applications(request: Request, principal: Principal) -> Response:
    rows = exports.application_rows(principal, pages.lang(request))
    return _download(_csv(request, exports.APPLICATION_COLUMNS, rows), "applications")


@page("/app/referrals/export.csv")
async def export_referrals(request: Request, principal: Principal) -> Response:
    rows = exports.referral_rows(principal)
    return _download(_csv(request, exports.REFERRAL_COLUMNS, rows), "referrals")
