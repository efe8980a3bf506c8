"""/a/{token}: re-applying from a follow-up mail (GET shows, POST acts, once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import (
    Application,
    ApplicationSource,
    ApplicationStatus,
    Company,
    Opening,
    OpeningStatus,
)
from server.pool import followups
from server.reports import funnel as reports
from tests.fixtures.pool import link, make_member, make_opening, principal
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    csrf_from,
    reset_rate_limits,
)

APPLICATIONS = """
{ applications(first: 100, status: APPLIED) { totalCount
    edges { node { source status applicant { email } opening { title } } } } }
"""


async def _reapply_link(company_id: int) -> tuple[Company, Opening, str]:
    """A follow-up mail's re-apply token for an open opening of the company."""
    company = await Company.get(id=company_id)
    opening = await make_opening(company, "データエンジニア", "python")
    now = datetime.now(UTC)
    await make_member(company, "taro@example.jp", "python", rejected_at=now - timedelta(days=182))
    [message] = await followups.send_followups(now)
    return company, opening, link(message.body_text, "http://relay.test/a")


async def test_the_re_apply_link_creates_one_reapplication_counted_once(client, company_a):
    company, opening, token = await _reapply_link(company_a.company_id)

    # GET only shows the opening (scanners prefetch links)
    page = await client.get(f"/a/{token}")
    assert page.status_code == 200
    assert "データエンジニア" in page.text and company.name in page.text
    assert not await Application.exists(source=ApplicationSource.REAPPLICATION)

    # POST applies; a second POST finds the first application
    form = {"csrf_token": csrf_from(page)}
    first = await client.post(f"/a/{token}", data=form)
    second = await client.post(f"/a/{token}", data=form)  # a double submit
    assert first.status_code == 200 and "応募を受け付けました" in first.text
    assert second.status_code == 200 and "応募済み" in second.text
    assert "すでに応募" in (await client.get(f"/a/{token}")).text

    rows = await Application.filter(source=ApplicationSource.REAPPLICATION)
    assert [(r.opening_id, r.status) for r in rows] == [(opening.id, ApplicationStatus.APPLIED)]
    listed = (await company_a(APPLICATIONS))["applications"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {
        "source": "REAPPLICATION",
        "status": "APPLIED",
        "applicant": {"email": "taro@example.jp"},
        "opening": {"title": "データエンジニア"},
    }
    now = datetime.now(UTC)
    report = await reports.company_report(
        principal(company), now - timedelta(days=1), now + timedelta(days=1)
    )
    assert report.totals["reapplications"] == 1


async def test_a_closed_opening_takes_no_reapplication(client, company_a):
    _, opening, token = await _reapply_link(company_a.company_id)
    page = await client.get(f"/a/{token}")
    await Opening.filter(id=opening.id).update(status=OpeningStatus.CLOSED)

    response = await client.post(f"/a/{token}", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 409
    assert not await Application.exists(source=ApplicationSource.REAPPLICATION)


async def test_a_forged_post_or_unknown_link_applies_nothing(client, company_a):
    _, _, token = await _reapply_link(company_a.company_id)
    await client.get(f"/a/{token}")

    forged = await client.post(f"/a/{token}", data={"csrf_token": "forged"})
    unknown = await client.get("/a/not-a-token")

    assert forged.status_code == 403
    assert unknown.status_code == 404
    assert not await Application.exists(source=ApplicationSource.REAPPLICATION)


async def test_the_re_apply_page_shows_the_openings_description_and_conditions(client, company_a):
    _, opening, token = await _reapply_link(company_a.company_id)
    opening.description = "需要予測の分析基盤を、チームで設計します。"
    opening.remote_ok = False
    await opening.save()

    page = await client.get(f"/a/{token}")

    assert "需要予測の分析基盤を、チームで設計します。" in page.text
    assert "<dt>求めるスキル</dt><dd>python</dd>" in page.text.replace("\n", "")
    assert "<dt>リモート勤務</dt><dd>不可</dd>" in page.text
