"""talentPool and updateFollowUpPolicy through GraphQL: who is in the pool, filters, paging,
tenancy, and the policy's userErrors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry import relay

from server.candidates import consent, pause
from server.models import Candidate, Company, ConsentScope, Opening, OpeningStatus
from tests.fixtures.pool import T0, make_member, make_opening

POOL = """
query($first: Int, $after: String, $tag: String, $openingId: ID, $evaluationMin: Int,
      $silverMedalist: Boolean, $rejectedBefore: DateTime, $rejectedAfter: DateTime) {
  talentPool(first: $first, after: $after, tag: $tag, openingId: $openingId,
             evaluationMin: $evaluationMin, silverMedalist: $silverMedalist,
             rejectedBefore: $rejectedBefore, rejectedAfter: $rejectedAfter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name email evaluation silverMedalist rejectedAt tags { slug }
      bestOpening { score opening { title } matchedTags { slug } } } }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { ... on PoolEntry { name email } } }"
POLICY = """
mutation($input: UpdateFollowUpPolicyInput!) {
  updateFollowUpPolicy(input: $input) {
    company { followUpPolicy { delaysDays enabled sendWithoutMatch timezone } }
    userErrors { field code message }
  }
}
"""
VIEWER_POLICY = "{ viewer { followUpPolicy { delaysDays enabled sendWithoutMatch timezone } } }"


async def _pool(caller, **variables) -> dict:
    return (await caller(POOL, variables))["talentPool"]


def _names(pool: dict) -> list[str]:
    return [edge["node"]["name"] for edge in pool["edges"]]


async def _seed(company_a, company_b):
    """Company A's pool (taro, hanako) next to people who must not show."""
    a = await Company.get(id=company_a.company_id)
    b = await Company.get(id=company_b.company_id)
    old = await make_opening(a, "過去の求人", "python")
    await Opening.filter(id=old.id).update(status=OpeningStatus.CLOSED)
    await make_opening(a, "データエンジニア", "python", "sql")
    await make_opening(a, "Python 講師", "python", "teaching", "remote")
    taro = await make_member(
        a,
        "taro@example.jp",
        "python",
        "sql",
        name="山田 太郎",
        evaluation=4,
        silver_medalist=True,
        opening=old,
    )
    await make_member(
        a,
        "hanako@example.jp",
        "figma",
        name="佐藤 花子",
        evaluation=2,
        rejected_at=T0 + timedelta(days=30),
    )
    await make_member(a, "nope@example.jp", "python", name="同意なし", follow_up=False)
    paused = await make_member(a, "paused@example.jp", "python", name="休止中")
    await pause.set_pause(paused.id, pause.local_today(datetime.now(UTC)) + timedelta(days=5))
    erased = await make_member(a, "erased@example.jp", "python", name="削除済み")
    await Candidate.filter(id=erased.id).update(erased_at=datetime.now(UTC))
    await make_member(b, "other@example.jp", "python", name="他社の人")
    return taro, old


async def test_the_pool_lists_own_consenting_rejects_with_their_best_opening(company_a, company_b):
    await _seed(company_a, company_b)

    pool = await _pool(company_a)

    assert pool["totalCount"] == 2
    nodes = {e["node"]["name"]: e["node"] for e in pool["edges"]}
    assert set(nodes) == {"山田 太郎", "佐藤 花子"}
    taro = nodes["山田 太郎"]
    assert taro["email"] == "taro@example.jp"
    assert (taro["evaluation"], taro["silverMedalist"]) == (4, True)
    assert {t["slug"] for t in taro["tags"]} == {"python", "sql"}
    assert taro["bestOpening"]["opening"]["title"] == "データエンジニア"
    assert taro["bestOpening"]["score"] == 1.0
    assert {t["slug"] for t in taro["bestOpening"]["matchedTags"]} == {"python", "sql"}
    assert nodes["佐藤 花子"]["bestOpening"] is None


async def test_withdrawing_follow_up_consent_takes_a_person_out_of_the_pool(company_a, company_b):
    taro, _ = await _seed(company_a, company_b)
    await consent.record(
        taro, ConsentScope.FOLLOW_UP, False, source="test", company_id=company_a.company_id
    )

    assert _names(await _pool(company_a)) == ["佐藤 花子"]


