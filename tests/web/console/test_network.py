"""The network in the console: anonymised matches explained, an introduction for one credit
(confirmed, spent once however often the form is sent), its answer, the hire; the credits page.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

from server.applications import openings
from server.models import (
    AuditEvent,
    Candidate,
    Company,
    CreditEntry,
    CreditKind,
    Introduction,
    MemberRole,
    ReferralStatus,
)
from server.network import introduction_answers, matching
from server.principal import Principal
from server.timezones import JAPAN
from tests.web.console.network_data import give_credits, network_company, person, referral
from web.console import network

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


async def balance(company_id: int) -> int:
    return (await Company.get(id=company_id)).credit_balance


def confirm_path(opening_id: int, candidate_id: int) -> str:
    return f"/app/network/openings/{opening_id}/candidates/{candidate_id}"


async def request_from_console(member, opening_id: int, candidate_id: int):
    """Opens the confirm step and sends its form (returns the answer and the form's key)."""
    path = confirm_path(opening_id, candidate_id)
    page = await member.get(path)
    key = KEY.search(page.text).group(1)
    answer = await member.post(f"{path}/introduce", {"idempotency_key": key}, form_page=path)
    return answer, key


async def test_matches_are_anonymised_cards_that_say_why(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id)

    page = await owner.get("/app/network")

    assert page.status_code == 200
    assert "Rust バックエンドエンジニア" in page.text
    assert "条件の合う登録者：4名" in page.text
    cards = re.findall(r'<article class="card match-card" data-candidate="(\d+)"', page.text)
    assert cards[0] == str(people[0].id)  # the only one with rare Rust comes first
    assert "Rust と Python の開発者" in page.text
    assert "秘密 花子" not in page.text and "@example.jp" not in page.text
    first = page.text.split('data-candidate="')[1]
    assert "求人の3個のタグのうち3個が一致しています" in first
    assert '<li class="tag matched"><mark>Rust</mark>' in first
    # one of the 8 sharing people carries Rust, 4 Tokyo, all of them Python: rarest first
    assert "<mark>Rust</mark>: 登録者の12%（やや希少・中程度の加点）" in first
    assert first.index("登録者の12%") < first.index("登録者の50%") < first.index("登録者の100%")
    assert "100%" in first  # every tag of the opening
    assert f'href="{confirm_path(opening.id, people[0].id)}"' in first


async def test_the_confirm_step_shows_the_balance_and_a_double_submit_spends_one_credit(
    console_member,
):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id, credit=2)
    path = confirm_path(opening.id, people[0].id)

    confirm = await owner.get(path)
    assert 'id="balance-now">2<' in confirm.text and 'id="balance-after">1<' in confirm.text
    assert "クレジットを1つ使用します" in confirm.text
    assert await Introduction.all().count() == 0  # the confirm step spends nothing

    key = KEY.search(confirm.text).group(1)
    first = await owner.post(f"{path}/introduce", {"idempotency_key": key}, form_page=path)
    second = await owner.post(f"{path}/introduce", {"idempotency_key": key}, form_page=path)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"].startswith("/app/network/introductions?ok=")
    assert await balance(owner.company_id) == 1
    assert await Introduction.filter(company_id=owner.company_id).count() == 1
    assert await CreditEntry.filter(kind=CreditKind.INTRODUCTION).count() == 1
    event = await AuditEvent.get(action="introduction.request")
    assert event.member_id == owner.member_id  # the audit names the recruiter
    listing = await owner.get(first.headers["location"])
    assert "紹介を依頼しました。クレジットを1つ使用しました。" in listing.text
    assert "Rust と Python の開発者" in listing.text and "回答待ち" in listing.text
    assert "回答期限まで残り13日" in listing.text
    assert "rare@example.jp" not in listing.text  # no contact before the answer
    # the card left the matches; its confirm step now says it was requested
    assert f'data-candidate="{people[0].id}"' not in (await owner.get("/app/network")).text
    assert 'id="already"' in (await owner.get(path)).text


async def test_without_credit_the_confirm_step_says_so_and_nothing_is_written(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id, credit=0)
    path = confirm_path(opening.id, people[0].id)

    confirm = await owner.get(path)
    assert 'id="no-credit"' in confirm.text and "/introduce" not in confirm.text
    answer = await owner.post(f"{path}/introduce", {"idempotency_key": "k1"}, form_page=path)

    assert answer.status_code == 422
    assert "クレジットが不足しています" in answer.text
    assert await Introduction.all().count() == 0
    assert await balance(owner.company_id) == 0


