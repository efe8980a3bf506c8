"""The one reader of ATS exports: encodings, Excel, Japanese headers, remembered mappings."""

from __future__ import annotations

import codecs
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from server.applications import ats_files, ats_reader, import_uploads, openings
from server.companies import accounts
from server.errors import DomainError, ErrorCode
from server.models import (
    Applicant,
    ApplicationStatus,
    AuditEvent,
    ImportMapping,
    ImportUpload,
)
from server.principal import Principal
from server.timezones import JAPAN
from tests.fixtures.console import OPERATOR

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ats_export_sjis.csv"
JAPANESE = (
    "応募者ID,氏名,メールアドレス,応募職種,ステータス,応募日\r\n"
    "X-1,山田 太郎,t@example.jp,営業,不採用,2026/11/02\r\n"
)


def read(data: bytes) -> tuple[ats_files.Table, ats_reader.Parsed]:
    table = ats_files.read_table(data)
    mapping = ats_reader.guess_mapping(table.headers, {})
    return table, ats_reader.parse_rows(table, mapping)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (JAPANESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + JAPANESE.encode("utf-8"), "utf-8-sig"),
        (JAPANESE.encode("cp932"), "cp932"),
        (JAPANESE.encode("utf-16"), "utf-16"),
    ],
)
def test_each_encoding_reads_the_same_japanese_row(data, encoding):
    table, parsed = read(data)
    assert table.encoding == encoding
    assert table.headers[1] == "氏名"  # no BOM left on the first header
    [row] = parsed.rows
    assert (row.external_id, row.name, row.email) == ("X-1", "山田 太郎", "t@example.jp")
    assert row.opening_title == "営業"
    assert row.status == ApplicationStatus.REJECTED
    assert row.applied_at == datetime(2026, 11, 2, tzinfo=JAPAN)


def test_the_shift_jis_fixture_maps_all_but_the_unknown_id_column():
    table = ats_files.read_table(FIXTURE.read_bytes())
    assert table.encoding == "cp932"
    assert "髙橋 美咲" in table.rows[3]  # a CP932-only character
    mapping = ats_reader.guess_mapping(table.headers, {})
    assert mapping == ["", "name", "email", "openingTitle", "status", "appliedAt", "evaluation", ""]
    errors = ats_reader.check_mapping(mapping)
    assert [e.field for e in errors] == [["externalId"]]
    mapping[0] = "externalId"
    parsed = ats_reader.parse_rows(table, mapping)
    assert [r.status for r in parsed.rows if r] == [
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.OFFERED,
        ApplicationStatus.APPLIED,
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.APPLIED,
    ]
    assert parsed.lines == [2, 3, 4, 5, 6]
    assert parsed.rows[2].applied_at == datetime(2026, 11, 4, tzinfo=JAPAN)  # 2026年11月4日


