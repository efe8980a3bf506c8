"""An HR recruiter in a real browser: the dashboard's numbers, then an opening created with
full-width tags, the tags checked before saving (NFKC, synonyms, category), closed and
reopened. Screenshots of the dashboard, the openings list and the form."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tortoise import connections

from server.models import MemberRole, Opening, Tag
from server.network import taxonomy
from server.principal import Principal
from server.reports import dashboard as figures
from server.reports import funnel
from tests.e2e.conftest import ROOT
from tests.fixtures.console import add_member, sign_in_browser
from tests.server.test_reports import History, Seeder


def _by_now(*columns: str) -> str:
    """SET items moving times after $2 back to $2 (NULL stays NULL, unlike LEAST)."""
    return ", ".join(f"{c} = CASE WHEN {c} > $2 THEN $2 ELSE {c} END" for c in columns)


async def _as_mailed_by_now(company_id: int, now: datetime) -> None:
    """The seeded history happened by now (nothing dated later), with real-looking mails."""
    conn = connections.get("default")
    for table, columns in (
        ("application_event", ("at",)),
        ("referral", ("mailed_at", "first_clicked_at", "registered_at", "qualified_at")),
        ("introduction", ("requested_at",)),
        ("mail_message", ("claimed_at", "sent_at")),
    ):
        await conn.execute_query(
            f"UPDATE {table} SET {_by_now(*columns)} WHERE company_id = $1", [company_id, now]
        )
    # seven qualified referrals wait for the next credit
    await conn.execute_query(
        "UPDATE referral SET status = 'QUALIFIED' WHERE id IN (SELECT id FROM referral"
        " WHERE company_id = $1 AND qualified_at IS NOT NULL ORDER BY id LIMIT 7)",
        [company_id],
    )
    await conn.execute_query(
        "UPDATE mail_message SET subject = $2,"
        " last_error = CASE WHEN status = 'FAILED' THEN $3 ELSE '' END WHERE company_id = $1",
        [company_id, "選考結果のご連絡（株式会社リレー人材）", "550 5.1.1 User unknown"],
    )


async def test_a_recruiter_reads_the_dashboard_and_runs_an_opening(page, screenshots):
    # given a company with a month of rejections, mails and referrals, and its recruiter
    await taxonomy.seed()
    now = datetime.now(UTC)
    seeder = Seeder(random.Random(5), History())
    company, openings, reasons = await seeder.company("relay-jinzai", 600_000)
    company.name = "株式会社リレー人材"
    await company.save()
    for opening, title in zip(
        openings, ("法人営業", "経理スタッフ", "カスタマーサクセス"), strict=True
    ):
        opening.title = title
        await opening.save()
    month_start = figures.this_month(now, company.timezone)[0].astimezone(UTC)
    for start, end, count in (
        (now - timedelta(weeks=11), now - timedelta(days=14), 40),
        (month_start, now, 8),
    ):
        seeder.start, seeder.end = start, end
        for _ in range(count):
            await seeder.rejection(company, openings[0], reasons[0])
    await _as_mailed_by_now(company.id, now)
    report = await funnel.company_report(
        Principal(api_key_id=None, company_id=company.id), *figures.this_month(now, "Asia/Tokyo")
    )
    member = await add_member(company.id, MemberRole.RECRUITER, "saiyo@relay-jinzai.example.jp")

    # when they sign in, the dashboard shows this month's funnel
    await sign_in_browser(page, member)
    funnel_list = page.locator("#funnel")
    await funnel_list.wait_for()
    for metric in figures.FUNNEL:
        count = funnel_list.locator(f"[data-metric={metric}] .funnel-count")
        assert await count.inner_text() == f"{report.totals[metric]:,}", metric
    assert report.totals["rejections"] > 0
    assert "550 5.1.1 User unknown" in await page.locator("#bounces").inner_text()
    assert await page.locator("#next-credit").inner_text() == "7 / 10"
    assert await page.locator("figure.chart svg rect.bar").count() == 4 * figures.WEEKS
    await screenshots.take(page, "console-dashboard")

    # they open a new opening, typing its tags in full-width with a 中黒 and a synonym
    await page.click(".console-nav a[href='/app/openings']")
    await page.click("#new-opening")
    await page.fill("#title", "データエンジニア（物流）")
    await page.fill("#description", "物流データの分析基盤を設計・運用していただきます。")
    await page.fill("#tags", "Ｐｙｔｈｏｎ・ＳＱＬ、パイソン\n東京、フルリモート")
    await page.click("#preview-tags")

    # the preview shows what each typed item becomes, before anything is saved
    preview = page.locator("#tag-preview")
    await preview.wait_for()
    rows = preview.locator("tbody tr")
    first = await rows.nth(0).inner_text()
    assert "Ｐｙｔｈｏｎ・ＳＱＬ" in first and "Python" in first and "SQL" in first
    assert "同義語から変換" in await rows.nth(1).inner_text()  # パイソン → Python
    tokyo = await rows.nth(2).inner_text()
    assert "東京都" in tokyo and "勤務地" in tokyo
    assert "条件" in await rows.nth(3).inner_text()  # フルリモート: a condition
    assert not await Opening.exists(title="データエンジニア（物流）")
    await screenshots.take(page, "console-opening-form")

    # saving keeps the normalised tags, grouped by category
    await page.click("#save-opening")
    await page.wait_for_url("**/app/openings/*?ok=*")
    assert "求人を作成しました" in await page.locator(".notice.ok").inner_text()
    opening = await Opening.get(title="データエンジニア(物流)")  # NFKC, as every title
    slugs = {t.id: t.slug for t in await Tag.filter(id__in=opening.tag_ids)}
    assert [slugs[i] for i in opening.tag_ids] == ["python", "sql", "tokyo", "full-remote"]
    tags = await page.locator("#opening-tags").inner_text()
    assert "Python" in tags and "SQL" in tags and "東京都" in tags and "フルリモート" in tags
    assert await page.locator("#opening-status").inner_text() == "募集中"

    # closed, then reopened
    await page.click("#close-opening")
    await page.wait_for_url("**ok=console.ok.opening_closed")
    assert await page.locator("#opening-status").inner_text() == "募集終了"
    await page.click("#reopen-opening")
    await page.wait_for_url("**ok=console.ok.opening_reopened")
    assert await page.locator("#opening-status").inner_text() == "募集中"
    await screenshots.take(page, "console-opening")

    # the list shows it, found by a tag typed in full width
    await page.goto("/app/openings?tag=ｐｙｔｈｏｎ")
    listed = page.locator("#openings tbody tr")
    assert await listed.count() == 1
    assert "データエンジニア(物流)" in await listed.inner_text()
    await page.goto("/app/openings")
    await screenshots.take(page, "console-openings")
    assert page.console_errors == []
    screenshots.publish(["console-dashboard", "console-openings"], ROOT / "docs" / "screenshots")
