"""The network end to end: ten of A's rejects register → A earns a credit → A asks to meet a
candidate B referred → the candidate accepts in the portal over HTTP → A reads the contact;
no credit, no introduction; a decline and an expiry each refund once.

Everything goes through the adapters a user touches: GraphQL for the companies, the mailed
links and forms for the candidates, the arq worker (settlement, matching, mails over SMTP).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from strawberry import relay

from server.models import CreditEntry, CreditKind, Introduction, IntroductionStatus
from server.network import introduction_answers
from tests.scenarios.test_rejection_flow import applications_of, drain
from tests.schema.test_applications import IMPORT, REJECT, open_role, row
from tests.schema.test_credits import ADJUST, adjustment
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    PROFILE,
    csrf_from,
    post_form,
    reset_rate_limits,
)

VIEWER = """
{ viewer { creditBalance referralProgress { qualified settled towardNextCredit creditsEarned } } }
"""
MATCHES = """
query($openingId: ID!) {
  matches(openingId: $openingId, first: 20) {
    edges { node { score candidate { id headline } matchedTags { slug } } }
  }
}
"""
REQUEST = """
mutation($input: RequestIntroductionInput!) {
  requestIntroduction(input: $input) {
    introduction { id status contact { name email } }
    userErrors { field code }
  }
}
"""
INTRODUCTION = """
query($id: ID!) {
  node(id: $id) { ... on Introduction { status respondedAt contact { name email } } }
}
"""
REGISTRATION_LINK = re.compile(r"http://relay\.test(/r/\S+)")
ANSWER_LINK = re.compile(
    r"http://relay\.test(/me/introductions/[A-Za-z0-9_\-]+/(accept|decline)\S*)"
)


def text_of(received) -> str:
    return received.message.get_body(("plain",)).get_content()


async def reject_all(caller, opening_id: str, people: range, prefix: str) -> None:
    rows = [
        row(i, opening_id, name=f"{prefix} {i}", email=f"{prefix}{i}@example.jp") for i in people
    ]
    data = await caller(IMPORT, {"input": {"rows": rows}})
    assert data["importApplications"]["userErrors"] == []
    for application_id in await applications_of(caller):
        data = await caller(REJECT, {"input": {"applicationId": application_id}})
        assert data["rejectApplication"]["userErrors"] == []


async def register_everyone_mailed(client, smtp_server, recipients: set[str]) -> None:
    """Each person follows the link in their rejection mail and registers, sharing."""
    for received in smtp_server.received:
        if received.rcpt_tos[0] not in recipients:
            continue
        link = REGISTRATION_LINK.search(text_of(received)).group(1)
        click = await client.get(link)
        assert click.status_code == 303
        form = click.headers["location"]
        name = received.rcpt_tos[0].split("@")[0]
        done = await post_form(client, form, {**PROFILE, "display_name": name, "share": "1"})
        assert done.status_code == 200, done.text


async def mailed_answer_link(smtp_server, recipient: str, answer: str) -> str:
    for received in reversed(smtp_server.received):
        if received.rcpt_tos == [recipient] and "/me/introductions/" in text_of(received):
            links = {a: path for path, a in ANSWER_LINK.findall(text_of(received))}
            return links[answer]
    raise AssertionError(f"no introduction mail to {recipient}")


async def answer_in_browser(client, link: str, answer: str, presses: int = 1) -> None:
    """Opens the mailed link (a GET changes nothing), then presses the confirm button."""
    page = await client.get(link)
    assert page.status_code == 200
    action = re.search(r'action="(/me/introductions/[^"]+)"', page.text).group(1)
    for _ in range(presses):
        form = {"csrf_token": csrf_from(page), "answer": answer}
        response = await client.post(action, data=form)
        assert response.status_code == 303


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def test_ten_referrals_buy_one_introduction_end_to_end(
    client, company_a, company_b, operator, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    # A rejects 10 applicants; all 10 register from the mail with network consent
    a_role = await open_role(company_a, "データエンジニア", tags=("Python", "SQL", "東京"))
    await reject_all(company_a, a_role, range(1, 11), "a")
    await drain()
    a_people = {f"a{i}@example.jp" for i in range(1, 11)}
    assert {r.rcpt_tos[0] for r in smtp_server.received} == a_people
    await register_everyone_mailed(client, smtp_server, a_people)
    await drain()  # settle_credits, enqueued when the referrals qualified
    viewer = (await company_a(VIEWER))["viewer"]
    assert viewer == {
        "creditBalance": 1,
        "referralProgress": {
            "qualified": 10,
            "settled": 10,
            "towardNextCredit": 0,
            "creditsEarned": 1,
        },
    }

    # B rejects three people, who register too
    b_role = await open_role(company_b, "バックエンドエンジニア", tags=("Python",))
    await reject_all(company_b, b_role, range(1, 4), "b")
    await drain()
    b_people = {f"b{i}@example.jp" for i in range(1, 4)}
    await register_everyone_mailed(client, smtp_server, b_people)
    await drain()  # matching updates

    # A sees B's candidates (never its own rejects) and asks to meet one
    edges = (await company_a(MATCHES, {"openingId": a_role}))["matches"]["edges"]
    cards = [e["node"]["candidate"]["id"] for e in edges]
    assert len(cards) == 3
    assert all(e["node"]["score"] > 0 for e in edges)
    data = await company_a(REQUEST, {"input": {"openingId": a_role, "candidateId": cards[0]}})
    payload = data["requestIntroduction"]
    assert payload["userErrors"] == []
    intro_id = payload["introduction"]["id"]
    assert payload["introduction"]["contact"] is None
    assert (await company_a(VIEWER))["viewer"]["creditBalance"] == 0
    after = (await company_a(MATCHES, {"openingId": a_role}))["matches"]["edges"]
    assert [e["node"]["candidate"]["id"] for e in after] == cards[1:]  # asked once only
    await drain()  # the introduction mail goes out
    person = (await Introduction.get(id=pk(intro_id)).prefetch_related("candidate")).candidate
    accept = await mailed_answer_link(smtp_server, person.email, "accept")

    # the candidate accepts over HTTP; A reads the contact
    await answer_in_browser(client, accept, "accept")
    read = (await company_a(INTRODUCTION, {"id": intro_id}))["node"]
    assert read["status"] == "ACCEPTED" and read["respondedAt"] is not None
    assert read["contact"] == {"name": person.display_name, "email": person.email}
    assert (await company_b(INTRODUCTION, {"id": intro_id}))["node"] is None

    # no credit left: no introduction, nothing spent
    refused = await company_a(REQUEST, {"input": {"openingId": a_role, "candidateId": cards[1]}})
    assert refused["requestIntroduction"] == {
        "introduction": None,
        "userErrors": [{"field": None, "code": "INSUFFICIENT_CREDITS"}],
    }

    # with two more credits: one request declined in the browser, one left to expire
    adjusted = await operator(ADJUST, adjustment(company_a.company_id, 2, "scenario"))
    assert adjusted["adjustCredits"]["userErrors"] == []
    declined_id, expiring_id = [
        (await company_a(REQUEST, {"input": {"openingId": a_role, "candidateId": card}}))[
            "requestIntroduction"
        ]["introduction"]["id"]
        for card in cards[1:]
    ]
    assert (await company_a(VIEWER))["viewer"]["creditBalance"] == 0
    await drain()
    declining = (await Introduction.get(id=pk(declined_id)).prefetch_related("candidate")).candidate
    decline = await mailed_answer_link(smtp_server, declining.email, "decline")
    await answer_in_browser(client, decline, "decline", presses=2)  # the second: no-op
    later = datetime.now(UTC) + timedelta(days=14, minutes=1)
    assert await introduction_answers.expire_due(later) == 1
    assert await introduction_answers.expire_due(later) == 0

    # each refunded once; the ledger adds up
    statuses = {
        i.id: i.status for i in await Introduction.filter(id__in=[pk(declined_id), pk(expiring_id)])
    }
    assert statuses == {
        pk(declined_id): IntroductionStatus.DECLINED,
        pk(expiring_id): IntroductionStatus.EXPIRED,
    }
    refunds = await CreditEntry.filter(kind=CreditKind.REFUND).order_by("id")
    assert [r.idempotency_key for r in refunds] == [
        f"refund:introduction:{pk(declined_id)}",
        f"refund:introduction:{pk(expiring_id)}",
    ]
    assert (await company_a(VIEWER))["viewer"]["creditBalance"] == 2
    assert (await company_a(INTRODUCTION, {"id": declined_id}))["node"]["contact"] is None
