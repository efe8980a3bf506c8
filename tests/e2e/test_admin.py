"""The operator dashboard in a real browser, over the demo network of ``relay demo``."""

from __future__ import annotations

import pytest

from relay import demo
from server.models import Company
from tests.e2e.conftest import ROOT


@pytest.mark.no_javascript
async def test_operator_signs_in_and_sees_the_demo_network(page, app, screenshots):
    # given: the demo network, seeded as `relay demo` does
    keys = await demo.seed(None)
    names = [c.name for c in await Company.all().order_by("id")]

    # a company key is refused with a message next to the field
    await page.goto("/admin")
    assert page.url.endswith("/admin/login")
    await screenshots.take(page, "admin-login")
    await page.fill("#api_key", next(iter(keys.companies.values())))
    await page.click("button[type=submit]")
    assert await page.get_attribute("#api_key", "aria-invalid") == "true"
    assert "企業の API キー" in await page.inner_text("#api_key-error")

    # when: the operator key
    await page.fill("#api_key", keys.operator)
    await page.click("button[type=submit]")

    # then: the dashboard, with charts drawn on the server and every demo company
    assert page.url.endswith("/admin")
    assert await page.title() == "ネットワークの状況 | キャリアリレー運営管理"
    headings = await page.locator("h2").all_inner_texts()
    assert headings == ["ファネル", "週ごとの推移", "メール送信キュー", "Webhook 配信", "参加企業"]
    assert await page.locator("figure.chart svg").count() == 4
    heights = await page.locator("figure.chart svg rect.bar").evaluate_all(
        "bars => bars.map(b => Number(b.getAttribute('height')))"
    )
    assert len(heights) == 12 * 12  # 12 weeks × 12 series over the four charts
    assert any(h > 0 for h in heights)  # the demo's registrations of this week
    table = await page.locator("table.data").nth(1).inner_text()
    for name in names:
        assert name in table
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["relay_admin"]["httpOnly"] is True
    assert cookies["relay_admin"]["sameSite"] == "Strict"
    await screenshots.take(page, "admin")

    # English, then sign out
    await page.click("a[hreflang=en]")
    assert await page.title() == "Network overview | Career Relay operations"
    await page.click("text=Sign out")
    assert page.url.endswith("/admin/login")
    await page.goto("/admin")
    assert page.url.endswith("/admin/login")

    assert page.console_errors == []  # no CSP violations, no failed stylesheet
    screenshots.publish(["admin"], ROOT / "docs" / "screenshots")
    assert (ROOT / "docs" / "screenshots" / "admin-desktop-1280.png").exists()
