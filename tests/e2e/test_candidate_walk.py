"""A candidate's whole walk in a real browser, and a keyboard-only registration."""

from __future__ import annotations

import re

import pytest
from strawberry import relay

from server.applications import openings
from server.models import (
    Candidate,
    Company,
    Consent,
    ConsentScope,
    MailKind,
    MailMessage,
    Referral,
    ReferralStatus,
    Tag,
)
from server.network import matching, scoring
from server.principal import Principal
from tests.e2e.conftest import ROOT
from tests.web.candidate_helpers import make_referral

PORTAL_LINK = re.compile(r"/me/([A-Za-z0-9_\-]+)")
PUBLISHED = ["register", "register-errors", "thanks", "portal", "erase"]
MATCHES = """
query($openingId: ID!) { matches(openingId: $openingId) { edges { node { candidate { id } } } } }
"""


async def network_matches(caller, opening_id: int) -> list[str]:
    data = await caller(MATCHES, {"openingId": str(relay.GlobalID("Opening", str(opening_id)))})
    return [e["node"]["candidate"]["id"] for e in data["matches"]["edges"]]


@pytest.mark.no_javascript
async def test_candidate_walk_from_referral_to_erasure(
    page, app, company_a, company_b, screenshots
):
    # given: a rejection mail's referral
    referral, token = await make_referral(
        company_a.company_id, name="山田 太郎", email="taro.walk@example.jp"
    )

    # the registration page, prefilled, consents unticked
    await page.goto(f"/register/{token}")
    assert await page.title() == "プロフィールの登録 | キャリアリレー"
    assert await page.input_value("#display_name") == "山田 太郎"
    assert await page.input_value("#email") == "taro.walk@example.jp"
    assert await page.get_attribute("#email", "readonly") is not None
    assert not await page.is_checked("#share")
    assert not await page.is_checked("#follow_up")
    assert (await page.inner_text("label[for=headline]")).startswith("ひとこと自己紹介")
    await screenshots.take(page, "register")

    # a mistake first: no headline, years in words
    await page.fill("#experience_years", "たくさん")
    await page.click("button[type=submit]")
    await page.wait_for_selector(".error-summary")
    assert await page.get_attribute("#headline", "aria-invalid") == "true"
    assert "headline-error" in (await page.get_attribute("#headline", "aria-describedby"))
    await screenshots.take(page, "register-errors")
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.MAILED

    # then the real thing, tags typed in full-width
    await page.fill("#headline", "バックエンドエンジニア（Ｐｙｔｈｏｎ）")
    await page.fill("#experience_years", "７")
    await page.fill("#skills", "Ｐｙｔｈｏｎ、ＳＱＬ")
    await page.fill("#locations", "東京、大阪")
    await page.fill("#job_types", "バックエンドエンジニア")
    await page.fill("#conditions", "フルリモート")
    await page.check("#share")
    await page.check("#follow_up")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=ご登録ありがとうございます")
    assert "マイページへのリンクを、ご登録のメールアドレスにお送りしました。" in (
        await page.inner_text("main")
    )
    await screenshots.take(page, "thanks")

    candidate = await Candidate.get(email_normalized="taro.walk@example.jp")
    assert candidate.experience_years == 7
    assert candidate.sharing is True
    labels = {t.label_ja for t in await Tag.filter(id__in=candidate.tag_ids)}
    assert {"東京", "大阪"} <= labels
    assert any(label.lower() == "python" for label in labels)
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED

    # another partner's opening now finds the profile in the network
    card_id = str(relay.GlobalID("CandidateCard", str(candidate.id)))
    wanted = await openings.create(
        Principal(None, company_b.company_id), "Pythonエンジニア", "", ["Python", "東京"]
    )
    await scoring.refresh_weights()
    await matching.rebuild_opening(wanted.id)
    assert await network_matches(company_b, wanted.id) == [card_id]

    # ask for the portal link at /me
    await page.click("a.button.primary[href='/me']")
    await page.wait_for_url("**/me")
    await screenshots.take(page, "me")
    await page.fill("#email", "taro.walk@example.jp")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me/sent")
    await screenshots.take(page, "me-sent")

    # the mail is in the outbox (sending it over SMTP is tested elsewhere), after the
    # registration confirmation
    confirmation, mail = await MailMessage.filter(kind=MailKind.PORTAL_LINK).order_by("id")
    assert confirmation.subject == "【キャリアリレー】ご登録ありがとうございます"
    portal_path = "/me/" + PORTAL_LINK.search(mail.body_text).group(1)
    await page.goto(portal_path)
    assert await page.title() == "マイページ | キャリアリレー"
    assert await page.input_value("#display_name") == "山田 太郎"
    assert "Python" in await page.input_value("#skills")
    await screenshots.take(page, "portal")

    # withdraw network sharing: effective at once
    consents_before = await Consent.filter(candidate_id=candidate.id).count()
    await page.click("button:has-text('共有をやめる')")
    await page.wait_for_selector("text=同意の設定を変更しました")
    await candidate.refresh_from_db()
    assert candidate.sharing is False
    latest = await Consent.filter(candidate_id=candidate.id).order_by("-id").first()
    assert await Consent.filter(candidate_id=candidate.id).count() == consents_before + 1
    assert (latest.scope, latest.granted) == (ConsentScope.NETWORK_SHARING, False)
    assert await network_matches(company_b, wanted.id) == []
    await screenshots.take(page, "portal-withdrawn")

    # erase, through the confirm step
    await page.click("a:has-text('プロフィールを削除する')")
    await page.wait_for_selector("h1:has-text('プロフィールを削除しますか')")
    await screenshots.take(page, "erase")
    await page.check("#confirm")
    await page.click("button:has-text('削除する')")
    await page.wait_for_url("**/me/erased")
    await screenshots.take(page, "erased")

    # the data is gone, the referral and its count stay
    await candidate.refresh_from_db()
    assert candidate.email is None and candidate.email_normalized is None
    assert candidate.display_name == "" and candidate.headline == ""
    assert candidate.tag_ids == []
    assert candidate.erased_at is not None
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    response = await page.goto(portal_path)
    assert response.status == 404
    await screenshots.take(page, "link-invalid")

    # the other pages, for the record: privacy, a join link, English
    await page.goto("/privacy")
    await screenshots.take(page, "privacy")
    code = (await Company.get(id=company_a.company_id)).join_code
    await page.goto(f"/join/{code}")
    await screenshots.take(page, "join")
    _, english = await make_referral(company_a.company_id, email="en@example.jp")
    await page.goto(f"/register/{english}?lang=en")
    assert await page.title() == "Create your profile | Career Relay"
    await screenshots.take(page, "register-en")

    assert page.console_errors == []  # no CSP violations or script errors
    screenshots.publish(PUBLISHED, ROOT / "docs" / "screenshots")
    assert await Referral.all().count() == 2


