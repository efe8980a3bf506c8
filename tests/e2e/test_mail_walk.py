"""From real mails to the pages: the candidate follows the links in mails that reached the
test SMTP server, and an unsubscribe from a mail stops every later mail to the address."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from server.models import Candidate, MailKind, MailMessage, MailStatus, Referral, ReferralStatus
from tests.scenarios.test_rejection_flow import applications_of, drain
from tests.schema.test_applications import IMPORT, REJECT, open_role, row

LINK = re.compile(r"https?://\S+?(/(?:r|me)/[A-Za-z0-9_\-]+)")


def _paths(message) -> list[str]:
    return LINK.findall(message.get_body(("plain",)).get_content())


def _unsubscribe_path(message) -> str:
    return urlsplit(message["List-Unsubscribe"].strip("<> ")).path


async def _reject_one(caller, number: int) -> None:
    opening_id = await open_role(caller)
    imported = await caller(
        IMPORT, {"input": {"rows": [row(number, opening_id, name="山田 太郎")]}}
    )
    assert imported["importApplications"]["userErrors"] == []
    [application_id] = await applications_of(caller)
    rejected = await caller(REJECT, {"input": {"applicationId": application_id}})
    assert rejected["rejectApplication"]["userErrors"] == []


@pytest.mark.no_javascript
async def test_walk_from_the_rejection_mail_to_the_portal_link_mail(
    page, company_a, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    # given a rejection mail that reached the SMTP server
    await _reject_one(company_a, 7)
    await drain()
    [received] = smtp_server.received
    assert received.rcpt_tos == ["person7@example.jp"]
    [register_link] = [p for p in _paths(received.message) if p.startswith("/r/")]

    # when the candidate clicks it and registers with full-width tags
    await page.goto(register_link)
    await page.wait_for_url("**/register/**")
    assert await page.input_value("#email") == "person7@example.jp"
    await page.fill("#headline", "データエンジニア")
    await page.fill("#experience_years", "３")
    await page.fill("#skills", "ＳＱＬ、Ｐｙｔｈｏｎ")
    await page.fill("#locations", "福岡")
    await page.check("#share")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=ご登録ありがとうございます")

    # then the referral qualifies, the registration confirmation carries the portal link,
    # and a portal link asked for on /me arrives by mail too
    assert (await Referral.get()).status == ReferralStatus.QUALIFIED
    await page.goto("/me")
    await page.fill(
        "#email", "ｐｅｒｓｏｎ７＠ｅｘａｍｐｌｅ．ｊｐ"
    )  # full-width, as typed on a phone
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me/sent")
    await drain()
    portal_mails = [r for r in smtp_server.received if r.rcpt_tos == ["person7@example.jp"]]
    assert len(portal_mails) == 3
    assert portal_mails[1].message["Subject"] == "【キャリアリレー】ご登録ありがとうございます"
    assert [p for p in _paths(portal_mails[1].message) if p.startswith("/me/")]
    [portal_link] = [p for p in _paths(portal_mails[2].message) if p.startswith("/me/")]
    await page.goto(portal_link)
    assert await page.title() == "マイページ | キャリアリレー"
    assert await page.input_value("#headline") == "データエンジニア"
    candidate = await Candidate.get(email_normalized="person7@example.jp")
    assert candidate.sharing is True


@pytest.mark.no_javascript
async def test_unsubscribe_from_a_mail_stops_later_mail(
    page, company_a, company_b, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    # given company A's rejection mail, received
    await _reject_one(company_a, 8)
    await drain()
    [first] = smtp_server.received

    # when the candidate opens its unsubscribe link and confirms
    await page.goto(_unsubscribe_path(first.message))
    assert await page.title() == "配信停止 | キャリアリレー"
    await screenshots.take(page, "unsubscribe")
    await page.click("button[type=submit]")
    await page.wait_for_selector("h1:has-text('配信を停止しました')")
    await screenshots.take(page, "unsubscribed")

    # then company B's later rejection of the same address is not sent
    await _reject_one(company_b, 8)
    await drain()
    assert len(smtp_server.received) == 1
    later = await MailMessage.get(kind=MailKind.REJECTION, company_id=company_b.company_id)
    assert later.status == MailStatus.SUPPRESSED
