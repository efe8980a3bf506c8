"""An HR member walks the talent pool in Chromium: filters it, writes a note, sends an
opening (the mail reaches the SMTP sink), and a second opening within 30 days is held with
the date it will go out."""

from __future__ import annotations

from server.companies import accounts
from server.models import MailKind, MailMessage, MemberRole
from server.pool import followups
from server.timezones import JAPAN
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, add_member, sign_in_browser
from tests.scenarios.test_rejection_flow import drain
from tests.web.console.test_pool import seed


def _to(smtp_server, address: str) -> list:
    return [r for r in smtp_server.received if r.rcpt_tos == [address]]


async def test_filter_note_and_re_approach_within_the_cap(
    page, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    company = (await accounts.create(OPERATOR, "株式会社リレー商事")).company
    seeded = await seed(company.id)
    member = await add_member(
        company.id, MemberRole.RECRUITER, "saiyo@relay.example.jp", "採用 花子"
    )
    await sign_in_browser(page, member)

    # the pool, filtered as HR would: Python people rated 3 or more
    await page.goto("/app/pool")
    assert await page.locator("#pool tbody tr").count() == 2
    await screenshots.take(page, "console-pool")
    await page.fill("#tag", "Python")
    await page.select_option("#evaluation", "3")
    await page.click(".pool-filters button[type=submit]")
    await page.wait_for_url("**/app/pool?*tag=Python*")
    assert await page.locator("#pool tbody tr").count() == 1
    assert "該当1名" in await page.inner_text("#pool-count")
    row = page.locator("#pool tbody tr").first
    assert "データエンジニア" in await row.inner_text()

    # a note, shown in the timeline with its writer
    await row.get_by_role("link", name="山田 太郎").click()
    await page.wait_for_url(f"**/app/pool/{seeded['taro'].id}")
    await page.fill("#note", "一次面接の評価が高い。データ職で再打診したい。")
    await page.get_by_role("button", name="メモを保存").click()
    await page.wait_for_selector("text=メモを保存しました。")
    first_event = page.locator("#timeline li").first
    assert "データ職で再打診したい" in await first_event.inner_text()
    assert "採用 花子" in await first_event.inner_text()

    # an opening sent now reaches the person
    await page.select_option("#opening_id", str(seeded["data"].id))
    await page.get_by_role("button", name="この求人を案内する").click()
    await page.wait_for_selector("text=求人のご案内メールを送信しました。")
    await drain()
    [mail] = _to(smtp_server, "taro@example.jp")
    assert "データエンジニア" in mail.message["Subject"]
    text = mail.message.get_body(("plain",)).get_content()
    assert text.startswith("山田 太郎様") and "/a/" in text

    # a second one within 30 days is held, and the page says until when
    await page.select_option("#opening_id", str(seeded["java"].id))
    await page.get_by_role("button", name="この求人を案内する").click()
    await page.wait_for_selector("text=送信上限のため、下記の日時まで送信を保留します。")
    sent = await MailMessage.get(kind=MailKind.OPENING_ALERT, subject__contains="データ")
    until = (sent.sent_at + followups.ALERT_INTERVAL).astimezone(JAPAN)
    held = await page.inner_text(".notice.held")
    assert "Java 開発者" in held and f"{until:%Y-%m-%d %H:%M}まで送信を保留" in held
    await drain()
    assert len(_to(smtp_server, "taro@example.jp")) == 1  # nothing more went out
    await screenshots.take(page, "console-pool-person")

    assert page.console_errors == []
    screenshots.publish(["console-pool", "console-pool-person"], ROOT / "docs" / "screenshots")