def test_an_excel_workbook_reads_dates_and_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["氏名", "メールアドレス", "応募職種", "選考結果", "応募日", "評価", "externalId"])
    sheet.append([None, None, None, None, None, None, None])  # a blank row is skipped
    sheet.append(
        ["佐藤 花子", "h@example.jp", "営業", "内定", datetime(2026, 11, 3, 9, 30), 4, 1002]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    table, parsed = read(buffer.getvalue())
    assert table.encoding == "xlsx"
    [row] = parsed.rows
    assert parsed.lines == [3]  # the sheet's row number, as people see it in Excel
    assert row.external_id == "1002" and row.evaluation == 4
    assert row.status == ApplicationStatus.OFFERED
    assert row.applied_at == datetime(2026, 11, 3, 9, 30, tzinfo=JAPAN)


def test_bad_cells_are_row_problems_and_bad_files_are_refused():
    data = (
        "externalId,name,email,openingTitle,status,evaluation\r\n"
        "1,A,a@x.jp,営業,保留,\r\n2,B,b@x.jp,営業,,とても良い\r\n"
    )
    _, parsed = read(data.encode())
    assert parsed.rows == [None, None]
    assert [(p.line, p.field, p.code) for p in parsed.problems] == [
        (2, "status", ErrorCode.INVALID),
        (3, "evaluation", ErrorCode.INVALID),
    ]
    for data, code in (
        (b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x81", ErrorCode.INVALID),
        (b"PK\x03\x04not really a workbook", ErrorCode.INVALID),
        (b"", ErrorCode.REQUIRED),
        (b"x" * (ats_files.MAX_FILE_BYTES + 1), ErrorCode.TOO_LONG),
        (b"name\n" + b"a\n" * (ats_files.MAX_ROWS + 1), ErrorCode.TOO_MANY_ITEMS),
    ):
        with pytest.raises(DomainError) as refused:
            ats_files.read_table(data)
        assert refused.value.errors[0].code == code
        assert refused.value.errors[0].field == ["file"]


async def test_a_mapping_chosen_once_is_remembered_for_the_company_only():
    company = (await accounts.create(OPERATOR, "株式会社記憶")).company
    other = (await accounts.create(OPERATOR, "株式会社別会社")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    data = FIXTURE.read_bytes()
    first = await import_uploads.upload(principal, "ats.csv", data)
    assert first.mapping[0] == ""
    chosen = ["externalId", *first.mapping[1:]]
    await import_uploads.save_mapping(principal, first.token, chosen)
    assert await ImportMapping.filter(company_id=company.id).count() == 1

    again = await import_uploads.upload(principal, "ats-2.csv", data)
    assert again.mapping == chosen  # ATS番号 is the applicant id from now on
    elsewhere = await import_uploads.upload(
        Principal(api_key_id=None, company_id=other.id), "ats.csv", data
    )
    assert elsewhere.mapping[0] == ""
    # and another company cannot reach the upload
    with pytest.raises(DomainError) as refused:
        await import_uploads.get(Principal(api_key_id=None, company_id=other.id), first.token)
    assert refused.value.errors[0].code == ErrorCode.NOT_FOUND


async def test_an_import_cut_short_resumes_where_it_stopped_and_never_runs_twice():
    company = (await accounts.create(OPERATOR, "株式会社再開")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    await openings.create(principal, "バックエンドエンジニア")
    found = await import_uploads.upload(principal, "ats.csv", FIXTURE.read_bytes())
    await import_uploads.save_mapping(principal, found.token, ["externalId", *found.mapping[1:]])

    # a run in progress in another request: refused
    await ImportUpload.filter(id=found.id).update(started_at=datetime.now(UTC))
    with pytest.raises(DomainError) as refused:
        await import_uploads.run(principal, found.token, None)
    assert refused.value.errors[0].code == ErrorCode.WRONG_STATE

    # a run that stopped after two rows, long ago: resumed from the third row
    await ImportUpload.filter(id=found.id).update(
        started_at=datetime.now(UTC) - import_uploads.STALE_RUN * 2,
        done_rows=2,
        result={"created": 2, "updated": 0, "unchanged": 0, "problems": []},
    )
    done = await import_uploads.run(principal, found.token, None)
    assert (done.done_rows, done.result["created"]) == (5, 4)  # 2 before + rows 3 and 4
    assert await Applicant.filter(company_id=company.id).count() == 2  # only rows 3-4 here
    assert done.finished_at is not None and bytes(done.content) == b""
    event = await AuditEvent.get(action="applications.import", company_id=company.id)
    assert event.data["rows"] == 5


async def test_a_company_keeps_a_bounded_number_of_uploads():
    company = (await accounts.create(OPERATOR, "株式会社上限")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    for _ in range(import_uploads.KEPT_PER_COMPANY + 3):
        last = await import_uploads.upload(principal, "ats.csv", FIXTURE.read_bytes())
    kept = await ImportUpload.filter(company_id=company.id).count()
    assert kept == import_uploads.KEPT_PER_COMPANY
    assert (await import_uploads.get(principal, last.token)).id == last.id
