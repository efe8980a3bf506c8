"""The one reader of ATS exports, for `relay import`, the console's import and (through
:func:`server.applications.ats_import.import_rows`) ``importApplications``.

A file becomes a :class:`~server.applications.ats_files.Table` (:mod:`.ats_files`); each
column is mapped to an import field (English and common Japanese headers are known, any other
a company chose is remembered); each row becomes an
:class:`~server.applications.ats_import.ImportRow` or a :class:`RowProblem` naming its line.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from arq.connections import ArqRedis

from server.applications.ats_files import Table
from server.applications.ats_import import ImportRow, import_rows
from server.errors import ErrorCode, FieldError
from server.models import ApplicationStatus
from server.principal import Principal
from server.text import fold, normalize
from server.timezones import JAPAN

MAX_CELL = 2_000

FIELDS = (
    "externalId",
    "name",
    "email",
    "openingTitle",
    "openingId",
    "status",
    "tags",
    "appliedAt",
    "decidedAt",
    "rejectionReason",
    "evaluation",
)
REQUIRED = ("externalId", "name", "email")
IGNORED = ""

_HEADERS = {
    "externalId": "externalId external_id id applicantId candidateId 応募者ID 応募者番号 "
    "候補者ID 応募ID 管理番号",
    "name": "name fullName applicantName 氏名 名前 応募者名 候補者名 氏名(漢字)",
    "email": "email e-mail emailAddress mail メールアドレス メール Eメール 連絡先メール",
    "openingTitle": "openingTitle opening job jobTitle position 応募職種 職種 求人 求人名 "
    "募集職種 ポジション 応募求人",
    "openingId": "openingId 求人ID",
    "status": "status stage ステータス 選考結果 選考状況 選考ステータス 選考段階",
    "tags": "tags skills タグ スキル",
    "appliedAt": "appliedAt applied applicationDate 応募日 応募日時",
    "decidedAt": "decidedAt decided decisionDate 結果日 選考結果日 判定日 不採用日",
    "rejectionReason": "rejectionReason reason 不採用理由 見送り理由 お見送り理由",
    "evaluation": "evaluation rating score 評価 評価点",
}
_STATUS_WORDS = {
    ApplicationStatus.APPLIED: "applied new 応募 新規 エントリー 未対応 応募済み",
    ApplicationStatus.IN_REVIEW: "in_review inReview review screening interview 選考中 "
    "書類選考 書類選考中 面接 面接中 一次面接 二次面接 最終面接",
    ApplicationStatus.OFFERED: "offered offer 内定 内定通知済み",
    ApplicationStatus.HIRED: "hired 採用 入社 入社済み 内定承諾",
    ApplicationStatus.REJECTED: "rejected 不採用 不合格 お見送り 見送り",
    ApplicationStatus.DECLINED: "declined withdrawn 辞退 内定辞退 選考辞退",
}
_KEY_DROP = re.compile(r"[\s_\-・:：]+")
_TAG_SPLIT = re.compile(r"[;|,、\n]")
_JAPANESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(.*)$")


def header_key(header: str) -> str:
    """The lookup form of a header or value: NFKC, case-folded, no spaces, _ - ・ or colons."""
    return _KEY_DROP.sub("", fold(header))


KNOWN_HEADERS = {header_key(h): f for f, words in _HEADERS.items() for h in words.split()}
_STATUSES = {header_key(w): s for s, words in _STATUS_WORDS.items() for w in words.split()}


@dataclass
class RowProblem:
    line: int
    field: str
    code: ErrorCode
    message: str

    def to_json(self) -> list:
        return [self.line, self.field, self.code.value, self.message]

    @classmethod
    def from_json(cls, data: list) -> RowProblem:
        return cls(data[0], data[1], ErrorCode(data[2]), data[3])


@dataclass
class Parsed:
    """The rows of a table, aligned with it: an ImportRow, or None for a row that could not
    be read (its problem is in ``problems``)."""

    rows: list[ImportRow | None]
    lines: list[int]
    problems: list[RowProblem] = field(default_factory=list)


# --- the mapping --------------------------------------------------------------------------


def guess_mapping(headers: list[str], remembered: dict[str, str]) -> list[str]:
    """The field of each column: the company's remembered choice for that header, else a
    known header; each field once (a later column with the same field is ignored)."""
    used: set[str] = set()
    mapping = []
    for header in headers:
        key = header_key(header)
        chosen = remembered[key] if key in remembered else KNOWN_HEADERS.get(key, IGNORED)
        if chosen in used or chosen not in FIELDS:
            chosen = IGNORED
        used.add(chosen)
        mapping.append(chosen)
    return mapping


def check_mapping(mapping: list[str]) -> list[FieldError]:
    """A field named by two columns, or a required field named by none."""
    errors = []
    for name in sorted({f for f in mapping if f and mapping.count(f) > 1}):
        errors.append(
            FieldError(ErrorCode.ALREADY_EXISTS, f"{name} is chosen for two columns", [name])
        )
    for name in REQUIRED:
        if name not in mapping:
            errors.append(FieldError(ErrorCode.REQUIRED, f"no column holds {name}", [name]))
    if "openingId" not in mapping and "openingTitle" not in mapping:
        errors.append(
            FieldError(ErrorCode.REQUIRED, "no column holds openingTitle", ["openingTitle"])
        )
    return errors


def to_remember(headers: list[str], mapping: list[str]) -> dict[str, str]:
    """The choices worth remembering for a company: those a known header would not give."""
    return {
        header_key(h): f
        for h, f in zip(headers, mapping, strict=True)
        if header_key(h) and KNOWN_HEADERS.get(header_key(h), IGNORED) != f
    }


# --- the rows -----------------------------------------------------------------------------


class CellError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def records(table: Table, mapping: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {field: text}) for each data row."""
    columns = [(i, f) for i, f in enumerate(mapping) if f]
    for line, row in zip(table.lines, table.rows, strict=True):
        yield line, {f: (row[i] if i < len(row) else "").strip() for i, f in columns}


