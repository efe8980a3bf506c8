"""Introductions through GraphQL: request, list, read by node id, mark hired."""

from __future__ import annotations

from strawberry import relay

from server.candidates import consent
from server.models import Introduction, MailKind, MailMessage, Opening, OpeningStatus
from server.network import introduction_answers
from tests.server.test_introductions import give_credits, network_candidate

REQUEST = """
mutation($input: RequestIntroductionInput!) {
  requestIntroduction(input: $input) {
    introduction {
      id status expiresAt respondedAt hiredAt
      opening { id title }
      candidate { id headline experienceYears }
      contact { name email }
    }
    userErrors { field code message }
  }
}
"""
INTRODUCTIONS = """
query($status: IntroductionStatus, $first: Int, $after: String) {
  introductions(status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status candidate { headline } contact { name email } } }
  }
}
"""
NODE = """
query($id: ID!) {
  node(id: $id) { ... on Introduction { id status contact { name email } } }
}
"""
HIRED = """
mutation($input: MarkIntroductionHiredInput!) {
  markIntroductionHired(input: $input) {
    introduction { id status hiredAt }
    userErrors { field code }
  }
}
"""
BALANCE = "{ viewer { creditBalance } }"


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def open_opening(company_id: int, title: str = "データ基盤エンジニア") -> str:
    return gid("Opening", (await Opening.create(company_id=company_id, title=title)).id)


def asking(opening_id: str, candidate_id: int, **extra) -> dict:
    return {
        "input": {
            "openingId": opening_id,
            "candidateId": gid("CandidateCard", candidate_id),
            **extra,
        }
    }


async def test_request_spends_a_credit_and_the_contact_waits_for_acceptance(company_a):
    # given
    await give_credits(company_a.company_id, 1)
    opening_id = await open_opening(company_a.company_id)
    candidate = await network_candidate()

    # when
    data = await company_a(REQUEST, asking(opening_id, candidate.id, idempotencyKey="k1"))

    # then
    payload = data["requestIntroduction"]
    assert payload["userErrors"] == []
    intro = payload["introduction"]
    assert intro["status"] == "REQUESTED"
    assert intro["opening"] == {"id": opening_id, "title": "データ基盤エンジニア"}
    assert intro["candidate"] == {
        "id": gid("CandidateCard", candidate.id),
        "headline": "データエンジニア",
        "experienceYears": 4,
    }
    assert intro["contact"] is None
    assert intro["respondedAt"] is None and intro["hiredAt"] is None
    assert (await company_a(BALANCE))["viewer"]["creditBalance"] == 0
    assert await MailMessage.filter(kind=MailKind.INTRODUCTION).count() == 1

    # a retry returns the same introduction without spending
    retry = await company_a(REQUEST, asking(opening_id, candidate.id, idempotencyKey="k1"))
    assert retry["requestIntroduction"]["introduction"]["id"] == intro["id"]
    assert retry["requestIntroduction"]["userErrors"] == []
    assert await Introduction.all().count() == 1

    # when the candidate accepts, the contact is readable
    pk = int(relay.GlobalID.from_id(intro["id"]).node_id)
    await introduction_answers.respond(candidate.id, pk, accept=True)
    listed = await company_a(INTRODUCTIONS)
    assert listed["introductions"]["edges"][0]["node"]["contact"] == {
        "name": "佐藤 花子",
        "email": "hanako@example.jp",
    }


