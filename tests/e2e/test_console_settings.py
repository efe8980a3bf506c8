"""HR staff in a real browser: edit the rejection mail and preview it, send a test that
reaches the SMTP sink, change the follow-up policy, add a webhook endpoint (its secret shown
once) and read its delivery log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from server.companies import accounts
from server.models import Company, MemberRole, WebhookEndpoint
from server.webhooks import delivery
from server.webhooks.events import EventType, emit
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, add_member, sign_in_browser
from tests.scenarios.test_rejection_flow import drain

SUBJECT = "【{{ company_name }}】選考結果のお知らせ"
BODY = (
    "{{ candidate_name }}様\n\n"
    "このたびは「{{ opening_title }}」にご応募いただき、ありがとうございました。\n"
    "慎重に検討いたしました結果、今回はご期待に沿えない結果となりました。\n\n"
    "キャリアリレーへのご登録はこちら:\n{{ registration_url }}\n\n"
    "{{ company_name }} 人事部\n"
)


async def _signed_in(page, role: MemberRole, email: str) -> int:
    created = await accounts.create(
        OPERATOR, "株式会社さくら商事", contact_email="hr@sakura.example.jp"
    )
    member = await add_member(created.company.id, role, email, "人事 花子")
    await sign_in_browser(page, member)
    return created.company.id


async def test_edit_preview_and_test_send_the_rejection_mail(
    page, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    company_id = await _signed_in(page, MemberRole.RECRUITER, "hanako@sakura.example.jp")
    await page.goto("/app/mail")
    assert await page.text_content("#preview-subject") == "【株式会社さくら商事】選考結果のご連絡"

    # a template with {% include %} is refused next to the body, nothing saved
    await page.fill("#body", "{% include 'x.html' %}{{ registration_url }}")
    await page.click("#save-button")
    assert "include・import・extends は使えません" in await page.text_content("#body-error")
    assert (await Company.get(id=company_id)).rejection_templates == {}

    # the draft's preview, as the applicant sees it at phone width
    await page.fill("#subject", SUBJECT)
    await page.fill("#body", BODY)
    await page.click("#preview-button")
    assert await page.text_content("#preview-subject") == "【株式会社さくら商事】選考結果のお知らせ"
    body = await page.text_content("#preview-body")
    assert "山田 太郎様" in body and "株式会社さくら商事 人事部" in body
    frame = await page.locator(".phone-frame").bounding_box()
    assert frame["width"] <= 390
    await screenshots.take(page, "console-mail")

    # a test send reaches the member's own mailbox, marked as a test
    await page.click("#test-button")
    await page.wait_for_selector("#test-sent")
    await drain()
    [test_mail] = [r for r in smtp_server.received if r.message["Subject"].startswith("【テスト】")]
    assert test_mail.rcpt_tos == ["hanako@sakura.example.jp"]
    assert test_mail.message["Subject"] == "【テスト】【株式会社さくら商事】選考結果のお知らせ"
    text = test_mail.message.get_body(("plain",)).get_content()
    assert text.startswith("【テスト送信】") and "山田 太郎様" in text

    # saved, it is the template in use
    await page.click("#save-button")
    await page.wait_for_selector("text=テンプレートを保存しました")
    saved = (await Company.get(id=company_id)).rejection_templates["ja"]
    assert saved == {"subject": SUBJECT, "body": BODY}

    # with JavaScript, the preview follows the typing (the draft is posted, nothing saved)
    await page.fill("#subject", "{{ candidate_name }}様への大切なお知らせ")
    await expect(page.locator("#preview-subject")).to_have_text("山田 太郎様への大切なお知らせ")
    await page.fill("#body", "{% for i in range(10**6) %}x{% endfor %}{{ registration_url }}")
    await expect(page.locator(".preview-problems")).to_contain_text(
        "range() で繰り返せるのは100件まで"
    )
    assert (await Company.get(id=company_id)).rejection_templates["ja"] == saved
    assert page.console_errors == []
    screenshots.publish(["console-mail"], ROOT / "docs" / "screenshots")


@pytest.mark.no_javascript
async def test_the_preview_button_works_without_javascript(page):
    await _signed_in(page, MemberRole.OWNER, "owner@sakura.example.jp")
    await page.goto("/app/mail?template=en")
    assert (await page.text_content("#preview-subject")) == "Your application to 株式会社さくら商事"
    await page.fill("#subject", "About {{ opening_title }}")
    await page.click("#preview-button")
    assert (await page.text_content("#preview-subject")) == "About バックエンドエンジニア"
    assert "Dear 山田 太郎," in await page.text_content("#preview-body")


async def test_change_the_follow_up_policy_and_add_a_webhook_with_its_log(
    page, receiver, screenshots
):
    company_id = await _signed_in(page, MemberRole.ADMIN, "admin@sakura.example.jp")
    await page.goto("/app/settings")
    assert await page.input_value("#delays_days") == "182, 365"

    await page.fill("#delays_days", "９０、１８０、３６５")
    await page.uncheck("#followup_without_match")
    await page.click("#save-followups")
    await page.wait_for_selector("text=フォローアップ方針を保存しました")
    assert await page.input_value("#delays_days") == "90, 180, 365"
    assert (await Company.get(id=company_id)).followup_delays == [90, 180, 365]

    # a webhook endpoint: the secret is shown once, on the answer to the form
    await page.fill("#url", receiver.url)
    await page.check("input[value='referral.qualified']")
    await page.click("#add-endpoint")
    secret = await page.text_content("#new-secret")
    endpoint = await WebhookEndpoint.get(company_id=company_id)
    assert secret == endpoint.secret
    await screenshots.take(page, "console-settings")
    await page.goto("/app/settings")
    assert secret not in await page.content()

    # an event goes out (first answered 503, then 200): the log shows each attempt
    receiver.secret = secret
    receiver.answers = [503]
    await emit(company_id, EventType.REFERRAL_QUALIFIED, "q1", {"referral": {"id": "UmVm:1"}})
    async with delivery.new_client() as client:
        await delivery.dispatch(client)
        await delivery.dispatch(client, datetime.now(UTC) + timedelta(minutes=5))
    await page.click(f"a[href='/app/settings/webhooks/{endpoint.id}']")
    log = await page.text_content("#deliveries")
    assert "HTTP 503" in log and "HTTP 200" in log and "配信済み" in log
    assert receiver.received[-1].verified
    await screenshots.take(page, "console-webhook")
    assert page.console_errors == []
    screenshots.publish(["console-settings"], ROOT / "docs" / "screenshots")