def parse_rows(table: Table, mapping: list[str]) -> Parsed:
    parsed = Parsed([], list(table.lines))
    for line, record in records(table, mapping):
        try:
            parsed.rows.append(parse_row(record))
        except CellError as error:
            parsed.rows.append(None)
            parsed.problems.append(RowProblem(line, error.field, ErrorCode.INVALID, error.message))
    return parsed


def parse_row(record: dict[str, str]) -> ImportRow:
    """One record; a value that cannot be read raises CellError naming its field."""
    get = record.get
    for name in FIELDS:
        if len(get(name) or "") > MAX_CELL:
            raise CellError(name, f"at most {MAX_CELL} characters")
    return ImportRow(
        external_id=get("externalId") or "",
        name=get("name") or "",
        email=get("email") or "",
        opening_id=_opening_id(get("openingId") or ""),
        opening_title=get("openingTitle") or None,
        status=_status(get("status") or ""),
        tags=[t.strip() for t in _TAG_SPLIT.split(get("tags") or "") if t.strip()],
        applied_at=_date("appliedAt", get("appliedAt") or ""),
        decided_at=_date("decidedAt", get("decidedAt") or ""),
        rejection_reason=get("rejectionReason") or None,
        evaluation=_evaluation(get("evaluation") or ""),
    )


def _status(value: str) -> ApplicationStatus:
    if not value:
        return ApplicationStatus.APPLIED
    status = _STATUSES.get(header_key(value))
    if status is None:
        raise CellError("status", f"{value!r} is not a status")
    return status


def _date(name: str, value: str) -> datetime | None:
    """ISO dates and times, 2026/11/03, 2026年11月3日; Japan time unless a zone is given."""
    if not value:
        return None
    text = normalize(value).replace("/", "-")
    if match := _JAPANESE_DATE.match(text):
        year, month, day, rest = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
        except ValueError as exc:
            raise CellError(name, f"{value!r} is not a date") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=JAPAN)


def _evaluation(value: str) -> int | None:
    text = normalize(value)
    if not text:
        return None
    if not text.isdigit():
        raise CellError("evaluation", f"{value!r} is not a number from 1 to 5")
    return int(text)


def _opening_id(value: str) -> int | None:
    """A number, or the API's global ID of an Opening."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        kind, _, number = base64.b64decode(text, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, number = "", ""
    if kind != "Opening" or not number.isdigit():
        raise CellError("openingId", f"{value!r} is not an opening id")
    return int(number)


def problems_of(errors: list[FieldError], lines: list[int]) -> list[RowProblem]:
    """The per-row errors of an import (field ``[rows, index, name]``) by line of the file."""
    return [
        RowProblem(lines[int(e.field[1])], e.field[-1], e.code, e.message)
        for e in errors
        if len(e.field) >= 3 and e.field[0] == "rows"
    ]


@dataclass
class Outcome:
    """What an import (or its dry run) did so far, JSON-able between requests."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.line for p in self.problems})

    def to_json(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": [p.to_json() for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict) -> Outcome:
        problems = [RowProblem.from_json(p) for p in data.get("problems", [])]
        return cls(
            data.get("created", 0), data.get("updated", 0), data.get("unchanged", 0), problems
        )


async def import_parsed(
    principal: Principal,
    parsed: Parsed,
    outcome: Outcome,
    *,
    chunk: int,
    start: int = 0,
    dry_run: bool = False,
    send_old_mails: bool = False,
    redis: ArqRedis | None = None,
    key: str | None = None,
) -> AsyncIterator[int]:
    """Imports the rows from ``start`` in chunks (each its own transaction, through
    :func:`import_rows`); adds each chunk's counts and problems to ``outcome`` and yields the
    rows done. Rows that could not be read count as problems once, in their chunk.

    ``key`` names the import for idempotency: a chunk run again returns its first counts.
    """
    for begin in range(start, len(parsed.rows), chunk):
        end = min(begin + chunk, len(parsed.rows))
        wanted = [i for i in range(begin, end) if parsed.rows[i] is not None]
        lines = [parsed.lines[i] for i in wanted]
        chunk_lines = set(parsed.lines[begin:end])
        outcome.problems += [p for p in parsed.problems if p.line in chunk_lines]
        if wanted:
            result = await import_rows(
                principal,
                [parsed.rows[i] for i in wanted],
                send_old_mails=send_old_mails,
                redis=redis,
                idempotency_key=f"{key}:{begin}:{end}" if key else None,
                dry_run=dry_run,
            )
            outcome.created += result.created
            outcome.updated += result.updated
            outcome.unchanged += result.unchanged
            outcome.problems += problems_of(result.errors, lines)
        yield end
