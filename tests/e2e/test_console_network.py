"""The network and credits in a real browser, as an HR user walks them: a match explained, an
introduction requested for one credit (confirmed first), accepted by the candidate on the
mailed page, the contact shown, the hire recorded; then the credits page."""

from __future__ import annotations

from server.companies import accounts
from server.models import Company, Introduction, IntroductionStatus, MemberRole, ReferralStatus
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, add_member, sign_in_browser
from tests.web.console.network_data import days_ago, network_company, referral
from tests.web.test_introductions import mailed_links


async def _company_with_referrals():
    company = (await accounts.create(OPERATOR, "株式会社リレー商事")).company
    opening, people = await network_company(company.id, credit=2)
    for i, status in enumerate(
        [ReferralStatus.QUALIFIED] * 3 + [ReferralStatus.REGISTERED, ReferralStatus.MAILED]
    ):
        await referral(
            company.id, status, days_ago(10 - i), opening=opening, name=f"応募者 {i + 1}"
        )
    return company, opening, people


async def test_request_an_introduction_see_it_accepted_and_mark_hired(
    page, browser, live_url, screenshots
):
    company, opening, people = await _company_with_referrals()
    member = await add_member(company.id, MemberRole.RECRUITER, "saiyo@relay-shoji.example.jp")
    await sign_in_browser(page, member)

    # the network: each open opening's matches, the rare tag first and explained
    await page.click('nav.console-nav a[href="/app/network"]')
    await page.wait_for_url("**/app/network")
    best = page.locator("article.match-card").first
    assert await best.locator("h3").inner_text() == "Rust と Python の開発者"
    assert await best.locator(".tag.matched mark").all_inner_texts() == ["Rust", "Python", "東京都"]
    assert "求人の3個のタグのうち3個が一致しています" in await best.locator(".why").inner_text()
    assert "秘密 花子" not in await page.content()
    await screenshots.take(page, "console-network")

    # requesting asks to confirm the credit first
    await best.locator("text=紹介を依頼する").click()
    await page.wait_for_url(f"**/app/network/openings/{opening.id}/candidates/{people[0].id}")
    assert await page.inner_text("#balance-now") == "2"
    assert await page.inner_text("#balance-after") == "1"
    await screenshots.take(page, "console-network-confirm")
    await page.click("#confirm-request")
    await page.wait_for_url("**/app/network/introductions?ok=*")
    assert "クレジットを1つ使用しました" in await page.inner_text("p.notice.ok")
    row = page.locator("#introductions tbody tr").first
    assert "回答待ち" in await row.inner_text()
    assert "回答期限まで残り13日" in await row.inner_text()
    assert (await Company.get(id=company.id)).credit_balance == 1
    await page.click('nav.console-nav a[href="/app/credits"]')
    assert await page.inner_text("#credit-balance") == "1"

    # the candidate accepts on the page of the mailed link (their own browser)
    intro = await Introduction.get(company_id=company.id)
    links = await mailed_links(intro)
    candidate = await browser.new_context(base_url=live_url, locale="ja-JP")
    tab = await candidate.new_page()
    await tab.goto(links["accept"])
    await tab.click("form:has(input[value=accept]) button[type=submit]")
    await tab.wait_for_url("**?ok=ACCEPTED")
    await candidate.close()
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.ACCEPTED

    # the console shows the contact; the recruiter records the hire
    await page.goto("/app/network/introductions")
    row = page.locator("#introductions tbody tr").first
    assert "承諾" in await row.inner_text()
    assert await row.locator("td.contact a").inner_text() == "rare@example.jp"
    assert "秘密 花子" in await row.locator("td.contact").inner_text()
    await row.locator("text=採用済みにする").click()
    await page.wait_for_url("**/app/network/introductions?ok=*")
    assert "採用済みとして記録しました" in await page.inner_text("p.notice.ok")
    assert "採用日：" in await page.locator("#introductions tbody tr").first.inner_text()
    await intro.refresh_from_db()
    assert intro.hired_at is not None
    await screenshots.take(page, "console-introductions")

    # credits: the ledger, the way to the next credit, referrals by status
    await page.goto("/app/credits")
    assert await page.inner_text("#toward-next") == "3 / 10"
    kinds = await page.locator("#ledger tbody th").all_inner_texts()
    assert kinds == ["紹介依頼", "運営による調整"]
    assert "3" in await page.locator("a[data-status=QUALIFIED] .count").inner_text()
    await page.click("a[data-status=QUALIFIED]")
    assert await page.locator("#referrals tbody tr").count() == 3
    await page.goto("/app/credits")
    await screenshots.take(page, "console-credits")

    assert page.console_errors == []
    screenshots.publish(["console-network", "console-credits"], ROOT / "docs" / "screenshots")
    assert (ROOT / "docs" / "screenshots" / "console-network-desktop-1280.png").exists()
