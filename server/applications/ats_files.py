"""ATS export files as text, for :mod:`server.applications.ats_reader`: CSV in UTF-8 with or
without BOM, CP932/Shift_JIS or UTF-16, and Excel ``.xlsx``, each read into a :class:`Table`
within the API's limits (a file that cannot be read raises DomainError on the field ``file``).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from server.applications.ats_import import MAX_IMPORT_ROWS
from server.errors import DomainError, ErrorCode

# The limits of the API: its request body (8 MB) and importApplications' rows.
MAX_FILE_BYTES = 7_000_000  # the multipart form around it stays under the 8 MB body limit
MAX_ROWS = MAX_IMPORT_ROWS
MAX_COLUMNS = 100


@dataclass
class Table:
    """A sheet as text: the header row and the data rows (blank rows dropped), each with the
    line (CSV) or row number (Excel) people see in their file."""

    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str


def _refuse(message: str, code: ErrorCode = ErrorCode.INVALID) -> DomainError:
    return DomainError(code, message, ["file"])


def read_table(data: bytes) -> Table:
    """The file's table; DomainError (field ``file``) when it cannot be read at all."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(f"the file is larger than {MAX_FILE_BYTES} bytes", ErrorCode.TOO_LONG)
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    else:
        table = _read_csv(*decode(data))
    if not any(h.strip() for h in table.headers):
        raise _refuse("the file has no header row", ErrorCode.REQUIRED)
    if len(table.headers) > MAX_COLUMNS:
        raise _refuse(f"at most {MAX_COLUMNS} columns", ErrorCode.TOO_LONG)
    return table


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16 with BOM, else CP932 (Shift_JIS
    as Windows and Excel write it)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if data.startswith(bom) or (encoding == "utf-16" and data.startswith(codecs.BOM_UTF16_BE)):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise _refuse(f"the file is not valid {encoding} text") from exc
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _refuse("the file is neither UTF-8 nor Shift_JIS (CP932) text")


def _read_csv(text: str, encoding: str) -> Table:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader, [])
        rows, lines = [], []
        for record in reader:
            if any(cell.strip() for cell in record):
                _count(rows)
                rows.append(record)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise _refuse(f"line {reader.line_num}: {exc}") from exc
    return Table([h.strip() for h in headers], rows, lines, encoding)


def _count(rows: list) -> None:
    if len(rows) >= MAX_ROWS:
        raise _refuse(f"at most {MAX_ROWS} rows per file", ErrorCode.TOO_MANY_ITEMS)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # only for Excel files: its import takes 0.2 s

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse("the file is not a readable Excel (.xlsx) workbook") from exc
    try:
        sheet = book.worksheets[0]
        found = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        headers = [_cell(v) for v in next(found, ())]
        rows, lines = [], []
        for number, values in enumerate(found, start=2):
            record = [_cell(v) for v in values]
            if any(c.strip() for c in record):
                _count(rows)
                rows.append(record)
                lines.append(number)
    finally:
        book.close()
    while headers and not headers[-1].strip():
        headers.pop()
    return Table([h.strip() for h in headers], rows, lines, "xlsx")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
