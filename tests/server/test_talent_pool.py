"""The talent pool core: tenancy in the core, hires left out, and re-application once even
when the link is posted twice at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from server.candidates import reapply
from server.errors import DomainError
from server.models import (
    Applicant,
    Application,
    ApplicationSource,
    ApplicationStatus,
)
from server.pool import followups, talent_pool
from tests.fixtures.pool import (
    OPERATOR,
    link,
    make_company,
    make_member,
    make_opening,
    principal,
)


async def test_the_core_filters_the_pool_by_the_callers_company():
    alpha = await make_company("Alpha 株式会社")
    beta = await make_company("Beta 株式会社")
    mine = await make_member(alpha, "mine@example.jp", "python")
    theirs = await make_member(beta, "theirs@example.jp", "python")
    now = datetime.now(UTC)

    entries, total = await talent_pool.entries(principal(alpha), now)

    assert ([e.candidate_id for e in entries], total) == ([mine.id], 1)
    assert await talent_pool.get(principal(alpha), theirs.id, now) is None
    with pytest.raises(DomainError):
        await talent_pool.entries(OPERATOR, now)


async def test_a_person_hired_later_leaves_the_pool():
    alpha = await make_company("Alpha 株式会社")
    person = await make_member(alpha, "taro@example.jp", "python")
    opening = await make_opening(alpha, "データエンジニア", "python")
    applicant = await Applicant.get(company_id=alpha.id, email_normalized="taro@example.jp")
    await Application.create(
        company_id=alpha.id,
        applicant=applicant,
        opening=opening,
        status=ApplicationStatus.HIRED,
        applied_at=datetime.now(UTC),
    )

    assert await talent_pool.member(alpha.id, person.id, datetime.now(UTC)) is None


async def test_two_posts_of_one_re_apply_link_at_once_apply_once():
    alpha = await make_company("Alpha 株式会社")
    await make_opening(alpha, "データエンジニア", "python")
    now = datetime.now(UTC)
    await make_member(alpha, "taro@example.jp", "python", rejected_at=now - timedelta(days=182))
    [message] = await followups.send_followups(now)
    token = link(message.body_text, "http://relay.test/a")

    results = await asyncio.gather(reapply.reapply(token), reapply.reapply(token))

    assert sorted(r.created for r in results) == [False, True]
    assert await Application.filter(source=ApplicationSource.REAPPLICATION).count() == 1
