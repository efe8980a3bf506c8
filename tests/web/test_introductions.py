"""The accept/decline links of an introduction mail, and answering from the portal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server import tokens
from server.models import (
    CandidateToken,
    Company,
    CreditEntry,
    CreditKind,
    Introduction,
    IntroductionStatus,
    Locale,
    MailKind,
    MailMessage,
    ProvisionRecord,
    TokenPurpose,
)
from server.network import introductions
from server.principal import Principal
from tests.server.test_introductions import network_candidate, requested
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    csrf_from,
    reset_rate_limits,
)

LINK = re.compile(r"http://relay\.test(/me/introductions/([A-Za-z0-9_\-]+)/(accept|decline)\S*)")


async def mailed_links(intro: Introduction) -> dict[str, str]:
    """answer -> path of the link in the candidate's mail; also the raw token under 'token'."""
    mail = await MailMessage.get(kind=MailKind.INTRODUCTION, dedupe_key=f"introduction:{intro.id}")
    found = {answer: path for path, _, answer in LINK.findall(mail.body_text)}
    found["token"] = LINK.search(mail.body_text).group(2)
    return found


async def test_opening_the_mailed_link_changes_nothing(client, company_a):
    # given
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)

    # when: a mail scanner (or the person) opens both links
    accept_page = await client.get(links["accept"])
    decline_page = await client.get(links["decline"])

    # then
    assert accept_page.status_code == decline_page.status_code == 200
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.REQUESTED
    assert await ProvisionRecord.all().count() == 0
    assert "この紹介を承諾しますか？" in accept_page.text
    assert "株式会社エーから、求人「データ基盤エンジニア」について" in accept_page.text
    assert 'value="accept"' in accept_page.text and 'value="decline"' not in accept_page.text
    assert "この紹介をお断りしますか？" in decline_page.text
    assert 'value="decline"' in decline_page.text and 'value="accept"' not in decline_page.text
    assert accept_page.headers["cache-control"] == "no-store"


async def test_accepting_through_the_link_hands_over_the_contact(client, company_a):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)
    page = await client.get(links["accept"])

    response = await client.post(
        f"/me/introductions/{links['token']}",
        data={"csrf_token": csrf_from(page), "answer": "accept"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/me/introductions/{links['token']}?ok=ACCEPTED"
    shown = await client.get(response.headers["location"])
    assert "承諾しました。株式会社エーにお名前とメールアドレスをお伝えしました。" in shown.text
    assert "承諾済み" in shown.text
    assert 'name="answer"' not in shown.text  # nothing left to answer
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.ACCEPTED
    assert await ProvisionRecord.filter(introduction_id=intro.id).count() == 1
    contact = await introductions.contacts(Principal(None, company_a.company_id), [intro.id])
    assert contact[intro.id].email == "hanako@example.jp"


async def test_declining_through_the_link_refunds_and_a_second_post_changes_nothing(
    client, company_a
):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)
    page = await client.get(links["decline"])
    form = {"csrf_token": csrf_from(page), "answer": "decline"}

    first = await client.post(f"/me/introductions/{links['token']}", data=form)
    second = await client.post(f"/me/introductions/{links['token']}", data=form)
    late_accept = await client.post(
        f"/me/introductions/{links['token']}", data={**form, "answer": "accept"}
    )

    assert first.status_code == second.status_code == 303
    assert late_accept.status_code == 409
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.DECLINED
    assert await CreditEntry.filter(kind=CreditKind.REFUND).count() == 1
    assert (await Company.get(id=company_a.company_id)).credit_balance == 1
    assert await ProvisionRecord.all().count() == 0


async def test_a_post_without_the_csrf_token_is_refused(client, company_a):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)
    await client.get(links["accept"])  # the cookie, but no form token

    response = await client.post(
        f"/me/introductions/{links['token']}", data={"answer": "accept", "csrf_token": "forged"}
    )

    assert response.status_code == 403
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.REQUESTED


async def test_expired_unknown_and_foreign_links(client, company_a):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)
    page = await client.get(links["accept"])
    portal_token = await tokens.issue(TokenPurpose.PORTAL, candidate_id=candidate.id)

    unknown = await client.get("/me/introductions/not-a-token/accept")
    foreign = await client.get(f"/me/introductions/{portal_token}/accept")
    bad_answer = await client.get(f"/me/introductions/{links['token']}/maybe")
    # past the deadline, before the cron: the answer is refused
    await Introduction.filter(id=intro.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    late = await client.post(
        f"/me/introductions/{links['token']}",
        data={"csrf_token": csrf_from(page), "answer": "accept"},
    )
    await CandidateToken.filter(purpose=TokenPurpose.INTRODUCTION).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    expired = await client.get(links["accept"])

    assert unknown.status_code == foreign.status_code == bad_answer.status_code == 404
    assert late.status_code == 409
    assert expired.status_code == 410
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.REQUESTED


async def test_english_candidates_get_english_links(client, company_a):
    candidate = await network_candidate("john@example.com", name="John", locale=Locale.EN)
    intro = await requested(company_a, candidate)
    links = await mailed_links(intro)

    page = await client.get(links["accept"])

    assert links["accept"].endswith("?lang=en")
    assert "Accept this introduction?" in page.text
    assert "株式会社エー would like to meet you" in page.text


async def test_answering_from_the_portal(client, company_a, company_b):
    candidate = await network_candidate()
    first = await requested(company_a, candidate)
    second = await requested(company_b, candidate)
    raw = await tokens.issue(TokenPurpose.PORTAL, candidate_id=candidate.id)
    page = await client.get(f"/me/{raw}")
    assert page.status_code == 200
    for intro in (first, second):
        assert f'action="/me/{raw}/introductions/{intro.id}"' in page.text
    assert "まもなくこのページからできるようになります" not in page.text

    accepted = await client.post(
        f"/me/{raw}/introductions/{first.id}",
        data={"csrf_token": csrf_from(page), "answer": "accept"},
    )
    declined = await client.post(
        f"/me/{raw}/introductions/{second.id}",
        data={"csrf_token": csrf_from(page), "answer": "decline"},
    )

    assert accepted.status_code == declined.status_code == 303
    assert accepted.headers["location"] == f"/me/{raw}?ok=introduction"
    await first.refresh_from_db()
    await second.refresh_from_db()
    assert (first.status, second.status) == (
        IntroductionStatus.ACCEPTED,
        IntroductionStatus.DECLINED,
    )
    assert (await Company.get(id=company_b.company_id)).credit_balance == 1
    shown = await client.get(f"/me/{raw}")
    assert "承諾済み" in shown.text and "お断り済み" in shown.text
    assert f'action="/me/{raw}/introductions/{first.id}"' not in shown.text
