"""Request size limits: the body before parsing, lists before coercion."""

from __future__ import annotations

from server.config import get_settings

IMPORT = """mutation($input: ImportApplicationsInput!) {
  importApplications(input: $input) { created userErrors { code } } }"""


def _json_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_a_body_over_the_limit_is_refused_before_parsing(client, company_a):
    limit = get_settings().max_body_bytes
    oversized = b"{" + b" " * limit + b"}"  # not even valid JSON: never parsed

    response = await client.post(
        "/graphql",
        content=oversized,
        headers={"Authorization": f"Bearer {company_a.key}", "content-type": "application/json"},
    )

    _json_error(response, 413, "REQUEST_TOO_LARGE")


async def test_a_streamed_body_is_counted_without_content_length(client, company_a):
    limit = get_settings().max_body_bytes
    chunk = b" " * (1 << 20)

    async def stream():
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    response = await client.post(
        "/graphql",
        content=stream(),
        headers={"Authorization": f"Bearer {company_a.key}", "content-type": "application/json"},
    )

    _json_error(response, 413, "REQUEST_TOO_LARGE")
    assert "content-length" not in response.request.headers


async def test_a_body_within_the_limit_still_works(company_a):
    data = await company_a("{ __typename }")
    assert data == {"__typename": "Query"}


async def test_a_list_over_the_limit_is_refused_before_coercion(company_a):
    # Rows that would not even coerce: the size is checked first, in one step.
    rows = [{}] * (get_settings().max_list_items + 1)

    response = await company_a.post(IMPORT, {"input": {"rows": rows}})

    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_ITEMS"
    assert error["extensions"]["field"] == ["input", "rows"]