async def test_an_accepted_introduction_shows_the_contact_and_is_marked_hired(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id)
    await request_from_console(owner, opening.id, people[0].id)
    intro = await Introduction.get(company_id=owner.company_id)
    early = await owner.post(
        f"/app/network/introductions/{intro.id}/hired", form_page="/app/network/introductions"
    )
    assert early.status_code == 409
    assert "採用済みにできるのは、ご本人が承諾した紹介のみです" in early.text

    await introduction_answers.respond(people[0].id, intro.id, accept=True)
    listing = await owner.get("/app/network/introductions")
    assert "秘密 花子" in listing.text and 'href="mailto:rare@example.jp"' in listing.text
    assert "承諾" in listing.text and "回答期限まで" not in listing.text

    hired = await owner.post(
        f"/app/network/introductions/{intro.id}/hired", form_page="/app/network/introductions"
    )
    assert hired.status_code == 303
    await intro.refresh_from_db()
    assert intro.hired_at is not None
    shown = await owner.get(hired.headers["location"])
    assert "採用済みとして記録しました" in shown.text
    assert f"採用日：{datetime.now(UTC).astimezone(JAPAN).strftime('%Y-%m-%d')}" in shown.text
    accepted_only = await owner.get("/app/network/introductions?status=DECLINED")
    assert "秘密 花子" not in accepted_only.text


async def test_another_companys_ids_get_404_and_nothing_is_spent(console_member):
    owner = await console_member(MemberRole.OWNER)
    other = await console_member(MemberRole.OWNER)
    mine, my_people = await network_company(owner.company_id, credit=3)
    theirs = await _other_opening(other.company_id)
    await request_from_console(other, theirs.id, my_people[1].id)
    their_intro = await Introduction.get(company_id=other.company_id)
    await introduction_answers.respond(my_people[1].id, their_intro.id, accept=True)
    hidden = await person("hidden@example.jp", "rust", "tokyo")
    hidden.sharing = False
    await hidden.save(update_fields=["sharing"])
    spent_before = await CreditEntry.filter(company_id=owner.company_id).count()

    for path in (
        f"/app/network/openings/{theirs.id}",
        confirm_path(theirs.id, my_people[0].id),
        confirm_path(mine.id, hidden.id),
        confirm_path(mine.id, 10**9),
    ):
        assert (await owner.get(path)).status_code == 404, path
    for path in (
        f"{confirm_path(theirs.id, my_people[0].id)}/introduce",
        f"{confirm_path(mine.id, hidden.id)}/introduce",
        f"/app/network/introductions/{their_intro.id}/hired",
    ):
        answer = await owner.post(path, {"idempotency_key": "x"}, form_page="/app/network")
        assert answer.status_code == 404, path

    assert await CreditEntry.filter(company_id=owner.company_id).count() == spent_before
    assert await balance(owner.company_id) == 3
    assert await Introduction.filter(company_id=owner.company_id).count() == 0
    await their_intro.refresh_from_db()
    assert their_intro.hired_at is None
    listing = await owner.get("/app/network/introductions")
    assert "秘密 花子" not in listing.text  # their accepted contact is theirs only


async def _other_opening(company_id: int):
    await give_credits(company_id, 1)
    opening = await openings.create(
        Principal(api_key_id=None, company_id=company_id), "データエンジニア", "", ["Python"]
    )
    await matching.rebuild_opening(opening.id)
    return opening


