"""Authentication and authorization at the GraphQL door."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from server.companies import accounts as companies
from server.companies import api_keys
from server.models import ApiKey, Company, CompanyStatus
from tests.fixtures.graphql import OPERATOR, Caller

VIEWER = "{ viewer { name slug } }"
OPERATOR_COMPANIES = "{ operator { companies(first: 10) { totalCount edges { node { slug } } } } }"


async def test_no_key_is_401_with_json_error(client):
    response = await client.post("/graphql", json={"query": VIEWER})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_bad_key_is_401(client, company_a):
    wrong_secret = company_a.key[:-4] + "AAAA"
    for header in ("Bearer nope", "Basic abc", f"Bearer {wrong_secret}", "Bearer rk_x"):
        response = await client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert "errors" in response.json()


async def test_company_key_reads_its_viewer(company_a):
    data = await company_a(VIEWER)

    assert data["viewer"] == {"name": "株式会社エー", "slug": "company-a"}


async def test_revoked_key_is_401_at_once(client, company_a):
    key = await ApiKey.get(company_id=company_a.company_id)
    await api_keys.revoke(OPERATOR, key.id)

    response = await company_a.post(VIEWER)

    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["message"]


async def test_suspended_company_key_is_403(company_a):
    await companies.set_status(OPERATOR, company_a.company_id, CompanyStatus.SUSPENDED)

    response = await company_a.post(VIEWER)

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_operator_field_as_company_is_null_and_operator_mutation_forbidden(company_a):
    body = (await company_a.post("{ operator { companies { totalCount } } }")).json()
    assert body["data"] == {"operator": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]

    response = await company_a.post(
        'mutation { createCompany(input: {name: "X"}) { company { id } userErrors { code } } }'
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None


async def test_company_field_as_operator_is_forbidden(operator):
    response = await operator.post(VIEWER)

    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["viewer"]


async def test_operator_lists_companies(operator, company_a, company_b):
    data = await operator(OPERATOR_COMPANIES)

    assert data["operator"]["companies"]["totalCount"] == 2
    slugs = [e["node"]["slug"] for e in data["operator"]["companies"]["edges"]]
    assert slugs == ["company-a", "company-b"]


async def test_use_updates_last_used_at(company_a):
    key = await ApiKey.get(company_id=company_a.company_id)
    assert key.last_used_at is None

    await company_a(VIEWER)

    await key.refresh_from_db()
    assert key.last_used_at is not None


async def test_only_hash_of_secret_is_stored(company_a):
    key = await ApiKey.get(company_id=company_a.company_id)
    secret = company_a.key.split("_", 2)[2]

    assert company_a.key.startswith(f"rk_{key.prefix}_")
    assert secret not in (key.secret_hash, key.prefix)
    assert len(key.secret_hash) == 64


async def test_create_and_revoke_key_through_graphql(client, company_a):
    created = await company_a(
        'mutation { createApiKey(input: {name: "ats"}) { apiKey { id name } secret '
        "userErrors { code } } }"
    )
    payload = created["createApiKey"]
    new_key = Caller(client, payload["secret"])
    assert (await new_key(VIEWER))["viewer"]["slug"] == "company-a"

    revoked = await company_a(
        "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } "
        "userErrors { code } } }",
        {"id": payload["apiKey"]["id"]},
    )

    assert revoked["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    assert (await new_key.post(VIEWER)).status_code == 401


async def test_company_cannot_revoke_another_companys_key(company_a, company_b):
    created = await company_b("mutation { createApiKey(input: {}) { apiKey { id } } }")
    key_id = created["createApiKey"]["apiKey"]["id"]

    data = await company_a(
        "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { id } "
        "userErrors { code field } } }",
        {"id": key_id},
    )

    assert data["revokeApiKey"] == {
        "apiKey": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["input", "apiKeyId"]}],
    }


async def test_a_key_changed_by_another_process_is_refused_within_the_cache_time(
    company_a, settings
):
    """Each process reuses a key's lookup at most RELAY_API_KEY_CACHE_SECONDS (≤ 1 s): a
    revocation or suspension written by another process (here: straight to the table, which
    this process's cache never hears of) is refused once that time is up."""
    assert settings.api_key_cache_seconds <= 1
    cached = settings.api_key_cache_seconds
    settings.api_key_cache_seconds = 0.5
    try:
        assert (await company_a.post(VIEWER)).status_code == 200
        await Company.filter(id=company_a.company_id).update(status=CompanyStatus.SUSPENDED)
        assert (await company_a.post(VIEWER)).status_code == 200  # still the cached lookup
        await asyncio.sleep(0.5)
        assert (await company_a.post(VIEWER)).status_code == 403

        await Company.filter(id=company_a.company_id).update(status=CompanyStatus.ACTIVE)
        await asyncio.sleep(0.5)
        assert (await company_a.post(VIEWER)).status_code == 200
        await ApiKey.filter(company_id=company_a.company_id).update(revoked_at=datetime.now(UTC))
        await asyncio.sleep(0.5)
        response = await company_a.post(VIEWER)
        assert response.status_code == 401
        assert "revoked" in response.json()["errors"][0]["message"]
    finally:
        settings.api_key_cache_seconds = cached