async def test_keyboard_only_registration(page, app, company_a):
    # given
    referral, token = await make_referral(company_a.company_id, email="keys@example.jp")
    await page.goto(f"/register/{token}")

    # when: tabbing from the top of the page, typing into each field as it gets focus
    typed = {
        "headline": "Data analyst",
        "experience_years": "3",
        "skills": "SQL、Ｔａｂｌｅａｕ",
        "locations": "福岡",
    }
    visited: list[str] = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => { const e = document.activeElement;"
            " return [e.id || e.tagName + ':' + (e.getAttribute('href') || e.type || ''),"
            " getComputedStyle(e).outlineStyle]; }"
        )
        name, outline = focused
        assert outline != "none", f"{name} has no visible focus"
        visited.append(name)
        if name in typed:
            await page.keyboard.type(typed[name])
        elif name == "share":
            await page.keyboard.press("Space")
        elif name.startswith("BUTTON"):
            break

    # then: every field was reachable in reading order, and Enter submits
    order = [
        "email",
        "display_name",
        "headline",
        "experience_years",
        "skills",
        "job_types",
        "locations",
        "conditions",
        "desired_conditions",
        "share",
        "follow_up",
    ]
    assert [v for v in visited if v in order] == order
    assert visited[0] == "A:#main"  # the skip link comes first
    assert visited[-1] == "BUTTON:submit"
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=ご登録ありがとうございます")
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    candidate = await Candidate.get(id=referral.candidate_id)
    assert candidate.headline == "Data analyst"
    assert candidate.experience_years == 3
    assert page.console_errors == []