async def test_a_viewer_sees_the_matches_but_requests_nothing(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    opening, people = await network_company(owner.company_id)
    await request_from_console(owner, opening.id, people[1].id)
    intro = await Introduction.get(company_id=owner.company_id)
    await introduction_answers.respond(people[1].id, intro.id, accept=True)

    page = await viewer.get("/app/network")
    assert "Rust と Python の開発者" in page.text and "紹介を依頼する" not in page.text
    confirm = await viewer.get(confirm_path(opening.id, people[0].id))
    assert "/introduce" not in confirm.text
    refused = await viewer.post(
        f"{confirm_path(opening.id, people[0].id)}/introduce",
        {"idempotency_key": "v1"},
        form_page="/app/network",
    )
    hired = await viewer.post(
        f"/app/network/introductions/{intro.id}/hired", form_page="/app/network"
    )

    assert refused.status_code == hired.status_code == 403
    assert await Introduction.filter(company_id=owner.company_id).count() == 1
    assert await balance(owner.company_id) == 1
    await intro.refresh_from_db()
    assert intro.hired_at is None
    assert "採用済みにする" not in (await viewer.get("/app/network/introductions")).text


async def test_credits_show_the_ledger_progress_and_referrals_by_status(console_member):
    owner = await console_member(MemberRole.OWNER)
    other = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id, credit=2)
    await request_from_console(owner, opening.id, people[0].id)
    now = datetime.now(UTC)
    for i in range(3):
        await referral(owner.company_id, ReferralStatus.QUALIFIED, now - timedelta(days=i + 2))
    await referral(owner.company_id, ReferralStatus.MAILED, now, opening=opening, name="山田 太郎")
    await referral(other.company_id, ReferralStatus.QUALIFIED, now)

    page = await owner.get("/app/credits")

    assert page.status_code == 200
    assert 'id="credit-balance">1<' in page.text
    assert 'id="toward-next">3 / 10<' in page.text
    assert "あと7件の確定で次のクレジットが付与されます" in page.text
    ledger = page.text.split('id="ledger"')[1].split("</table>")[0]
    assert ledger.index("紹介依頼") < ledger.index("運営による調整")  # newest first
    assert ">-1<" in ledger and ">+2<" in ledger
    counts = dict(re.findall(r'data-status="(\w+)">[^<]+<span class="count">(\d+)<', page.text))
    assert counts == {"MAILED": "1", "QUALIFIED": "3"}  # statuses with none are not listed
    assert page.text.count("data-referral=") == 4  # not the other company's
    qualified = await owner.get("/app/credits?status=QUALIFIED")
    assert qualified.text.count("data-referral=") == 3
    assert f"確定</span> {_ymd(now - timedelta(days=2))}" in qualified.text  # 2 days after mail
    assert "山田 太郎" in page.text and "山田 太郎" not in qualified.text


def _ymd(value: datetime) -> str:
    return value.astimezone(JAPAN).strftime("%Y-%m-%d")


async def test_a_withdrawn_candidate_leaves_the_cards(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id)
    people[0].sharing = False
    await people[0].save(update_fields=["sharing"])

    page = await owner.get(f"/app/network/openings/{opening.id}")

    assert "条件の合う登録者：3名" in page.text
    assert f'data-candidate="{people[0].id}"' not in page.text
    assert (await owner.get(confirm_path(opening.id, people[0].id))).status_code == 404
    assert await Candidate.filter(id=people[0].id).exists()


async def test_a_double_click_sending_both_at_once_spends_one_credit(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id, credit=3)
    path = confirm_path(opening.id, people[0].id)
    key = KEY.search((await owner.get(path)).text).group(1)

    answers = await asyncio.gather(
        *[
            owner.post(f"{path}/introduce", {"idempotency_key": key}, form_page=path)
            for _ in range(3)
        ]
    )

    assert [a.status_code for a in answers] == [303, 303, 303]
    assert await balance(owner.company_id) == 2
    assert await Introduction.filter(company_id=owner.company_id).count() == 1


async def test_the_matches_of_one_opening_page_by_twenty(console_member, monkeypatch):
    monkeypatch.setattr(network, "PAGE_SIZE", 2)
    owner = await console_member(MemberRole.OWNER)
    opening, people = await network_company(owner.company_id)
    path = f"/app/network/openings/{opening.id}"

    seen, address = [], path
    for _ in range(3):
        page = await owner.get(address)
        seen += re.findall(r'data-candidate="(\d+)"', page.text)
        pager = page.text.split('class="pager')[1].split("</nav>")[0]
        found = re.search(r'href="(/app/network/openings/\d+\?after=[^"]+)"', pager)
        if found is None:
            break
        address = html.unescape(found.group(1))

    assert seen[0] == str(people[0].id)
    assert sorted(seen) == sorted(str(p.id) for p in people)  # each once, over two pages
    assert (await owner.get(f"{path}?after=nan:1")).status_code == 200  # a bad cursor: page 1


async def test_the_network_in_english(console_member):
    owner = await console_member(MemberRole.OWNER)
    await network_company(owner.company_id)

    page = await owner.get("/app/network?lang=en")

    assert "3 of the opening&#39;s 3 tags match." in page.text
    assert "<mark>Tokyo</mark>" in page.text and "東京都" not in page.text
    assert "Request an introduction" in page.text and "Matching candidates: 4" in page.text
