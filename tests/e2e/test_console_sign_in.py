"""An HR owner signs in to the console from the mailed link and invites a recruiter."""

from __future__ import annotations

import re

import pytest

from server.companies import accounts
from server.models import Member
from tests.e2e.conftest import ROOT
from tests.fixtures.console import OPERATOR, sign_in_browser
from tests.scenarios.test_rejection_flow import drain

LINK = re.compile(r"https?://\S+?(/app/sign-in/[A-Za-z0-9_\-]+)")


def _link(received) -> str:
    [path] = LINK.findall(received.message.get_body(("plain",)).get_content())
    return path


@pytest.mark.no_javascript
async def test_an_owner_signs_in_from_the_mail_and_invites_a_recruiter(
    page, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    # given a company the operator created with its owner's address
    await accounts.create(
        OPERATOR, "株式会社あおぞら", owner_email="owner@aozora.example.jp", owner_name="青空 一郎"
    )

    # the owner asks for a sign-in link on the login page
    await page.goto("/app")
    assert "/app/login" in page.url
    await screenshots.take(page, "console-login")
    await page.fill("#email", "owner@aozora.example.jp")
    await page.click("button[type=submit]")
    assert "メールをご確認ください" in await page.inner_text("main")
    await drain()
    [mail] = [m for m in smtp_server.received if "ログインリンク" in str(m.message["Subject"])]
    assert mail.rcpt_tos == ["owner@aozora.example.jp"]

    # the link from the mail, confirmed by the button
    await sign_in_browser(page, path=_link(mail))
    assert page.url.endswith("/app")
    assert "株式会社あおぞら" in await page.inner_text("header")

    # invites a recruiter; the invitation reaches the recruiter's mailbox
    await page.goto("/app/members")
    await page.fill("#email", "saiyo@aozora.example.jp")
    await page.fill("#name", "採用 次郎")
    await page.select_option("#role", "RECRUITER")
    await page.click("text=招待メールを送る")
    assert "招待メールを送信しました" in await page.inner_text("main")
    await screenshots.take(page, "console-members")
    smtp_server.received.clear()
    await drain()
    [invitation] = smtp_server.received
    assert invitation.rcpt_tos == ["saiyo@aozora.example.jp"]
    assert "採用 次郎様" in invitation.message.get_body(("plain",)).get_content()

    # the recruiter signs in (another browser) and may not manage members
    context = await page.context.browser.new_context(base_url=page.url.split("/app")[0])
    recruiter = await context.new_page()
    await sign_in_browser(recruiter, path=_link(invitation))
    await recruiter.goto("/app/members")
    assert await recruiter.locator("form[action='/app/members/invite']").count() == 0
    assert (await Member.get(email="saiyo@aozora.example.jp")).joined_at is not None
    await context.close()

    # sign out ends the session
    await page.click("text=ログアウト")
    await page.goto("/app/members")
    assert "/app/login" in page.url
    assert page.console_errors == []
    screenshots.publish(["console-login", "console-members"], ROOT / "docs" / "screenshots")
