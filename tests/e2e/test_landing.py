"""`/` says what the network is, for candidates and for companies; the privacy page names
the operator (APPI)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT

OPERATOR = {
    "operator_name": "株式会社キャリアリレー",
    "operator_address": "東京都千代田区丸の内1-1-1",
    "operator_contact": "privacy@relay.example.jp",
}


@pytest.fixture
def operator_settings(settings):
    previous = {name: getattr(settings, name) for name in OPERATOR}
    for name, value in OPERATOR.items():
        setattr(settings, name, value)
    yield settings
    for name, value in previous.items():
        setattr(settings, name, value)


async def test_the_landing_page_explains_the_network_to_candidates_and_companies(
    page, operator_settings, screenshots
):
    response = await page.goto("/")

    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() == "不採用を、次のご縁につなぐ。"
    assert await page.locator("#for-candidates").inner_text() == "選考を受けた方へ"
    assert await page.locator("#for-companies").inner_text() == "採用ご担当の企業様へ"
    assert "privacy@relay.example.jp" in await page.locator("main").inner_text()
    await screenshots.take(page, "landing")
    await page.click("main a[href='/privacy']")
    await page.wait_for_url("**/privacy")
    assert page.console_errors == []
    screenshots.publish(["landing"], ROOT / "docs" / "screenshots")


async def test_the_landing_page_in_english(page):
    await page.goto("/?lang=en")

    assert await page.locator("h1").inner_text() == "Turn a rejection into the next introduction."
    assert await page.locator("#for-companies").inner_text() == "For hiring companies"


async def test_the_privacy_page_names_the_operator_its_address_and_a_contact(
    page, operator_settings
):
    await page.goto("/privacy")

    facts = await page.locator("dl.facts").inner_text()
    for value in OPERATOR.values():
        assert value in facts
    assert "運営者" in await page.locator("#operator").inner_text()