async def test_pool_filters(company_a, company_b):
    _, old = await _seed(company_a, company_b)
    old_id = str(relay.GlobalID("Opening", str(old.id)))  # the opening taro was rejected for

    assert _names(await _pool(company_a, tag="ＰＹＴＨＯＮ")) == ["山田 太郎"]
    assert _names(await _pool(company_a, tag="no-such-skill")) == []
    assert _names(await _pool(company_a, evaluationMin=3)) == ["山田 太郎"]
    assert _names(await _pool(company_a, silverMedalist=False)) == ["佐藤 花子"]
    assert _names(await _pool(company_a, openingId=old_id)) == ["山田 太郎"]
    middle = (T0 + timedelta(days=10)).isoformat()
    assert _names(await _pool(company_a, rejectedAfter=middle)) == ["佐藤 花子"]
    assert _names(await _pool(company_a, rejectedBefore=middle)) == ["山田 太郎"]
    filtered = await _pool(company_a, tag="python", evaluationMin=5)
    assert filtered["totalCount"] == 0


async def test_pool_pages_with_cursors(company_a, company_b):
    await _seed(company_a, company_b)

    first = await _pool(company_a, first=1)
    second = await _pool(company_a, first=1, after=first["pageInfo"]["endCursor"])

    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    assert first["totalCount"] == second["totalCount"] == 2
    assert set(_names(first) + _names(second)) == {"山田 太郎", "佐藤 花子"}


async def test_a_company_sees_only_its_own_pool(company_a, company_b, operator):
    await _seed(company_a, company_b)

    assert _names(await _pool(company_b)) == ["他社の人"]
    entry_id = (await _pool(company_a, tag="sql"))["edges"][0]["node"]["id"]
    assert (await company_a(NODE, {"id": entry_id}))["node"]["email"] == "taro@example.jp"
    assert (await company_b(NODE, {"id": entry_id}))["node"] is None
    refused = (await operator.post(POOL)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bad_evaluation_filter_is_refused(company_a):
    body = (await company_a.post(POOL, {"evaluationMin": 9})).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_update_follow_up_policy(company_a):
    before = (await company_a(VIEWER_POLICY))["viewer"]["followUpPolicy"]
    assert before == {
        "delaysDays": [182, 365],
        "enabled": True,
        "sendWithoutMatch": False,
        "timezone": "Asia/Tokyo",
    }

    result = (
        await company_a(
            POLICY,
            {
                "input": {
                    "delaysDays": [90, 180, 365],
                    "sendWithoutMatch": True,
                    "timezone": "Europe/Berlin",
                }
            },
        )
    )["updateFollowUpPolicy"]

    assert result["userErrors"] == []
    assert result["company"]["followUpPolicy"] == {
        "delaysDays": [90, 180, 365],
        "enabled": True,
        "sendWithoutMatch": True,
        "timezone": "Europe/Berlin",
    }


async def test_update_follow_up_policy_user_errors(company_a):
    cases = [
        ({"delaysDays": [0, 30]}, [(["input", "delaysDays", "0"], "INVALID")]),
        ({"delaysDays": [30, 1096]}, [(["input", "delaysDays", "1"], "INVALID")]),
        ({"delaysDays": [10, 20, 30, 40, 50, 60]}, [(["input", "delaysDays"], "TOO_LONG")]),
        ({"delaysDays": [365, 182]}, [(["input", "delaysDays"], "INVALID")]),
        ({"delaysDays": [182, 182]}, [(["input", "delaysDays"], "INVALID")]),
        ({"timezone": "Mars/Olympus"}, [(["input", "timezone"], "INVALID")]),
        (
            {"delaysDays": [0], "timezone": "nowhere"},
            [(["input", "delaysDays", "0"], "INVALID"), (["input", "timezone"], "INVALID")],
        ),
    ]
    for policy_input, expected in cases:
        result = (await company_a(POLICY, {"input": policy_input}))["updateFollowUpPolicy"]
        assert result["company"] is None
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == expected, policy_input

    after = (await company_a(VIEWER_POLICY))["viewer"]["followUpPolicy"]
    assert after["delaysDays"] == [182, 365] and after["timezone"] == "Asia/Tokyo"
