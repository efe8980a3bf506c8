"""`relay import` reads files with the console's reader: Shift_JIS, Excel, known headers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from relay.importer import run_import
from server.applications import openings
from server.companies import accounts, api_keys
from server.models import Applicant, Application, ApplicationStatus
from server.principal import Principal
from tests.fixtures.console import OPERATOR

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ats_export_sjis.csv"


async def company_key() -> tuple[int, str]:
    company = (await accounts.create(OPERATOR, "株式会社コマンド")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    await openings.create(principal, "バックエンドエンジニア")
    _, raw = await api_keys.create(principal, "cli")
    return company.id, raw


async def test_a_shift_jis_file_with_japanese_headers_imports_and_reports_its_bad_line(
    tmp_path: Path,
):
    company_id, key = await company_key()
    path = tmp_path / "ats.csv"
    # the fixture with its ATS's own id header renamed to one the reader knows
    path.write_bytes(
        FIXTURE.read_bytes().replace("ATS番号".encode("cp932"), "応募者ID".encode("cp932"))
    )
    summary = await run_import(path, key, send_old_mails=False, chunk=2)
    assert (summary.created, summary.rejected) == (4, 1)
    [problem] = summary.problems
    assert problem.startswith("line 6: email: ")
    assert await Applicant.filter(company_id=company_id).count() == 4
    again = await run_import(path, key, send_old_mails=False, chunk=1000)
    assert (again.created, again.unchanged) == (0, 4)


async def test_an_excel_file_and_a_file_without_the_needed_columns(tmp_path: Path):
    company_id, key = await company_key()
    book = Workbook()
    book.active.append(["externalId", "name", "email", "openingTitle", "status"])
    book.active.append(["X-9", "Ken Sato", "ken@example.jp", "バックエンドエンジニア", "HIRED"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "ats.xlsx"
    path.write_bytes(buffer.getvalue())
    summary = await run_import(path, key, send_old_mails=False, chunk=1000)
    assert summary.created == 1
    assert (await Application.get(company_id=company_id)).status == ApplicationStatus.HIRED

    with pytest.raises(RuntimeError, match="no column holds externalId"):
        await run_import(FIXTURE, key, send_old_mails=False, chunk=1000)
