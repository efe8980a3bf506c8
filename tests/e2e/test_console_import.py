"""An HR user imports a Shift_JIS ATS export in the console and exports it back for Excel."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from server.applications import openings
from server.companies import accounts
from server.models import Applicant, Application, ApplicationStatus, MemberRole
from server.principal import Principal
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, add_member, sign_in_browser

FIXTURE = ROOT / "tests" / "fixtures" / "ats_export_sjis.csv"


async def test_upload_map_dry_run_import_and_export(page, screenshots, tmp_path: Path):
    company = (await accounts.create(OPERATOR, "株式会社取り込み")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    await openings.create(principal, "バックエンドエンジニア")
    member = await add_member(company.id, MemberRole.RECRUITER, "saiyo@example.jp", "採用 花子")
    await sign_in_browser(page, member)

    # upload the Shift_JIS file
    await page.click("nav.console-nav >> text=取り込み")
    assert (await page.title()).startswith("応募データの取り込み | ")
    await screenshots.take(page, "console-import-upload")
    await page.set_input_files("#file", str(FIXTURE))
    await page.click("form[action='/app/imports/upload'] button[type=submit]")

    # the columns: Japanese headers matched, the ATS's own id column chosen by hand
    await page.wait_for_selector("#mapping")
    assert "Shift_JIS" in await page.inner_text("#file-read")
    assert await page.input_value("#column-1") == "name"
    assert await page.input_value("#column-2") == "email"
    assert await page.input_value("#column-3") == "openingTitle"
    assert await page.input_value("#column-4") == "status"
    assert await page.input_value("#column-0") == ""
    await page.select_option("#column-0", "externalId")
    await screenshots.take(page, "console-import")
    await page.click("text=この対応で内容を確認")

    # the dry run: four rows ready, line 6 has no email, nothing written yet
    await page.wait_for_selector("#check-counts")
    assert await page.inner_text("#will-create") == "4"
    assert await page.inner_text("#rejected-rows") == "1"
    problem = await page.inner_text("#problems tr[data-line='6']")
    assert "6行目" in problem and "メールアドレス" in problem and "入力されていません" in problem
    assert await Application.filter(company_id=company.id).count() == 0
    await screenshots.take(page, "console-import-check")

    # the import runs after the answer; the page follows the rows done until it is finished
    await page.click("#run-import")
    await page.wait_for_selector("#import-counts")
    await page.wait_for_selector("#import-state:has-text('完了')", timeout=30_000)
    assert "5 / 5 行 処理済み" in await page.inner_text("#rows-done")
    assert await page.inner_text("#created") == "4"
    assert "取り込みが完了しました" in await page.inner_text("main")
    await screenshots.take(page, "console-import-done")
    applications = await Application.filter(company_id=company.id).prefetch_related("applicant")
    assert {a.applicant.name for a in applications} == {
        "佐藤 花子",
        "山田 太郎",
        "髙橋 美咲",
        "鈴木 一郎",
    }
    hanako = await Applicant.get(company_id=company.id, external_id="A-1002")
    assert (await Application.get(applicant_id=hanako.id)).status == ApplicationStatus.OFFERED

    # the export downloads as a CSV Excel opens: UTF-8 with BOM
    async with page.expect_download() as waiting:
        await page.click("main >> text=応募を書き出す")
    download = await waiting.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = saved.read_bytes()
    assert saved.suffix == ".csv"
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][1] == "氏名" and len(rows) == 5

    assert page.console_errors == []  # no CSP violations
    screenshots.publish(["console-import", "console-import-check"], ROOT / "docs" / "screenshots")
