"""Credits through GraphQL: adjustCredits, creditLedger, referralProgress, ledgerCheck."""

from __future__ import annotations

from strawberry import relay
from tortoise import connections

from server.models import ApiKey, AuditEvent, CreditEntry, CreditKind
from server.network import credits, settlement
from tests.server.test_credits import qualify

ADJUST = """
mutation($input: AdjustCreditsInput!) {
  adjustCredits(input: $input) {
    creditEntry { id delta kind balanceAfter memo }
    company { id creditBalance }
    userErrors { field code message }
  }
}
"""
LEDGER = """
query($first: Int, $after: String) {
  creditLedger(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id delta kind balanceAfter memo createdAt } }
  }
}
"""
PROGRESS = """
{ viewer { creditBalance referralProgress { qualified settled towardNextCredit creditsEarned } } }
"""
LEDGER_CHECK = """
{ operator { ledgerCheck {
  ok mismatches { company { id name } stored computed chainConsistent }
} } }
"""


def company_gid(company_id: int) -> str:
    return str(relay.GlobalID("Company", str(company_id)))


def adjustment(company_id: int, delta: int = 3, memo: str = "goodwill", **extra) -> dict:
    return {"input": {"companyId": company_gid(company_id), "delta": delta, "memo": memo, **extra}}


async def test_operator_adjusts_credits_and_the_audit_names_the_key(operator, company_a):
    # when
    data = await operator(ADJUST, adjustment(company_a.company_id, idempotencyKey="adj-1"))

    # then
    payload = data["adjustCredits"]
    assert payload["userErrors"] == []
    assert payload["creditEntry"] | {"id": None} == {
        "id": None,
        "delta": 3,
        "kind": "ADJUSTMENT",
        "balanceAfter": 3,
        "memo": "goodwill",
    }
    assert payload["company"] == {"id": company_gid(company_a.company_id), "creditBalance": 3}
    operator_key = await ApiKey.get(company_id=None)
    [event] = await AuditEvent.filter(action="credits.adjust")
    assert event.api_key_id == operator_key.id
    assert (event.target_type, event.target_id) == ("Company", str(company_a.company_id))
    assert event.data["idempotency_key"] == "adj-1"
    assert event.data["delta"] == 3
    entry = await CreditEntry.get()
    assert entry.api_key_id == operator_key.id


async def test_adjust_credits_retry_returns_the_first_entry(operator, company_a):
    variables = adjustment(company_a.company_id, idempotencyKey="adj-1")

    first = await operator(ADJUST, variables)
    again = await operator(ADJUST, variables)

    assert again["adjustCredits"]["creditEntry"] == first["adjustCredits"]["creditEntry"]
    assert await CreditEntry.all().count() == 1
    variables["input"]["delta"] = 4
    reused = await operator(ADJUST, variables)
    assert [(e["field"], e["code"]) for e in reused["adjustCredits"]["userErrors"]] == [
        (["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")
    ]


async def test_adjust_credits_as_a_company_is_forbidden(company_a):
    response = await company_a.post(ADJUST, adjustment(company_a.company_id))

    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await CreditEntry.all().count() == 0


async def test_adjust_credits_without_memo_is_a_user_error(operator, company_a):
    data = await operator(ADJUST, adjustment(company_a.company_id, memo="  "))

    payload = data["adjustCredits"]
    assert payload["creditEntry"] is None and payload["company"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "memo"], "REQUIRED")
    ]
    assert await CreditEntry.all().count() == 0


async def test_adjust_credits_below_zero_is_a_user_error(operator, company_a):
    data = await operator(ADJUST, adjustment(company_a.company_id, delta=-1))

    assert [(e["field"], e["code"]) for e in data["adjustCredits"]["userErrors"]] == [
        (["input", "delta"], "INSUFFICIENT_CREDITS")
    ]


async def test_credit_ledger_lists_the_company_s_entries_newest_first(company_a, company_b):
    # given
    await credits.post(company_a.company_id, 2, CreditKind.ADJUSTMENT, "a:1", memo="start")
    await credits.post(company_a.company_id, -1, CreditKind.INTRODUCTION, "a:2")
    await credits.post(company_a.company_id, 1, CreditKind.REFUND, "a:3")
    await credits.post(company_b.company_id, 5, CreditKind.ADJUSTMENT, "b:1")

    # when
    first = (await company_a(LEDGER, {"first": 2}))["creditLedger"]
    rest = (await company_a(LEDGER, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "creditLedger"
    ]

    # then
    assert first["totalCount"] == 3
    nodes = [e["node"] for e in first["edges"] + rest["edges"]]
    assert [(n["kind"], n["delta"], n["balanceAfter"]) for n in nodes] == [
        ("REFUND", 1, 2),
        ("INTRODUCTION", -1, 1),
        ("ADJUSTMENT", 2, 2),
    ]
    assert nodes[-1]["memo"] == "start"
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]


async def test_credit_entry_of_another_company_reads_as_not_found(company_a, company_b):
    entry, _ = await credits.post(company_b.company_id, 5, CreditKind.ADJUSTMENT, "b:1")
    gid = str(relay.GlobalID("CreditEntry", str(entry.id)))
    query = "query($id: ID!) { node(id: $id) { ... on CreditEntry { delta } } }"

    assert await company_a(query, {"id": gid}) == {"node": None}
    assert await company_b(query, {"id": gid}) == {"node": {"delta": 5}}


async def test_credit_ledger_is_for_companies(operator):
    response = await operator.post(LEDGER)

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]


async def test_referral_progress_counts_toward_the_next_credit(company_a):
    await qualify(company_a.company_id, 23)
    await settlement.settle(company_a.company_id)
    await qualify(company_a.company_id, 1)

    data = await company_a(PROGRESS)

    assert data["viewer"] == {
        "creditBalance": 2,
        "referralProgress": {
            "qualified": 24,
            "settled": 20,
            "towardNextCredit": 4,
            "creditsEarned": 2,
        },
    }


async def test_ledger_check_is_ok_until_a_balance_is_tampered(operator, company_a, company_b):
    await qualify(company_a.company_id, 10)
    await settlement.settle(company_a.company_id)
    await credits.post(company_b.company_id, 2, CreditKind.ADJUSTMENT, "b:1")
    assert (await operator(LEDGER_CHECK))["operator"]["ledgerCheck"] == {
        "ok": True,
        "mismatches": [],
    }

    await connections.get("default").execute_query(
        "UPDATE company SET credit_balance = 9 WHERE id = $1", [company_b.company_id]
    )

    check = (await operator(LEDGER_CHECK))["operator"]["ledgerCheck"]
    assert check == {
        "ok": False,
        "mismatches": [
            {
                "company": {"id": company_gid(company_b.company_id), "name": "B Corp"},
                "stored": 9,
                "computed": 2,
                "chainConsistent": True,
            }
        ],
    }


async def test_ledger_check_is_not_for_companies(company_a):
    body = (await company_a.post(LEDGER_CHECK)).json()
    assert body["data"] == {"operator": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
