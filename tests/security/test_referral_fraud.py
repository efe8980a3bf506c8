"""Issue 11 item 9: credit farming. Fraud signals hold a referral for the operator, every
referral waits a holding period before it settles, and a rejected settled referral is clawed
back by an audited ledger entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from strawberry import relay

from server import tokens
from server.candidates import registration
from server.candidates.profiles import ProfileInput
from server.models import (
    AuditEvent,
    Company,
    CreditEntry,
    CreditKind,
    Referral,
    ReferralReview,
    ReferralStatus,
)
from server.network import credits, referral_fraud, settlement
from tests.fixtures.graphql import Caller
from tests.server.test_credits import balance, qualify
from tests.web.candidate_helpers import PROFILE as WEB_PROFILE
from tests.web.candidate_helpers import post_form


async def qualified(company_id: int, n: int) -> list[Referral]:
    """``n`` QUALIFIED referrals of the company, read back with their ids."""
    await qualify(company_id, n)
    return await Referral.filter(company_id=company_id).order_by("id")


PROFILE = ProfileInput(display_name="山田 太郎", headline="エンジニア", experience_years="5")
FLAGGED = """
{ operator { flaggedReferrals { edges { node { id review flags registrationNetwork
  company { slug } } } } } }
"""
APPROVE = """
mutation($input: ReviewReferralInput!) {
  approveReferral(input: $input) { referral { review status } userErrors { code } }
}
"""
REJECT = """
mutation($input: ReviewReferralInput!) {
  rejectReferral(input: $input) { referral { review status settled } userErrors { code } }
}
"""


@pytest_asyncio.fixture(autouse=True)
async def fresh_network_memory(monkeypatch):
    # Company ids repeat after each test's truncate: forget what this process recorded.
    monkeypatch.setattr(referral_fraud, "_recorded", {})


@pytest_asyncio.fixture
async def from_address(app):
    """An API client whose requests come from a given address."""
    clients = []

    async def make(address: str, key: str) -> Caller:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://relay.test")
        clients.append(http)
        return Caller(http, key)

    yield make
    for http in clients:
        await http.aclose()


async def mailed(company_id: int, email: str, *, ago: timedelta = timedelta(hours=2)) -> str:
    """A referral whose rejection mail went out ``ago``; returns its raw link token."""
    raw = tokens.new_token()
    now = datetime.now(UTC)
    await Referral.create(
        company_id=company_id,
        email_normalized=email,
        token_hash=tokens.hash_token(raw),
        status=ReferralStatus.MAILED,
        expires_at=now + timedelta(days=180),
        mailed_at=now - ago,
    )
    return raw


async def registered(raw: str, address: str | None = None) -> Referral:
    result = await registration.register(
        raw, PROFILE, share=True, follow_up=False, client_ip=address
    )
    return result.referral


def gid(referral: Referral) -> str:
    return str(relay.GlobalID("Referral", str(referral.id)))


async def test_registration_from_the_company_s_own_network_is_held(
    company_a, from_address, operator
):
    # given company A used its API key from 203.0.113.5
    api = await from_address("203.0.113.5", company_a.key)
    await api("{ viewer { id } }")

    # when one person registers from the same /24 and another from elsewhere
    own = await registered(await mailed(company_a.company_id, "a@example.jp"), "203.0.113.77")
    other = await registered(await mailed(company_a.company_id, "b@example.jp"), "198.51.100.4")

    # then
    assert (own.fraud_flags, own.review) == (["COMPANY_NETWORK"], ReferralReview.HELD)
    assert own.registration_network == "203.0.113.0/24"
    assert (other.fraud_flags, other.review) == ([], ReferralReview.NONE)
    listed = (await operator(FLAGGED))["operator"]["flaggedReferrals"]["edges"]
    assert [e["node"]["id"] for e in listed] == [gid(own)]
    assert listed[0]["node"]["company"] == {"slug": "company-a"}


async def test_company_domain_burst_and_fast_registration_are_signals(
    settings, monkeypatch, make_company
):
    monkeypatch.setattr(settings, "referral_fast_seconds", 60)
    monkeypatch.setattr(settings, "referral_burst_size", 3)
    company = await make_company("株式会社アクメ", contact_email="hr@acme.co.jp")
    cid = company.company_id

    domain = await registered(await mailed(cid, "fake1@acme.co.jp"))
    fast = await registered(await mailed(cid, "quick@example.jp", ago=timedelta(seconds=5)))
    burst = [
        await registered(await mailed(cid, f"p{i}@example.jp"), f"192.0.2.{i}") for i in (1, 2, 3)
    ]

    assert domain.fraud_flags == ["COMPANY_DOMAIN"]
    assert fast.fraud_flags == ["FAST_AFTER_MAIL"]
    assert [r.fraud_flags for r in burst] == [[], [], ["BURST"]]


async def test_referrals_settle_only_after_the_holding_period(settings, monkeypatch, company_a):
    monkeypatch.setattr(settings, "referral_hold_hours", 72)
    rows = await qualified(company_a.company_id, 10)

    early = await settlement.settle(company_a.company_id)
    due_early = await settlement.companies_due()
    await Referral.filter(id__in=[r.id for r in rows]).update(
        qualified_at=datetime.now(UTC) - timedelta(hours=73)
    )
    late = await settlement.settle(company_a.company_id)

    assert (early, due_early) == ([], [])
    assert len(late) == 1


async def test_a_held_referral_waits_for_the_operator_and_a_rejection_claws_back(
    company_a, operator
):
    # given ten qualified referrals, one of them held
    rows = await qualified(company_a.company_id, 10)
    await Referral.filter(id=rows[0].id).update(
        review=ReferralReview.HELD, fraud_flags=["COMPANY_NETWORK"]
    )
    held_back = await settlement.settle(company_a.company_id)

    # when the operator approves it, the ten settle
    approved = await operator(APPROVE, {"input": {"referralId": gid(rows[0]), "note": "確認済み"}})
    settled = await settlement.settle(company_a.company_id)
    assert (held_back, len(settled)) == ([], 1)
    assert approved["approveReferral"]["referral"]["review"] == "APPROVED"
    assert await balance(company_a.company_id) == 1

    # when the operator rejects a settled one, the credit is clawed back once
    rejected = await operator(REJECT, {"input": {"referralId": gid(rows[3]), "note": "自作自演"}})
    again = await operator(REJECT, {"input": {"referralId": gid(rows[3])}})
    other = await operator(REJECT, {"input": {"referralId": gid(rows[4])}})

    assert rejected["rejectReferral"]["referral"] == {
        "review": "REJECTED",
        "status": "CANCELLED",
        "settled": True,
    }
    assert again["rejectReferral"]["userErrors"] == [{"code": "WRONG_STATE"}]
    assert other["rejectReferral"]["userErrors"] == []
    clawbacks = await CreditEntry.filter(kind=CreditKind.CLAWBACK)
    assert [(c.delta, c.balance_after) for c in clawbacks] == [(-1, 0)]
    assert await balance(company_a.company_id) == 0
    assert await credits.ledger_check() == []
    actions = await AuditEvent.filter(action__startswith="referral.").values_list("action", "data")
    assert [a for a, _ in actions] == ["referral.approve", "referral.reject", "referral.reject"]
    assert actions[1][1]["clawback_entry_id"] == clawbacks[0].id
    assert actions[1][1]["note"] == "自作自演"


async def test_only_the_operator_reviews(company_a):
    rows = await qualified(company_a.company_id, 1)

    response = await company_a.post(APPROVE, {"input": {"referralId": gid(rows[0])}})

    assert response.json()["errors"]
    assert (await Company.get(id=company_a.company_id)).credit_balance == 0


async def test_the_registration_page_and_the_api_record_the_client_network(company_a, from_address):
    # given company A's key was used from 203.0.113.5 (through the real app)
    await (await from_address("203.0.113.5", company_a.key))("{ viewer { id } }")
    raw = await mailed(company_a.company_id, "self@example.jp")
    browser = (await from_address("203.0.113.200", "")).http

    # when the person registers through the registration page from the same /24
    response = await post_form(browser, f"/register/{raw}", {**WEB_PROFILE, "share": "1"})

    # then
    assert response.status_code == 200
    referral = await Referral.get(email_normalized="self@example.jp")
    assert referral.fraud_flags == ["COMPANY_NETWORK"]
    assert referral.review == ReferralReview.HELD
