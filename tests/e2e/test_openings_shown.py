"""Candidates see the opening: the introduction mail (real SMTP), its confirm page and the
portal's list of openings the person matches now (the person stays anonymous)."""

from __future__ import annotations

import re

from server import tokens
from server.candidates import consent
from server.models import Candidate, ConsentScope, Opening, TagCategory, TokenPurpose
from server.network import introductions, matching, tags
from tests.e2e.conftest import ROOT
from tests.fixtures.pool import tag_ids
from tests.scenarios.test_rejection_flow import drain
from tests.server.test_introductions import give_credits, principal

ACCEPT = re.compile(r"https?://\S+?(/me/introductions/[A-Za-z0-9_\-]+/accept\S*)")
DESCRIPTION = "物流データの分析基盤を設計・運用していただきます。\n週2日出社、フレックス制。"


async def _tags() -> list[int]:
    location = await tags.resolve(["東京"], TagCategory.LOCATION)
    return await tag_ids("Python", "SQL") + [tag.id for tag in location]


async def _opening(company_id: int, title: str, description: str = DESCRIPTION) -> Opening:
    opening = await Opening.create(
        company_id=company_id,
        title=title,
        description=description,
        tag_ids=await _tags(),
        remote_ok=True,
    )
    await matching.rebuild_opening(opening.id)
    return opening


async def _candidate() -> Candidate:
    candidate = await Candidate.create(
        email="hanako.open@example.jp",
        email_normalized="hanako.open@example.jp",
        display_name="佐藤 花子",
        headline="データエンジニア",
        experience_years=4,
        tag_ids=await _tags(),
    )
    await consent.record(candidate, ConsentScope.NETWORK_SHARING, True, source="test")
    return candidate


async def test_the_introduction_mail_and_confirm_page_show_the_opening(
    page, company_a, redis, smtp_server, smtp_settings, fresh_mail_ids, screenshots
):
    # given a company asks to meet a network candidate about a described opening
    candidate = await _candidate()
    opening = await _opening(company_a.company_id, "データ基盤エンジニア")
    await give_credits(company_a.company_id, 1)
    await introductions.request(principal(company_a), opening.id, candidate.id, redis=redis)

    # when the mail arrives
    await drain()
    [received] = smtp_server.received
    body = received.message.get_body(("plain",)).get_content()

    # then it names the opening, its company, the work and the conditions
    assert "求人：データ基盤エンジニア（株式会社エー）" in body
    assert "物流データの分析基盤を設計・運用していただきます。" in body
    assert "求めるスキル：Python、SQL" in body
    assert "勤務地：東京\n" in body
    assert "リモート勤務：可" in body

    # and so does the confirm page the accept link opens
    [accept] = ACCEPT.findall(body)
    await page.goto(accept)
    card = page.locator(".card")
    await card.locator("dd", has_text="株式会社エー").wait_for()
    text = await card.inner_text()
    assert "データ基盤エンジニア" in text
    assert "週2日出社、フレックス制。" in text
    assert "Python、SQL" in text and "求めるスキル" in text
    await screenshots.take(page, "introduction-confirm")
    assert page.console_errors == []
    screenshots.publish(["introduction-confirm"], ROOT / "docs" / "screenshots")


async def test_the_portal_lists_the_openings_the_person_matches_now(
    page, company_a, company_b, redis, screenshots
):
    # given two open openings the person matches; one company already asked for them
    candidate = await _candidate()
    asked = await _opening(company_a.company_id, "データ基盤エンジニア")
    await _opening(company_b.company_id, "アナリティクスエンジニア", "需要予測の分析基盤づくり")
    closed = await _opening(company_b.company_id, "終了した求人")
    closed.status = "CLOSED"
    await closed.save()
    await give_credits(company_a.company_id, 1)
    await introductions.request(principal(company_a), asked.id, candidate.id)
    raw = await tokens.issue(
        TokenPurpose.PORTAL, email=candidate.email_normalized, candidate_id=candidate.id
    )

    # when the person opens the portal
    await page.goto(f"/me/{raw}")

    # then the open opening of the company that may still see them is listed, with details
    section = page.locator("section[aria-labelledby=matching-title]")
    cards = section.locator("li.card")
    assert await cards.count() == 1
    text = await cards.inner_text()
    assert "アナリティクスエンジニア" in text and "需要予測の分析基盤づくり" in text
    assert "B Corp" in text
    assert "終了した求人" not in await section.inner_text()
    await section.scroll_into_view_if_needed()
    await screenshots.take(page, "portal-matching")
    assert page.console_errors == []
    screenshots.publish(["portal-matching"], ROOT / "docs" / "screenshots")
