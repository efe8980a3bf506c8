"""The openings connection: the caller's own openings only, by id, with cursors and the status
filter (read in precompiled SQL, server/rows.py)."""

from __future__ import annotations

from server.models import Opening, OpeningStatus

PAGE = """
query($first: Int, $after: String, $status: OpeningStatus) {
  openings(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { title status tags { slug } } }
  }
}
"""


async def test_pages_walk_the_callers_openings_by_id_and_filter_by_status(company_a, company_b):
    for i in range(5):
        status = OpeningStatus.CLOSED if i % 2 else OpeningStatus.OPEN
        await Opening.create(company_id=company_a.company_id, title=f"A{i}", status=status)
    await Opening.create(company_id=company_b.company_id, title="B0")

    titles, after, pages = [], None, 0
    while True:
        data = (await company_a(PAGE, {"first": 2, "after": after}))["openings"]
        assert data["totalCount"] == 5
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        titles += [e["node"]["title"] for e in data["edges"]]
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert titles == ["A0", "A1", "A2", "A3", "A4"] and pages == 3

    closed = (await company_a(PAGE, {"status": "CLOSED"}))["openings"]
    assert closed["totalCount"] == 2
    assert [e["node"] for e in closed["edges"]] == [
        {"title": "A1", "status": "CLOSED", "tags": []},
        {"title": "A3", "status": "CLOSED", "tags": []},
    ]
    other = (await company_b(PAGE, {}))["openings"]
    assert other["totalCount"] == 1 and other["edges"][0]["node"]["title"] == "B0"
