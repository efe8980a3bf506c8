"""The tags query, Tag nodes and the tag DataLoader."""

from __future__ import annotations

import pytest_asyncio

from server.models import Tag
from server.network import tags, taxonomy

TAGS = """
query($category: TagCategory, $search: String) {
  tags(category: $category, search: $search) {
    id category slug labelJa labelEn label en: label(locale: EN) synonyms reviewed
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Tag { slug labelEn } } }"


@pytest_asyncio.fixture(autouse=True)
async def seeded(app) -> None:
    await taxonomy.seed()


async def test_search_is_normalised_like_tags(company_a):
    data = await company_a(TAGS, {"search": "ｊａｖａ"})

    slugs = [t["slug"] for t in data["tags"]]
    assert slugs[0] == "java"
    assert "javascript" in slugs
    javascript = next(t for t in data["tags"] if t["slug"] == "javascript")
    assert javascript["category"] == "SKILL"
    assert javascript["reviewed"] is True
    assert "js" in javascript["synonyms"]


async def test_tags_of_a_category_with_labels_in_both_languages(company_a):
    data = await company_a(TAGS, {"category": "LOCATION", "search": "東京"})

    assert [(t["slug"], t["label"], t["en"]) for t in data["tags"]] == [
        ("tokyo", "東京都", "Tokyo"),
        ("tokyo-23-wards", "東京23区", "Tokyo 23 wards"),
    ]


async def test_tags_are_capped_at_fifty(company_a, operator):
    data = await company_a(TAGS, {"category": "LOCATION"})
    everything = await operator(TAGS)

    assert len(data["tags"]) == tags.MAX_SEARCH_RESULTS
    assert {t["category"] for t in data["tags"]} == {"LOCATION"}
    assert len(everything["tags"]) == tags.MAX_SEARCH_RESULTS


async def test_merged_tags_are_not_listed(company_a):
    [typo] = await tags.resolve(["Javva"])
    await Tag.filter(id=typo.id).update(merged_into_id=(await Tag.get(slug="java")).id)

    data = await company_a(TAGS, {"search": "javva"})

    assert data["tags"] == []


async def test_a_search_over_100_characters_is_an_error(company_a):
    response = await company_a.post(TAGS, {"search": "x" * 101})

    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["TOO_LONG"]


async def test_tags_need_an_api_key(client):
    response = await client.post("/graphql", json={"query": TAGS})

    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


async def test_a_tag_is_a_node(company_a, company_b):
    tag_id = (await company_a(TAGS, {"search": "k8s"}))["tags"][0]["id"]

    data = await company_b(NODE, {"id": tag_id})

    assert data["node"] == {"id": tag_id, "slug": "kubernetes", "labelEn": "Kubernetes"}
