"""Pages that read their rows' nested objects at once (schema/preload.py) answer exactly what
the same objects read one by one answer (by node id, through the resolvers)."""

from __future__ import annotations

from tests.schema.test_applications import IMPORT, open_role, row

APPLICATION = "id applicant { name email externalId } opening { id title tags { slug label } }"
PAGE = f"""
query {{
  applications(first: 10) {{
    edges {{ node {{ ...row again: opening {{ title }} }} }}
  }}
}}
fragment row on Application {{ {APPLICATION} }}
"""
ONE = f"query($id: ID!) {{ node(id: $id) {{ ... on Application {{ {APPLICATION} }} }} }}"


async def test_an_application_page_shows_what_each_application_shows_alone(company_a, company_b):
    first = await open_role(company_a, "一", tags=("Python", "東京"))
    second = await open_role(company_a, "二", tags=("Go",))
    rows = [row(i, first if i % 2 else second) for i in range(4)]
    await company_a(IMPORT, {"input": {"rows": rows}})
    await company_b(IMPORT, {"input": {"rows": [row(9, await open_role(company_b, "B"))]}})

    nodes = [e["node"] for e in (await company_a(PAGE))["applications"]["edges"]]

    assert [(n["applicant"]["name"], n["again"]["title"]) for n in nodes] == [
        ("応募者 0", "二"),
        ("応募者 1", "一"),
        ("応募者 2", "二"),
        ("応募者 3", "一"),
    ]
    assert nodes[1]["opening"]["tags"][0]["slug"] == "python"
    assert len(nodes[1]["opening"]["tags"]) == 2
    for node in nodes:
        alone = (await company_a(ONE, {"id": node["id"]}))["node"]
        assert {k: node[k] for k in alone} == alone


async def test_an_openings_page_shows_the_tags_each_opening_shows_alone(company_a):
    ids = [await open_role(company_a, f"求人{i}", tags=("Python", f"技能{i}")) for i in range(3)]
    page = "{ openings(first: 5) { edges { node { ... on Opening { id tags { slug } } } } } }"
    one = "query($id: ID!) { node(id: $id) { ... on Opening { id tags { slug } } } }"

    nodes = [e["node"] for e in (await company_a(page))["openings"]["edges"]]

    assert [n["id"] for n in nodes] == ids
    for node in nodes:
        assert len(node["tags"]) == 2
        assert (await company_a(one, {"id": node["id"]}))["node"] == node