async def test_user_errors_have_exact_codes(company_a, company_b):
    opening_id = await open_opening(company_a.company_id)
    their_opening = await open_opening(company_b.company_id)
    candidate = await network_candidate()
    withdrawn = await network_candidate("withdrawn@example.jp")
    await consent.record(
        withdrawn, consent.ConsentScope.NETWORK_SHARING, False, source="test", company_id=None
    )

    no_credit = await company_a(REQUEST, asking(opening_id, candidate.id))
    await give_credits(company_a.company_id, 2)
    not_matchable = await company_a(REQUEST, asking(opening_id, withdrawn.id))
    not_found = await company_a(REQUEST, asking(their_opening, candidate.id))
    first = await company_a(REQUEST, asking(opening_id, candidate.id, idempotencyKey="same"))
    reused = await company_a(REQUEST, asking(opening_id, withdrawn.id, idempotencyKey="same"))

    def errors(data: dict) -> list[tuple[list[str] | None, str]]:
        payload = data["requestIntroduction"]
        assert payload["introduction"] is None
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    assert errors(no_credit) == [(None, "INSUFFICIENT_CREDITS")]
    assert errors(not_matchable) == [(["input", "candidateId"], "NOT_MATCHABLE")]
    assert errors(not_found) == [(["input", "openingId"], "NOT_FOUND")]
    assert first["requestIntroduction"]["userErrors"] == []
    assert errors(reused) == [(["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]
    assert (await company_a(BALANCE))["viewer"]["creditBalance"] == 1


async def test_a_closed_opening_is_wrong_state(company_a):
    await give_credits(company_a.company_id, 1)
    opening = await Opening.create(
        company_id=company_a.company_id, title="x", status=OpeningStatus.CLOSED
    )
    candidate = await network_candidate()

    data = await company_a(REQUEST, asking(gid("Opening", opening.id), candidate.id))

    assert [e["code"] for e in data["requestIntroduction"]["userErrors"]] == ["WRONG_STATE"]


async def test_another_company_cannot_read_an_introduction(company_a, company_b, operator):
    # given an accepted introduction of company A
    await give_credits(company_a.company_id, 1)
    candidate = await network_candidate()
    data = await company_a(REQUEST, asking(await open_opening(company_a.company_id), candidate.id))
    intro_id = data["requestIntroduction"]["introduction"]["id"]
    await introduction_answers.respond(
        candidate.id, int(relay.GlobalID.from_id(intro_id).node_id), accept=True
    )

    # then A reads the contact; B and the operator see nothing of it
    mine = await company_a(NODE, {"id": intro_id})
    assert mine["node"]["contact"] == {"name": "佐藤 花子", "email": "hanako@example.jp"}
    assert (await company_b(NODE, {"id": intro_id}))["node"] is None
    assert (await operator(NODE, {"id": intro_id}))["node"] is None
    theirs = await company_b(INTRODUCTIONS)
    assert theirs["introductions"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
    hired = await company_b(HIRED, {"input": {"introductionId": intro_id}})
    assert hired["markIntroductionHired"]["userErrors"] == [
        {"field": ["input", "introductionId"], "code": "NOT_FOUND"}
    ]
    forbidden = await operator.post(INTRODUCTIONS)
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_list_filters_by_status_and_pages_newest_first(company_a):
    await give_credits(company_a.company_id, 3)
    opening_id = await open_opening(company_a.company_id)
    people = [await network_candidate(f"p{i}@example.jp") for i in range(3)]
    ids = []
    for person in people:
        data = await company_a(REQUEST, asking(opening_id, person.id))
        ids.append(data["requestIntroduction"]["introduction"]["id"])
    await introduction_answers.respond(
        people[0].id, int(relay.GlobalID.from_id(ids[0]).node_id), accept=False
    )

    first_page = await company_a(INTRODUCTIONS, {"first": 1})
    rest = await company_a(
        INTRODUCTIONS,
        {"first": 5, "after": first_page["introductions"]["pageInfo"]["endCursor"]},
    )
    declined = await company_a(INTRODUCTIONS, {"status": "DECLINED"})

    assert first_page["introductions"]["totalCount"] == 3
    assert [e["node"]["id"] for e in first_page["introductions"]["edges"]] == [ids[2]]
    assert first_page["introductions"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in rest["introductions"]["edges"]] == [ids[1], ids[0]]
    assert [e["node"]["id"] for e in declined["introductions"]["edges"]] == [ids[0]]
    assert declined["introductions"]["edges"][0]["node"]["contact"] is None
    assert (await company_a(BALANCE))["viewer"]["creditBalance"] == 1


async def test_mark_hired_after_acceptance(company_a):
    await give_credits(company_a.company_id, 1)
    candidate = await network_candidate()
    data = await company_a(REQUEST, asking(await open_opening(company_a.company_id), candidate.id))
    intro_id = data["requestIntroduction"]["introduction"]["id"]

    early = await company_a(HIRED, {"input": {"introductionId": intro_id}})
    await introduction_answers.respond(
        candidate.id, int(relay.GlobalID.from_id(intro_id).node_id), accept=True
    )
    hired = await company_a(HIRED, {"input": {"introductionId": intro_id}})

    assert early["markIntroductionHired"]["userErrors"] == [
        {"field": ["input", "introductionId"], "code": "WRONG_STATE"}
    ]
    payload = hired["markIntroductionHired"]
    assert payload["userErrors"] == []
    assert payload["introduction"]["status"] == "ACCEPTED"
    assert payload["introduction"]["hiredAt"] is not None
