"""The dashboard: this month's funnel is the GraphQL ``report``'s, credits and the way to the
next one, introductions awaiting an answer, bounced mails and the weekly chart."""

from __future__ import annotations

import random
import re
import secrets
from datetime import UTC, datetime, timedelta

from server.models import (
    Company,
    CreditKind,
    Introduction,
    IntroductionStatus,
    MemberRole,
    Opening,
    Referral,
    ReferralStatus,
    RejectionReason,
)
from server.reports import dashboard as figures
from tests.server.test_reports import CAMEL, FIELDS, REPORT, History, Seeder, keyed

RATES = {
    "clicks": "clickRate",
    "registrations": "registrationRate",
    "qualified_referrals": "qualificationRate",
}


async def _history(company: Company, start: datetime, now: datetime) -> Seeder:
    seeder = Seeder(random.Random(3), History(), start=start, end=now)
    opening = await Opening.filter(company=company).first()
    reason = await RejectionReason.filter(company=company).first()
    for _ in range(12):
        await seeder.rejection(company, opening, reason)
    await seeder.credit(company, CreditKind.SETTLEMENT, 2)
    for _ in range(2):
        await seeder.introduction(company, opening, IntroductionStatus.REQUESTED)
    await seeder.introduction(company, opening, IntroductionStatus.ACCEPTED)
    for n in range(3):  # qualified, waiting for the next credit
        await Referral.create(
            company=company,
            email_normalized=f"q{n}@x.jp",
            token_hash=secrets.token_hex(32),
            expires_at=now + timedelta(days=30),
            status=ReferralStatus.QUALIFIED,
        )
    return seeder


def _funnel(page: str) -> dict[str, int]:
    steps = re.findall(
        r'data-metric="([a-z_]+)">\s*<span class="funnel-label">[^<]*</span>\s*'
        r'<strong class="funnel-count">([\d,]+)</strong>',
        page,
    )
    return {metric: int(count.replace(",", "")) for metric, count in steps}


async def test_the_dashboard_shows_the_reports_numbers_of_this_month(client, console_member):
    now = datetime.now(UTC)
    company, _, _ = await Seeder(random.Random(1), History()).company("dash", 500_000)
    start, end = figures.this_month(now, company.timezone)
    seeder = await _history(company, start.astimezone(UTC), now)
    member = await console_member(MemberRole.VIEWER, company_id=company.id)

    page = await member.get("/app")
    assert page.status_code == 200

    # the funnel is the GraphQL report over the same month, step by step
    api = await keyed(client, company)
    report = await api(REPORT + FIELDS, {"from": start.isoformat(), "to": end.isoformat()})
    totals = report["report"]["totals"]
    shown = _funnel(page.text)
    assert list(shown) == list(figures.FUNNEL)
    for metric, count in shown.items():
        assert count == totals[CAMEL[metric]], metric
    in_month = [f for f in seeder.h.facts if f.metric == "rejections" and start <= f.at < end]
    assert shown["rejections"] == len(in_month) > 0
    assert shown["credits_earned"] == 2
    # under a step, the report's rate into it (its own cohort, so never above 100%)
    rates = report["report"]["rates"]
    for metric, name in RATES.items():
        found = re.search(
            rf'data-metric="{metric}">\s*<span[^>]*>[^<]*</span>\s*<strong[^>]*>[^<]*</strong>'
            r'\s*<span class="funnel-share muted">前段からの転換率(\d+)%',
            page.text,
        )
        want = None if rates[name] is None else round(rates[name] * 100)
        assert (int(found.group(1)) if found else None) == want, metric

    # credits, the way to the next one, introductions awaiting an answer
    await company.refresh_from_db()
    assert f'id="credit-balance">{company.credit_balance}<' in page.text
    assert 'id="next-credit">3 / 10<' in page.text
    waiting = await Introduction.filter(company=company, status="REQUESTED").count()
    assert waiting >= 2  # the two asked above, and any of the seeded referrals
    assert f'id="awaiting-answer">{waiting}<' in page.text
    assert 'href="/app/network"' in page.text

    # bounced mails: this month's count, the latest listed
    bounced = totals["mailsBounced"]
    assert f"今月{bounced}件" in page.text
    listed = re.findall(r"<td data-label=\"[^\"]*\">(?:<a [^>]*>)?(r[\w-]+@x\.jp)", page.text)
    assert len(listed) == min(bounced, figures.RECENT_BOUNCES)

    # the weekly chart: an SVG drawn on the server, its totals in the legend
    assert '<svg viewBox="0 0 560 200"' in page.text
    first, last = figures.last_weeks(now, company.timezone)
    weekly = sum(1 for f in seeder.h.facts if f.metric == "rejections" and first <= f.at < last)
    assert f'不採用 <span class="muted">{weekly}</span>' in page.text


async def test_a_new_company_sees_zeros_not_another_companys_figures(console_member):
    now = datetime.now(UTC)
    other, _, _ = await Seeder(random.Random(2), History()).company("other", 500_000)
    await _history(other, figures.this_month(now, other.timezone)[0].astimezone(UTC), now)
    member = await console_member(MemberRole.RECRUITER)
    page = await member.get("/app")
    assert page.status_code == 200
    assert set(_funnel(page.text).values()) == {0}
    assert 'id="next-credit">0 / 10<' in page.text
    assert "届かなかったメールはありません" in page.text
    assert 'id="awaiting-answer">0<' in page.text and "@x.jp" not in page.text
    english = await member.get("/app?lang=en")
    assert "This month&#39;s funnel" in english.text or "This month's funnel" in english.text


def test_this_month_and_the_last_weeks_follow_the_company_time_zone():
    # 2026-11-30 16:30 UTC is already December 1st in Tokyo
    now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    start, end = figures.this_month(now, "Asia/Tokyo")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+09:00",
        "2027-01-01T00:00:00+09:00",
    )
    start, end = figures.last_weeks(now, "Asia/Tokyo")
    assert start.weekday() == 0 and (end - start).days == 7 * figures.WEEKS
    assert start.date().isoformat() == "2026-09-14" and end.date().isoformat() == "2026-12-07"
