"""`relay import`: a CSV or Excel file through the same reader and core as the console's
import and importApplications, in chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from server.applications import ats_files, ats_reader
from server.companies.auth import AuthError, authenticate
from server.errors import DomainError


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        ]
        lines += [f"  {p}" for p in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"  ... and {len(self.problems) - 200} more")
        return "\n".join(lines)


def read(path: Path) -> tuple[ats_files.Table, list[str]]:
    """The file's table and its columns' fields (known headers only: English field names or
    the usual Japanese ones); RuntimeError when it cannot be imported."""
    try:
        table = ats_files.read_table(path.read_bytes())
    except DomainError as error:
        raise RuntimeError(f"{path}: {error}") from error
    mapping = ats_reader.guess_mapping(table.headers, {})
    missing = ats_reader.check_mapping(mapping)
    if missing:
        raise RuntimeError(
            f"{'; '.join(e.message for e in missing)} (columns: {', '.join(table.headers)})"
        )
    return table, mapping


async def run_import(
    path: Path, company_key: str, send_old_mails: bool, chunk: int
) -> ImportSummary:
    """Reads, validates and imports the file; returns what happened to each row."""
    try:
        principal = await authenticate(f"Bearer {company_key}")
    except AuthError as error:
        raise RuntimeError(f"--company-key: {error.message}") from error
    principal.require_company()
    table, mapping = read(path)
    parsed = ats_reader.parse_rows(table, mapping)
    outcome = ats_reader.Outcome()
    with Progress(transient=True) as progress:
        task = progress.add_task("importing", total=len(parsed.rows))
        done = 0
        async for upto in ats_reader.import_parsed(
            principal, parsed, outcome, chunk=chunk, send_old_mails=send_old_mails
        ):
            progress.advance(task, upto - done)
            done = upto
    return ImportSummary(
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        outcome.rejected_rows,
        [f"line {p.line}: {p.field}: {p.message}" for p in outcome.problems],
    )
