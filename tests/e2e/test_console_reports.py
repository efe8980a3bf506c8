"""An HR member reads the report, downloads its CSV and finds the same number in the rows."""

from __future__ import annotations

import csv
import io

import pytest

from server.models import MemberRole
from tests.e2e.conftest import ROOT
from tests.fixtures.console import add_member, sign_in_browser
from tests.server.test_reports import seed_history


@pytest.mark.no_javascript
async def test_read_the_report_and_check_its_csv(page, screenshots):
    _, companies = await seed_history()
    member = await add_member(companies[0].id, MemberRole.VIEWER, "report@example.jp")
    await sign_in_browser(page, member)

    await page.goto("/app/reports")
    await page.fill("#from", "2026-03-02")
    await page.fill("#to", "2026-03-29")
    await page.click("text=表示")
    assert "from=2026-03-02" in page.url
    shown = int((await page.inner_text("[data-metric=rejections]")).replace(",", ""))
    assert shown > 0
    assert await page.locator("figure.chart svg").count() == 3
    await screenshots.take(page, "console-reports")

    async with page.expect_download() as download_info:
        await page.click("#funnel a.csv")
    download = await download_info.value
    text = (await download.path()).read_bytes().decode("utf-8-sig")
    rows = dict(list(csv.reader(io.StringIO(text)))[1:])
    assert int(rows["rejections"]) == shown
    assert page.console_errors == []
    screenshots.publish(["console-reports"], ROOT / "docs" / "screenshots")
