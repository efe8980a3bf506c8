"""`viewer` keeps the caller's company per process for at most the API key cache time
(≤ 1 s): a save in this process shows at once, a change made elsewhere within that time."""

from __future__ import annotations

import asyncio

from server.config import get_settings
from server.models import Company

VIEWER = "{ viewer { name creditBalance } }"


async def test_a_saved_company_shows_at_once_and_another_process_change_within_the_cache_time(
    company_a,
):
    assert (await company_a(VIEWER))["viewer"]["name"] == "株式会社エー"
    company = await Company.get(id=company_a.company_id)
    company.name, company.credit_balance = "株式会社エー改", 3
    await company.save(update_fields=["name", "credit_balance"])
    assert (await company_a(VIEWER))["viewer"] == {"name": "株式会社エー改", "creditBalance": 3}

    # An UPDATE that no model of this process saw, as another server process would make it.
    await Company.filter(id=company_a.company_id).update(name="株式会社エー別")
    await asyncio.sleep(get_settings().api_key_cache_seconds + 0.05)
    assert (await company_a(VIEWER))["viewer"]["name"] == "株式会社エー別"
