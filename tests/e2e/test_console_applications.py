"""A recruiter finds applications, opens one, rejects three at once after reading the mails
they will get, the mails arrive; a rejection is taken back in the undo window; a viewer
cannot reject."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server.applications import openings, records
from server.companies import accounts
from server.mail import outbox
from server.models import (
    Application,
    ApplicationStatus,
    MailKind,
    MailMessage,
    MailStatus,
    MemberRole,
)
from server.principal import Principal
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, add_member, sign_in_browser
from tests.scenarios.test_rejection_flow import drain

PEOPLE = [
    ("山田 太郎", "taro@minato.example.jp"),
    ("佐藤 花子", "hanako@minato.example.jp"),
    ("鈴木 一郎", "ichiro@minato.example.jp"),
    ("高橋 美咲", "misaki@minato.example.jp"),
]


async def _company() -> tuple[int, list[Application]]:
    company = (await accounts.create(OPERATOR, "株式会社みなと")).company
    principal = Principal(api_key_id=None, company_id=company.id)
    await accounts.update_settings(principal, undo_window_minutes=10)
    opening = await openings.create(principal, "法人営業")
    made = [
        await records.create(principal, opening.id, name=name, email=email)
        for name, email in PEOPLE
    ]
    return company.id, made


def _rejection_mails(smtp_server) -> list:
    return [m for m in smtp_server.received if "選考結果" in str(m.message["Subject"])]


async def test_a_recruiter_bulk_rejects_with_a_preview_and_undoes_one(
    page, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    company_id, [taro, hanako, ichiro, misaki] = await _company()
    recruiter = await add_member(company_id, MemberRole.RECRUITER, "saiyo@minato.example.jp")
    await sign_in_browser(page, recruiter)

    # searches the list
    await page.goto("/app/applications")
    assert "4件中1〜4件を表示" in await page.inner_text("#count")
    await screenshots.take(page, "console-applications")
    await page.fill("#q", "花子")
    await page.click("button:has-text('検索')")
    await page.wait_for_url("**/app/applications?q=**")
    assert "佐藤 花子" in await page.inner_text("#applications")
    assert "山田 太郎" not in await page.inner_text("#applications")

    # opens one: its history
    await page.click("text=佐藤 花子")
    await page.wait_for_url(f"**/app/applications/{hanako.id}")
    assert "応募受付" in await page.inner_text("#history")
    await screenshots.take(page, "console-application")

    # selects three in the list, one reason, and reads the three mails first
    await page.goto("/app/applications")
    for application in (taro, hanako, ichiro):
        await page.check(f"#pick-{application.id}")
    await page.select_option("#bulk-reason", "other_candidate")
    await page.click("button:has-text('送信されるメールを確認')")
    await page.wait_for_url("**/app/applications/reject?**")
    bodies = await page.locator(".mail-body").all_inner_texts()
    assert len(bodies) == 3
    assert any(b.startswith("山田 太郎様") and "「法人営業」の求人" in b for b in bodies)
    assert "【株式会社みなと】選考結果のご連絡" in await page.inner_text("main")
    await screenshots.take(page, "console-reject-preview")
    assert not await Application.filter(status=ApplicationStatus.REJECTED).exists()
    await page.click("#confirm-reject")
    await page.wait_for_url("**/app/applications?ok=**")
    assert "選択した応募を不採用にしました" in await page.inner_text("main")
    three = [taro.id, hanako.id, ichiro.id]
    assert await Application.filter(id__in=three, status=ApplicationStatus.REJECTED).count() == 3

    # the ten-minute undo window passes (moved back in time), the mails go out
    mails = await MailMessage.filter(company_id=company_id, kind=MailKind.REJECTION)
    assert len(mails) == 3 and all(m.send_after > datetime.now(UTC) for m in mails)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await MailMessage.filter(id__in=[m.id for m in mails]).update(send_after=past)
    await outbox.enqueue_send(redis, [m.id for m in mails])
    smtp_server.received.clear()
    await drain()
    received = _rejection_mails(smtp_server)
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted(e for _, e in PEOPLE[:3])
    hanako_mail = next(m for m in received if m.rcpt_tos == [PEOPLE[1][1]])
    assert "佐藤 花子様" in hanako_mail.message.get_body(("plain",)).get_content()

    # rejects the fourth on its page, previewed, and takes it back within the window
    await page.goto(f"/app/applications/{misaki.id}")
    await page.select_option("#reason", "skills_mismatch")
    await page.select_option("#evaluation", "3")
    await page.click("button:has-text('送信されるメールを確認')")
    await page.wait_for_url(f"**/app/applications/{misaki.id}/reject?**")
    assert (await page.locator(".mail-body").inner_text()).startswith("高橋 美咲様")
    await page.click("#confirm-reject")
    await page.wait_for_url(f"**/app/applications/{misaki.id}?ok=**")
    assert "送信待ち" in await page.inner_text("#mail-state")
    await page.click("text=不採用を取り消す")
    await page.wait_for_url(f"**/app/applications/{misaki.id}?ok=console.ok.applications_undone")
    assert "不採用を取り消しました" in await page.inner_text("main")
    assert (await Application.get(id=misaki.id)).status == ApplicationStatus.APPLIED
    mail = await MailMessage.get(company_id=company_id, recipient=PEOPLE[3][1])
    assert mail.status == MailStatus.CANCELLED
    smtp_server.received.clear()
    await drain()
    assert _rejection_mails(smtp_server) == []
    assert page.console_errors == []
    screenshots.publish(
        ["console-applications", "console-reject-preview"], ROOT / "docs" / "screenshots"
    )


async def test_a_viewer_cannot_reject(page, screenshots):
    company_id, [taro, *_] = await _company()
    viewer = await add_member(company_id, MemberRole.VIEWER, "etsuran@minato.example.jp")
    await sign_in_browser(page, viewer)
    await page.goto("/app/applications")
    assert "山田 太郎" in await page.inner_text("#applications")
    assert await page.locator("input[name=ids]").count() == 0
    await page.goto(f"/app/applications/{taro.id}")
    assert await page.locator("text=送信されるメールを確認").count() == 0
    assert await page.locator("form[action$='/reject']").count() == 0
    token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = await page.request.post(
        f"/app/applications/{taro.id}/reject",
        form={"csrf_token": token, "reason": "other", "send_mail": "1"},
        max_redirects=0,
    )
    assert answer.status == 403
    assert re.search("許可されていません", await answer.text())
    assert (await Application.get(id=taro.id)).status == ApplicationStatus.APPLIED
    # the reasons catalogue: readable, not editable
    await page.goto("/app/applications/reasons")
    assert "他の候補者に決定" in await page.inner_text("#reasons")
    assert await page.locator("form[action='/app/applications/reasons/add']").count() == 0
    await screenshots.take(page, "console-reject-reasons")
    assert page.console_errors == []
