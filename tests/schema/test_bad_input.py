"""Plain bad input answers a userError or a GraphQL error with a code, never 'Unexpected error.'"""

from __future__ import annotations

import base64

import pytest


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _error_code(body: dict) -> str:
    [error] = body["errors"]
    assert error["message"] != "Unexpected error.", error
    return error["extensions"]["code"]


CREATE_OPENING = """mutation($input: CreateOpeningInput!) {
  createOpening(input: $input) { opening { id } userErrors { code } } }"""


@pytest.mark.parametrize("title", ["バックエンド\x00エンジニア", "\x00"])
async def test_a_nul_character_in_variables_is_invalid_character(company_a, title):
    response = await company_a.post(CREATE_OPENING, {"input": {"title": title}})

    assert response.status_code == 200
    assert _error_code(response.json()) == "INVALID_CHARACTER"


async def test_a_nul_character_in_a_literal_is_invalid_character(operator):
    query = 'mutation { createCompany(input: {name: "A\\u0000B"}) { company { id } } }'

    response = await operator.post(query)

    assert _error_code(response.json()) == "INVALID_CHARACTER"


@pytest.mark.parametrize("pk", ["99999999999999999999999", "-99999999999999999999", "1e400"])
async def test_a_node_id_beyond_the_integer_range_is_invalid_id(company_a, pk):
    response = await company_a.post(
        "query($id: ID!) { node(id: $id) { id } }", {"id": _b64(f"Opening:{pk}")}
    )

    assert _error_code(response.json()) == "INVALID_ID"


async def test_a_cursor_beyond_the_integer_range_is_invalid_cursor(company_a):
    response = await company_a.post(
        "query($after: String) { openings(first: 5, after: $after) { totalCount } }",
        {"after": _b64("cursor:99999999999999999999999")},
    )

    assert _error_code(response.json()) == "INVALID_CURSOR"


async def test_a_report_at_the_end_of_the_calendar_is_invalid(company_a):
    response = await company_a.post(
        "query($from: DateTime!, $to: DateTime!) { report(from: $from, to: $to) { __typename } }",
        {"from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
    )

    assert _error_code(response.json()) == "INVALID"


async def test_include_in_a_template_is_a_template_invalid_user_error(company_a):
    data = await company_a(
        """mutation($input: UpdateRejectionTemplateInput!) {
          updateRejectionTemplate(input: $input) { userErrors { field code } } }""",
        {
            "input": {
                "locale": "JA",
                "subject": "件名",
                "body": "{{ registration_url }}{% include 'secret.txt' %}",
            }
        },
    )

    assert data["updateRejectionTemplate"]["userErrors"] == [
        {"field": ["input", "body"], "code": "TEMPLATE_INVALID"}
    ]
