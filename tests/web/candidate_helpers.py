"""Helpers for the candidate page tests: referrals made directly, CSRF-aware form posts."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio

from server import tokens
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    Opening,
    Referral,
    ReferralStatus,
)
from server.ratelimit import prefix
from server.text import normalize_email

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def make_referral(
    company_id: int,
    *,
    name: str = "山田 太郎",
    email: str = "taro@example.jp",
    status: ReferralStatus = ReferralStatus.MAILED,
    expires_in: timedelta = timedelta(days=30),
) -> tuple[Referral, str]:
    """A rejected application's referral, as the rejection flow leaves it; returns the token."""
    now = datetime.now(UTC)
    opening = await Opening.create(company_id=company_id, title="バックエンドエンジニア")
    applicant = await Applicant.create(
        company_id=company_id, name=name, email=email, email_normalized=normalize_email(email)
    )
    application = await Application.create(
        company_id=company_id,
        applicant=applicant,
        opening=opening,
        status=ApplicationStatus.REJECTED,
        applied_at=now - timedelta(days=10),
        decided_at=now,
    )
    raw = tokens.new_token()
    referral = await Referral.create(
        company_id=company_id,
        application=application,
        email_normalized=normalize_email(email),
        token_hash=tokens.hash_token(raw),
        status=status,
        expires_at=now + expires_in,
        mailed_at=now,
    )
    return referral, raw


def csrf_from(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return html.unescape(found.group(1))


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict, *, form_page: str | None = None
) -> httpx.Response:
    """Opens the form page (for its CSRF token and cookie), then posts ``data`` to ``url``."""
    page = await client.get(form_page or url)
    return await client.post(url, data={"csrf_token": csrf_from(page), **data})


PROFILE = {
    "display_name": "山田 太郎",
    "headline": "バックエンドエンジニア",
    "experience_years": "5",
    "skills": "Python、SQL",
    "job_types": "バックエンドエンジニア",
    "locations": "東京",
    "conditions": "フルリモート",
    "desired_conditions": "",
}


@pytest_asyncio.fixture(autouse=True)
async def reset_rate_limits(app, redis):
    """Every test starts with fresh rate-limit counters and an empty queue (both in Redis)."""
    yield
    redis = app.state.redis
    keys = [key async for key in redis.scan_iter(match=f"{prefix()}:*")]
    if keys:
        await redis.delete(*keys)
