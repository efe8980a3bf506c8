"""GraphQL behaviour: nodes, tenancy, limits, errors, operator mutations, SDL drift."""

from __future__ import annotations

from pathlib import Path

from schema.schema import schema
from schema.sdl import sdl
from server.models import AuditEvent, Company

NODE = "query($id: ID!) { node(id: $id) { id ... on Company { name } } }"
CREATE_COMPANY = """
mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    company { id name slug status }
    apiKey { prefix }
    secret
    userErrors { field message code }
  }
}
"""
SET_STATUS = """
mutation($input: SetCompanyStatusInput!) {
  setCompanyStatus(input: $input) { company { status } userErrors { field code } }
}
"""


async def _viewer_id(caller) -> str:
    return (await caller("{ viewer { id } }"))["viewer"]["id"]


async def test_node_reads_own_company(company_a):
    own_id = await _viewer_id(company_a)

    data = await company_a(NODE, {"id": own_id})

    assert data["node"] == {"id": own_id, "name": "株式会社エー"}


async def test_company_never_reads_another_company_by_node(company_a, company_b):
    other_id = await _viewer_id(company_b)

    data = await company_a(NODE, {"id": other_id})

    assert data["node"] is None


async def test_unknown_and_malformed_ids_are_clear_errors(company_a):
    import base64

    unknown = base64.b64encode(b"Company:999999").decode()
    assert (await company_a(NODE, {"id": unknown}))["node"] is None

    for bad in ("not-an-id", base64.b64encode(b"Nope:1").decode()):
        response = await company_a.post(NODE, {"id": bad})
        body = response.json()
        assert response.status_code == 200
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
        assert "not" in body["errors"][0]["message"]


async def test_malformed_graphql_is_a_syntax_error_not_500(company_a):
    response = await company_a.post("{ viewer { name ")

    assert response.status_code == 200
    assert "Syntax Error" in response.json()["errors"][0]["message"]
    assert response.json()["data"] is None


async def test_query_nested_past_the_depth_limit_is_refused(company_a, settings):
    document = "{ viewer { id } }"
    for _ in range(settings.max_query_depth + 1):
        document = document.replace("{ id }", "{ viewer { id } }", 1)

    response = await company_a.post(document)

    assert response.status_code == 200
    messages = [e["message"] for e in response.json()["errors"]]
    assert any("exceeds maximum operation depth" in m for m in messages), messages


async def test_too_many_aliases_are_refused(company_a, settings):
    document = (
        "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(settings.max_aliases + 1)) + " }"
    )

    body = (await company_a.post(document)).json()

    assert any("aliases" in e["message"] for e in body["errors"])


async def test_page_size_of_1000_is_a_clear_error(operator):
    body = (await operator.post("{ operator { companies(first: 1000) { totalCount } } }")).json()

    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_pagination_walks_every_company_once(operator, make_company):
    for i in range(5):
        await make_company(f"Company {i}", slug=f"c-{i}")
    query = """query($after: String) { operator { companies(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { slug } } } } }"""
    seen, after = [], None
    while True:
        page = (await operator(query, {"after": after}))["operator"]["companies"]
        assert page["totalCount"] == 5
        seen += [e["node"]["slug"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [f"c-{i}" for i in range(5)]


async def test_operator_creates_company_with_first_key_shown_once(client, operator):
    data = await operator(CREATE_COMPANY, {"input": {"name": "ｸﾞﾘｰﾝ 株式会社", "slug": "green"}})

    payload = data["createCompany"]
    assert payload["userErrors"] == []
    assert payload["company"]["name"] == "グリーン 株式会社"  # NFKC: half-width kana folded
    assert payload["secret"].startswith(f"rk_{payload['apiKey']['prefix']}_")
    from tests.fixtures.graphql import Caller

    viewer = await Caller(client, payload["secret"])("{ viewer { slug } }")
    assert viewer["viewer"]["slug"] == "green"
    assert await AuditEvent.filter(action="company.create").count() == 1


async def test_create_company_bad_input_is_user_errors(operator, company_a):
    data = await operator(
        CREATE_COMPANY, {"input": {"name": "  ", "slug": "Bad Slug", "contactEmail": "nope"}}
    )
    errors = data["createCompany"]["userErrors"]
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        (("input", "name"), "REQUIRED"),
        (("input", "slug"), "INVALID"),
        (("input", "contactEmail"), "INVALID"),
    }
    assert data["createCompany"]["company"] is None

    taken = await operator(CREATE_COMPANY, {"input": {"name": "A again", "slug": "company-a"}})
    assert taken["createCompany"]["userErrors"][0]["code"] == "ALREADY_EXISTS"
    assert await Company.all().count() == 1


async def test_set_company_status_is_audited(operator, company_a):
    company_id = await _viewer_id(company_a)

    data = await operator(SET_STATUS, {"input": {"companyId": company_id, "status": "SUSPENDED"}})

    assert data["setCompanyStatus"]["company"]["status"] == "SUSPENDED"
    event = await AuditEvent.get(action="company.set_status")
    assert event.data == {"previous": "ACTIVE", "status": "SUSPENDED"}
    assert event.api_key_id is not None


async def test_unexpected_errors_are_masked(operator, monkeypatch):
    from server.companies import accounts as companies

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(companies, "create", broken)

    body = (await operator.post(CREATE_COMPANY, {"input": {"name": "X"}})).json()

    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret internals" not in str(body)


def test_exported_sdl_matches_the_code():
    committed = Path(__file__).parents[2] / "schema" / "schema.graphql"

    assert committed.read_text(encoding="utf-8") == sdl(schema), (
        "schema/schema.graphql is stale: run `relay export-schema`"
    )


async def test_a_body_that_is_not_json_is_a_400_and_japanese_comes_back_as_sent(company_a):
    response = await company_a.http.post(
        "/graphql",
        content=b'{"query": "{ viewer { name } ',
        headers={"Authorization": f"Bearer {company_a.key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.text

    variables = {"id": await _viewer_id(company_a)}
    response = await company_a.post(
        "query($id: ID!) { node(id: $id) { ... on Company { name } } }", variables
    )
    assert response.headers["content-type"].startswith("application/json")
    assert "株式会社エー".encode() in response.content  # UTF-8 as is, not \u escapes
    assert response.json()["data"]["node"]["name"] == "株式会社エー"
