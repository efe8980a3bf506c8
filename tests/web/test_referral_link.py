"""The tracked link /r/{token}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import Referral, ReferralStatus
from server.network import referrals


async def _referral(company_id: int, **fields) -> tuple[Referral, str]:
    referral, raw = await referrals.create_for_mail(company_id, None, "x@example.jp")
    if fields:
        await Referral.filter(id=referral.id).update(**fields)
    return referral, raw


async def test_click_counts_and_redirects_to_registration(client, company_a):
    referral, raw = await _referral(company_a.company_id, status=ReferralStatus.MAILED)

    first = await client.get(f"/r/{raw}")
    await client.get(f"/r/{raw}")

    assert first.status_code == 303
    assert first.headers["location"] == f"/register/{raw}"
    await referral.refresh_from_db()
    assert referral.click_count == 2
    assert referral.status == ReferralStatus.CLICKED
    assert referral.first_clicked_at is not None


async def test_click_never_moves_a_registered_referral_back(client, company_a):
    referral, raw = await _referral(company_a.company_id, status=ReferralStatus.QUALIFIED)

    await client.get(f"/r/{raw}")

    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED


async def test_unknown_or_expired_token_is_a_friendly_404(client, company_a):
    _, raw = await _referral(company_a.company_id, expires_at=datetime.now(UTC) - timedelta(days=1))

    for token in ("nope", raw):
        response = await client.get(f"/r/{token}")
        assert response.status_code == 404
        assert "リンクが見つかりません" in response.text
