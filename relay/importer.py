"""`relay import`: a CSV file through the same core as importApplications, in chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from relay import csv_import
from server.applications import ats_import
from server.companies.auth import AuthError, authenticate


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({p.split(":", 1)[0] for p in self.problems})

    def describe(self) -> str:
        lines = [
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        ]
        lines += [f"  {p}" for p in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"  ... and {len(self.problems) - 200} more")
        return "\n".join(lines)


async def run_import(
    path: Path, company_key: str, send_old_mails: bool, chunk: int
) -> ImportSummary:
    """Reads, validates and imports the file; returns what happened to each row."""
    try:
        principal = await authenticate(f"Bearer {company_key}")
    except AuthError as error:
        raise RuntimeError(f"--company-key: {error.message}") from error
    principal.require_company()
    records = list(csv_import.read(path))
    summary = ImportSummary()
    with Progress(transient=True) as progress:
        task = progress.add_task("importing", total=len(records))
        for start in range(0, len(records), chunk):
            batch = records[start : start + chunk]
            rows, lines = [], []
            for line, record in batch:
                try:
                    rows.append(csv_import.parse_row(record))
                    lines.append(line)
                except ValueError as error:
                    summary.problems.append(f"line {line}: {error}")
            result = await ats_import.import_rows(principal, rows, send_old_mails=send_old_mails)
            summary.created += result.created
            summary.updated += result.updated
            summary.unchanged += result.unchanged
            summary.problems += [
                f"line {lines[int(e.field[1])]}: {e.field[-1]}: {e.message}" for e in result.errors
            ]
            progress.advance(task, len(batch))
    return summary
