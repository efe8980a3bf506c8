"""Reading ATS exports (CSV) into import rows for
:func:`server.applications.ats_import.import_rows`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from strawberry import relay

from server.applications.ats_import import ImportRow
from server.models import ApplicationStatus

REQUIRED = ("externalId", "name", "email")
_TAG_SPLIT = re.compile(r"[;|,、]")


class CsvError(Exception):
    """The file cannot be imported at all (missing columns, wrong encoding)."""


def _date(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value.strip() else None


def _opening_id(value: str) -> int | None:
    if not value.strip():
        return None
    if value.strip().isdigit():
        return int(value)
    return int(relay.GlobalID.from_id(value.strip()).node_id)


def parse_row(record: dict[str, str]) -> ImportRow:
    """One CSV record; values that cannot be read raise ValueError with the column."""
    get = lambda name: (record.get(name) or "").strip()  # noqa: E731
    try:
        status = ApplicationStatus((get("status") or "APPLIED").upper())
    except ValueError as exc:
        raise ValueError(f"status: {get('status')!r} is not a status") from exc
    for column, reader in (("openingId", _opening_id), ("appliedAt", _date), ("decidedAt", _date)):
        try:
            reader(get(column))
        except ValueError as exc:
            raise ValueError(f"{column}: {get(column)!r} cannot be read") from exc
    evaluation = get("evaluation")
    return ImportRow(
        external_id=get("externalId"),
        name=get("name"),
        email=get("email"),
        opening_id=_opening_id(get("openingId")),
        opening_title=get("openingTitle") or None,
        status=status,
        tags=[t.strip() for t in _TAG_SPLIT.split(get("tags")) if t.strip()],
        applied_at=_date(get("appliedAt")),
        decided_at=_date(get("decidedAt")),
        rejection_reason=get("rejectionReason") or None,
        evaluation=int(evaluation) if evaluation.isdigit() else None,
    )


def read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, record) for each data line; UTF-8 with or without BOM."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CsvError(
                    f"missing columns: {', '.join(missing)} (have: "
                    f"{', '.join(reader.fieldnames or [])})"
                )
            for record in reader:
                yield reader.line_num, record
    except UnicodeDecodeError as exc:
        raise CsvError("the file is not UTF-8 text") from exc
