"""`matches` and CandidateCard through GraphQL: ranking with explanations, pagination,
tenancy, anonymity, and node(id:) following the eligibility rule."""

from __future__ import annotations

import pytest
import pytest_asyncio
from arq.worker import Worker
from graphql import get_named_type

from schema import node
from schema.schema import schema
from server.candidates import consent
from server.models import Applicant, Candidate, ConsentScope
from server.network import scoring, tags, taxonomy
from workers.settings import worker_settings

CREATE_OPENING = """
mutation($input: CreateOpeningInput!) {
  createOpening(input: $input) { opening { id } userErrors { code } }
}
"""
MATCHES = """
query($openingId: ID!, $first: Int, $after: String) {
  matches(openingId: $openingId, first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node {
        score
        matchedTags { slug }
        candidate { id headline experienceYears tags { slug category } }
      }
    }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
NODE = """
query($id: ID!) { node(id: $id) { __typename ... on CandidateCard { id headline } } }
"""


@pytest_asyncio.fixture(autouse=True)
async def seeded(redis, settings):
    await taxonomy.seed()
    await redis.delete(settings.queue_name)


async def person(email: str, *texts: str) -> Candidate:
    candidate = await Candidate.create(
        email=email,
        email_normalized=email,
        display_name="秘密 花子",
        headline="データ分析が得意です",
        experience_years=4,
        tag_ids=[t.id for t in await tags.resolve(texts)],
    )
    await consent.record(candidate, ConsentScope.NETWORK_SHARING, True, source="test")
    return candidate


async def open_role(caller, *texts: str, remote_ok: bool = False) -> str:
    """Creates an opening over GraphQL and lets the real worker build its matches."""
    await scoring.refresh_weights()
    data = await caller(
        CREATE_OPENING,
        {"input": {"title": "データアナリスト", "tags": list(texts), "remoteOk": remote_ok}},
    )
    assert data["createOpening"]["userErrors"] == []
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0
    return data["createOpening"]["opening"]["id"]


async def test_matches_rank_by_rare_tags_and_explain_why(company_a):
    for i in range(5):
        await person(f"common{i}@example.jp", "excel", "tokyo")
    rare = await person("rare@example.jp", "rust", "tokyo")
    opening_id = await open_role(company_a, "Rust", "Excel", "東京")

    data = await company_a(MATCHES, {"openingId": opening_id})

    matches = data["matches"]
    assert matches["totalCount"] == 6
    best = matches["edges"][0]["node"]
    assert best["candidate"]["headline"] == "データ分析が得意です"
    assert [t["slug"] for t in best["matchedTags"]] == ["rust", "tokyo"]
    assert {t["slug"] for t in best["candidate"]["tags"]} == {"rust", "tokyo"}
    assert best["score"] > matches["edges"][1]["node"]["score"]
    assert node.decode(best["candidate"]["id"], "CandidateCard")[1] == rare.id
    assert await company_a(NODE, {"id": best["candidate"]["id"]}) == {
        "node": {"__typename": "CandidateCard", "id": best["candidate"]["id"],
                 "headline": "データ分析が得意です"}
    }  # fmt: skip


async def test_pages_walk_every_match_once(company_a):
    for i in range(7):
        await person(f"p{i}@example.jp", "python", "tokyo", *(["rust"] if i % 2 else []))
    opening_id = await open_role(company_a, "Python", "Rust", "東京")

    seen, after, pages = [], None, 0
    while True:
        page = (await company_a(MATCHES, {"openingId": opening_id, "first": 3, "after": after}))[
            "matches"
        ]
        pages += 1
        seen += [e["node"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == 3
    assert len({m["candidate"]["id"] for m in seen}) == 7
    scores = [m["score"] for m in seen]
    assert scores == sorted(scores, reverse=True)


async def test_another_companys_opening_reads_as_having_no_matches(company_a, company_b):
    await person("p@example.jp", "python", "tokyo")
    opening_id = await open_role(company_a, "Python", "東京")

    data = await company_b(MATCHES, {"openingId": opening_id})

    assert data["matches"]["edges"] == []
    assert data["matches"]["totalCount"] == 0


async def test_a_companys_own_applicant_is_not_in_its_matches_nor_resolvable(company_a, company_b):
    own = await person("own@example.jp", "python", "tokyo")
    await Applicant.create(
        company_id=company_a.company_id, name="自社 応募者", email="own@example.jp",
        email_normalized="own@example.jp",
    )  # fmt: skip
    a_opening = await open_role(company_a, "Python", "東京")
    b_opening = await open_role(company_b, "Python", "東京")

    a_matches = (await company_a(MATCHES, {"openingId": a_opening}))["matches"]
    b_matches = (await company_b(MATCHES, {"openingId": b_opening}))["matches"]

    assert a_matches["edges"] == []
    card_id = b_matches["edges"][0]["node"]["candidate"]["id"]
    assert (await company_b(NODE, {"id": card_id}))["node"]["id"] == card_id
    assert node.decode(card_id, "CandidateCard")[1] == own.id
    assert (await company_a(NODE, {"id": card_id}))["node"] is None


def test_no_field_reachable_from_a_card_names_or_reaches_the_person():
    graphql_schema = schema._schema
    forbidden = {"name", "email", "displayName", "company", "referral", "applicant", "contact"}
    seen, todo = set(), ["CandidateCard", "Match", "MatchConnection"]
    while todo:
        type_name = todo.pop()
        if type_name in seen:
            continue
        seen.add(type_name)
        for field_name, field in getattr(graphql_schema.get_type(type_name), "fields", {}).items():
            assert field_name not in forbidden, f"{type_name}.{field_name}"
            todo.append(get_named_type(field.type).name)

    assert {"CandidateCard", "Tag"} <= seen
    assert "Company" not in seen and "Applicant" not in seen


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 101}, "INVALID_PAGE_SIZE"),
        ({"after": "bm90LWEtY3Vyc29y"}, "INVALID_CURSOR"),
    ],
)
async def test_bad_arguments_are_public_errors(company_a, variables, code):
    opening_id = await open_role(company_a, "Python", "東京")

    body = (await company_a.post(MATCHES, {"openingId": opening_id, **variables})).json()

    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


async def test_an_opening_id_of_another_type_is_invalid(company_a):
    body = (await company_a.post(MATCHES, {"openingId": "Q29tcGFueTox"})).json()

    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ID"]


async def test_operators_have_no_matches(operator, company_a):
    opening_id = await open_role(company_a, "Python", "東京")

    body = (await operator.post(MATCHES, {"openingId": opening_id})).json()

    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
