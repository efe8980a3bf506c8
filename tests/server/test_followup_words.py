"""What the follow-up and new-opening alert mails say: the day the person applied (not the
day they were rejected), and what fits named by category (a location is not experience)."""

from __future__ import annotations

from datetime import timedelta

import pytest_asyncio

from server.models import Locale
from server.network import taxonomy
from server.pool import followup_mails, followups
from tests.fixtures.pool import T0, make_company, make_member, make_opening


@pytest_asyncio.fixture
async def seeded():
    await taxonomy.seed()


async def test_an_alert_names_what_fits_by_category(seeded):
    company = await make_company("株式会社アルファ")
    await make_member(company, "taro@example.jp", "python", "tokyo", name="山田 太郎")
    opening = await make_opening(company, "データエンジニア", "python", "tokyo")

    [alert] = await followups.opening_alerts(opening.id, T0 + timedelta(days=40))

    assert "山田 太郎様のスキル（Python）、ご希望の勤務地（東京都）に合いそうなため" in (
        alert.body_text
    )
    assert "ご経験（" not in alert.body_text
    assert "弊社で、新しい求人「データエンジニア」の募集を始めました。" in alert.body_text


async def test_an_english_alert_names_what_fits_by_category(seeded):
    company = await make_company("Alpha Inc.")
    await make_member(company, "amy@example.jp", "python", "tokyo", locale=Locale.EN)
    opening = await make_opening(company, "Data engineer", "python", "tokyo")

    [alert] = await followups.opening_alerts(opening.id, T0 + timedelta(days=40))

    assert "may fit your skills (Python), preferred locations (Tokyo)" in alert.body_text


def test_a_follow_up_without_an_application_day_names_no_day():
    rendered = followup_mails.follow_up(
        "ja",
        candidate_name="山田 太郎",
        company_name="株式会社アルファ",
        applied_on="",
        openings=[],
        portal_url="https://relay.example.jp/me",
        unsubscribe_url="https://relay.example.jp/u/x",
    )

    assert "以前、弊社の選考にご応募いただき" in rendered.text
    assert "日に" not in rendered.text
